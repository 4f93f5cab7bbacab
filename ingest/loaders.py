"""Read a file into page texts. Every failure is an IngestError naming the file and the reason."""

from __future__ import annotations

import logging
import re
import zipfile
import zlib
from pathlib import Path

from assistant.core.errors import IngestError

log = logging.getLogger(__name__)
SUPPORTED = (".pdf", ".txt", ".md", ".docx")
# Why a file is refused unread, in Chinese like every ingest reason (ingest report, CLI and web app alike).
REFUSALS = {
    "missing": "不是文件（不存在，或是目录）",
    "type": "不支持的文件类型“{suffix}”，仅支持 {supported}",
    "no suffix": "无扩展名",
    "empty": "文件为空（0 字节）",
    "size": "文件 {mb:.1f} MB，超过 {limit:g} MB 的上限",
}
# Markdown marks at a line start; blanks within the line only ([ \t], not \s), so a run of empty lines is
# never scanned again from each of its lines.
MD_HEADING = re.compile(r"(?m)^[ \t]{0,3}#{1,6}[ \t]*")
MD_BULLET = re.compile(r"(?m)^[ \t]*[-*+][ \t]+")
MD_EMPHASIS = re.compile(r"\*\*|__|`")


def check_file(path: Path, max_mb: float, name: str | None = None) -> str:
    """The file's lower-case suffix, or IngestError if it is missing, of an unsupported type, empty or
    over the size limit. Looks at nothing but the name and the size. `name` is the file's own name when
    `path` is a copy under another name (an upload): it gives the type and is named in the error."""
    label = Path(name) if name is not None else path
    words = REFUSALS
    if not path.is_file():
        raise IngestError(label, words["missing"])
    suffix = label.suffix.lower()
    if suffix not in SUPPORTED:
        shown = suffix or words["no suffix"]
        raise IngestError(label, words["type"].format(suffix=shown, supported="、".join(SUPPORTED)))
    size = path.stat().st_size
    if size == 0:
        raise IngestError(label, words["empty"])
    if size > max_mb * 1024 * 1024:
        raise IngestError(label, words["size"].format(mb=size / 1048576, limit=max_mb))
    return suffix


def check_link(path: Path, folder: Path) -> None:
    """IngestError for a symbolic link that points nowhere or out of `folder` (the corpus): its target's text
    would become public in the app. Links within the folder are read as files."""
    if not path.is_symlink():
        return
    target = path.resolve()
    if not target.exists():
        raise IngestError(path, f"符号链接指向的文件不存在（{path.readlink()}）")
    if not target.is_relative_to(folder.resolve()):
        raise IngestError(path, f"符号链接指向语料目录之外（{target}），出于安全考虑不予收录")


def read_pages(path: Path, max_mb: float) -> tuple[list[str], str | None]:
    """(page texts, title from the file's own metadata if any)."""
    suffix = check_file(path, max_mb)
    if suffix == ".pdf":
        return _read_pdf(path)
    if suffix == ".docx":
        return _read_docx(path, max_mb), None
    text = decode_text(path.read_bytes(), path)
    if suffix == ".md":
        text = strip_markdown(text)
    return text.split("\f"), None


def _read_pdf(path: Path) -> tuple[list[str], str | None]:
    import pypdf
    from pypdf.errors import DependencyError, PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = pypdf.PdfReader(str(path), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError(path, "PDF 已加密，需要密码才能打开")
        pages = [page.extract_text() or "" for page in reader.pages]
        title = reader.metadata.get("/Title") if reader.metadata else None
    except IngestError:
        raise
    except DependencyError as exc:  # AES needs `cryptography`, a dependency of the project
        raise IngestError(path, f"读取该 PDF 需要安装额外的依赖（{exc}）") from exc
    except (
        PyPdfError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        OSError,
        IndexError,
        NotImplementedError,
        RecursionError,
        AssertionError,
    ) as exc:
        log.warning("%s: %s: %s", path, type(exc).__name__, exc)
        raise IngestError(path, f"PDF 文件损坏或不完整（{type(exc).__name__}）") from exc
    if not pages:
        raise IngestError(path, "PDF 没有页面")
    return pages, str(title).strip() if title else None


def _read_docx(path: Path, max_mb: float) -> list[str]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import LxmlError

    expanded = _docx_expanded_size(path)
    if expanded > max_mb * 1024 * 1024:
        raise IngestError(path, f"DOCX 解压后 {expanded / 1048576:.1f} MB，超过 {max_mb:g} MB 的上限")
    try:
        document = docx.Document(str(path))
        return ["\n".join(p.text for p in document.paragraphs)]
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        log.warning("%s: %s: %s", path, type(exc).__name__, exc)
        raise IngestError(path, "DOCX 文件损坏：压缩数据无法解压或校验失败") from exc
    except LxmlError as exc:
        log.warning("%s: %s: %s", path, type(exc).__name__, exc)
        raise IngestError(path, "DOCX 文件损坏：文档内容不是有效的 XML（或其中一段文字过长）") from exc
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        log.warning("%s: %s: %s", path, type(exc).__name__, exc)
        raise IngestError(path, "DOCX 文件损坏或不是 Word 文档") from exc


def _docx_expanded_size(path: Path) -> int:
    """The size of every part once unzipped, as the archive declares it: zipfile reads no more than that (and
    fails the CRC if a part is longer), so a small file that inflates to gigabytes is refused unread."""
    try:
        with zipfile.ZipFile(path) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise IngestError(path, "DOCX 文件损坏或不是 Word 文档（不是有效的 zip 压缩包）") from exc


def decode_text(data: bytes, path: Path | str = "<text>") -> str:
    """UTF-8 (with or without BOM), else GB18030/GBK and other encodings detected from the bytes."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise IngestError(path, "文本文件的编码无法识别")
    return str(best)


def strip_markdown(text: str) -> str:
    text = MD_HEADING.sub("", text)
    text = MD_BULLET.sub("", text)
    return MD_EMPHASIS.sub("", text)
