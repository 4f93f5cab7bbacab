"""Chinese wording for ingest reasons: the ingest gives them in Chinese, an index built by an earlier version
may still hold English ones; no gradio import."""

from __future__ import annotations

import re

# (pattern of the English reason, Chinese message; groups are substituted as in re.sub)
_REASONS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"^corrupt or truncated PDF\b.*", re.S), "PDF 文件已损坏或不完整，无法读取"),
    (re.compile(r"^PDF has no pages$"), "PDF 文件没有页面"),
    (re.compile(r"^encrypted PDF\b.*"), "PDF 文件已加密，需要密码才能读取"),
    (re.compile(r"^corrupt DOCX\b.*", re.S), "DOCX 文件已损坏，无法读取"),
    (re.compile(r"^text file in an unknown encoding$"), "无法识别文本文件的编码"),
    (re.compile(r"^empty file \(0 bytes\)$"), "文件为空（0 字节）"),
    (re.compile(r"^not a file$"), "不是文件"),
    (re.compile(r"^file is ([\d.]+) MB, over the ([\d.]+) MB limit$"), r"文件 \1 MB，超过 \2 MB 的上限"),
    (re.compile(r"^unsupported file type '([^']*)'.*"), r"不支持的文件类型“\1”，仅支持 .pdf、.txt、.md、.docx"),
    (re.compile(r"^no text layer\b.*"), "文件中没有可提取的文字（扫描件需先做文字识别）"),
    (
        re.compile(r"^text layer decodes to garbage \((\d+%) unreadable characters\)$"),
        r"文字层无法正常解码（\1 为乱码）",
    ),
    (re.compile(r"^invalid metadata JSON\b.*", re.S), "元数据文件（.meta.json）不是有效的 JSON"),
    (re.compile(r"^metadata JSON must be an object\b.*"), "元数据文件（.meta.json）必须是一个 JSON 对象"),
    (re.compile(r"^unknown metadata fields (\[.*?\]).*"), r"元数据文件中有未知字段 \1"),
    (re.compile(r"^metadata field 'issuers' must be a list of names$"), "元数据字段 issuers 必须是机关名称列表"),
    (re.compile(r"^metadata fields (\[.*?\]) must be strings$"), r"元数据字段 \1 必须是文本"),
]
_LATIN = re.compile(r"[A-Za-z]{4,}")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def chinese_reason(reason: str | None) -> str:
    """The Chinese message for an ingest failure reason: a Chinese one as it is, a known English one
    translated, an unknown English one a generic message."""
    text = (reason or "").strip()
    if _CJK.search(text):
        return text
    for pattern, replacement in _REASONS:
        if pattern.match(text):
            return pattern.sub(replacement, text, count=1)
    if _LATIN.search(text):
        return "文件无法解析（详细原因见服务器日志）"
    return text
