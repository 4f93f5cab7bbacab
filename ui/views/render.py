"""Answers, documents and clause trees → escaped Markdown/HTML for the web app (no gradio import).

Every piece of document or user text passes through `md_text` (Markdown context) or `html_text`
(HTML context), so markup or script inside a question or a policy file renders as plain text.
Source blocks are kept free of blank lines so Markdown treats each as one raw HTML block.
"""

from __future__ import annotations

import html
import re
from collections import OrderedDict

from assistant.core.records import Answer, Chunk, Document

_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}()#+\-.!|~>])")
_AUTOLINK = re.compile(r"(?i)(https?|ftp|file)://")
REFUSAL_BANNER = "⚠️ **收录的政策文件未覆盖此问题**"
LLM_LABEL = "由大模型依据所引条款生成，数字与引用已逐句核验。"


def html_text(text: str | None) -> str:
    """Escape for an HTML context; newlines become <br>."""
    return html.escape(text or "", quote=True).replace("\n", "<br>")


def md_text(text: str | None) -> str:
    """Escape for a Markdown context: HTML-escaped, then every Markdown punctuation backslash-escaped, and the
    shapes the renderer turns into links by themselves (`https://…`, `a@b.cn`; `www.` loses its dot above) broken
    with an entity, so a URL or an address in a question or a document shows as text, never as a link."""
    escaped = _MD_SPECIAL.sub(r"\\\1", html.escape(text or "", quote=False))
    return _AUTOLINK.sub(r"\1&#58;//", escaped).replace("@", "&#64;")


def pages_label(pages: tuple[int, ...] | list[int] | None) -> str:
    if not pages:
        return ""
    first, last = min(pages), max(pages)
    return f"第{first}页" if first == last else f"第{first}–{last}页"


def source_block(
    marker: int, document: Document | None, doc_number: str | None, title: str, section: str, pages, text: str
) -> str:
    number = doc_number or (document.doc_number if document else None)
    head = [f"[{marker}]", f"《{html_text(title)}》"]
    if number:
        head.append(f"（{html_text(number)}）")
    meta = [f"条款：{html_text(section)}" if section else "", html_text(pages_label(pages))]
    summary = "".join(head) + " " + " · ".join(m for m in meta if m)
    return (
        f'<details class="pa-source"><summary>{summary}</summary>'
        f'<div class="pa-clause">{html_text(text)}</div></details>'
    )


def render_sources(answer: Answer) -> str:
    if not answer.citations:
        return ""
    blocks = [
        source_block(
            c.marker, c.document, c.document.doc_number, c.document.title, c.chunk.section, c.chunk.pages, c.chunk.text
        )
        for c in answer.citations
    ]
    label = "可参考的相关条款" if answer.refused else "来源"
    return f'<div class="pa-sources"><strong>{label}（点击展开条款原文）</strong>' + "".join(blocks) + "</div>"


def render_answer(answer: Answer) -> str:
    """The chat message for an answer: banner if not covered, the text with its [n] markers, the sources."""
    parts = []
    if answer.refused:
        parts.append(REFUSAL_BANNER)
    if answer.resolved_question:
        parts.append(f"*已结合上文理解为：{md_text(answer.resolved_question)}*")
    parts.append(md_text(answer.answer))
    if answer.notice:
        parts.append(f"*{md_text(answer.notice)}*")
    elif answer.mode == "llm":
        parts.append(f"*{LLM_LABEL}*")
    sources = render_sources(answer)
    if sources:
        parts.append(sources)
    return "\n\n".join(parts)


def answer_status(answer: Answer, qa_id: int | None, recorded: bool = True) -> str:
    """The status line under the chat; `recorded` False when the answer could not be logged."""
    ref = f"（记录编号 #{qa_id}）" if qa_id is not None else ""
    unrecorded = "" if recorded else "反馈/记录暂不可用。"
    if answer.refused:
        return f"⚠️ 该问题不在收录的政策文件范围内，助手未作答{ref}。请换个问法，或咨询相关主管部门。{unrecorded}"
    return f"已作答，引用 {len(answer.citations)} 处条款，用时 {answer.latency_ms:.0f} 毫秒{ref}。{unrecorded}"


# ---- documents ---------------------------------------------------------------------------------

DOC_HEADERS = ["标题", "文号", "发文机关", "成文日期", "地区", "页数", "条款数", "状态"]


def doc_rows(documents: dict[str, Document], chunks: list[Chunk]) -> list[list]:
    clauses: dict[str, set] = {}
    for c in chunks:
        clauses.setdefault(c.doc_id, set()).add(c.path)
    rows = []
    for doc in sorted(documents.values(), key=lambda d: (d.jurisdiction != "national", d.date or "", d.title)):
        rows.append(
            [
                doc.title,
                doc.doc_number or "—",
                "、".join(doc.issuers) or "—",
                doc.date or "—",
                doc.place,
                doc.page_count,
                len(clauses.get(doc.doc_id, ())),
                doc.status,
            ]
        )
    return rows


def clause_paths(chunks: list[Chunk], doc_id: str) -> OrderedDict[tuple[str, ...], list[Chunk]]:
    """The document's clauses in reading order, each with its chunks (parts of a long clause)."""
    grouped: OrderedDict[tuple[str, ...], list[Chunk]] = OrderedDict()
    for c in sorted((c for c in chunks if c.doc_id == doc_id), key=lambda c: (c.start, c.part)):
        grouped.setdefault(c.path, []).append(c)
    return grouped


def clause_text(chunks: list[Chunk]) -> str:
    return "\n".join(c.text for c in sorted(chunks, key=lambda c: c.part))


def render_tree(document: Document, grouped: OrderedDict[tuple[str, ...], list[Chunk]]) -> str:
    """Nested lists of the heading paths, as escaped HTML."""
    out = [f'<div class="pa-tree"><div class="pa-tree-title">{html_text(document.citation_title)}</div>']
    open_path: tuple[str, ...] = ()
    out.append("<ul>")
    for path in grouped:
        path = path or ("（正文）",)
        common = 0
        while common < min(len(open_path), len(path)) and open_path[common] == path[common]:
            common += 1
        out.append("</ul></li>" * (len(open_path) - common))
        for depth in range(common, len(path)):
            out.append(f"<li>{html_text(path[depth])}<ul>")
        open_path = path
    out.append("</ul></li>" * len(open_path))
    out.append("</ul></div>")
    return "".join(out)


def render_clause(document: Document, path: tuple[str, ...], chunks: list[Chunk]) -> str:
    pages = sorted({p for c in chunks for p in c.pages})
    head = f"**{md_text(document.citation_title)}**  \n{md_text(' > '.join(path) or '（正文）')}"
    if pages:
        head += f" · {pages_label(tuple(pages))}"
    body = "  \n".join(md_text(line) for line in clause_text(chunks).splitlines() if line.strip())
    return f"{head}\n\n{body}"


# ---- review ------------------------------------------------------------------------------------

RATING_LABELS = {"correct": "正确", "partial": "部分正确", "wrong": "错误", "citation-wrong": "引用错误"}
SCOPE_LABELS = {None: "全部", "national": "国家", "shanghai": "上海"}


def render_record(row: dict, feedback: list[dict]) -> str:
    lines = [
        f"#### 记录 #{row['id']} · {row['created_at']:%Y-%m-%d %H:%M} UTC",
        f"**问题：** {md_text(row['question'])}",
        "",
        f"**答案{'（未覆盖，已拒答）' if row['refused'] else ''}：** {md_text(row['answer'])}",
        "",
    ]
    for c in row["citations"]:
        lines.append(
            source_block(
                c.get("marker", 0),
                None,
                c.get("doc_number"),
                c.get("doc_title", ""),
                c.get("section", ""),
                [c["page"]] if c.get("page") else [],
                c.get("text", ""),
            )
        )
    settings = row["settings"]
    answerer = "大模型（已核验）" if settings.get("mode") == "llm" else "条款原文摘录"
    lines += [
        "",
        f"检索方式：{md_text(str(settings.get('retriever', '—')))} · 回答方式：{answerer} · 范围："
        f"{SCOPE_LABELS.get(settings.get('jurisdiction'), md_text(str(settings.get('jurisdiction'))))}",
    ]
    if row["rating"]:
        lines.append(f"当前评审：**{RATING_LABELS.get(row['rating'], row['rating'])}** {md_text(row['note'] or '')}")
    for f in feedback:
        lines.append(f"用户反馈：{'有帮助' if f['thumb'] == 'up' else '没帮助'} {md_text(f['comment'])}")
    return "\n".join(lines)


def render_accuracy(stats: dict) -> str:
    if not stats["rated"]:
        return f"共记录 {stats['total']} 条问答，尚无评审。"
    counts = stats["counts"]
    detail = "，".join(f"{RATING_LABELS[k]} {v}" for k, v in counts.items())
    return (
        f"共记录 {stats['total']} 条问答，已评审 {stats['rated']} 条（{detail}）。  \n"
        f"**评审准确率 {stats['accuracy']:.1%}**（正确 / 已评审）；"
        f"计部分正确为半对时 {stats['lenient_accuracy']:.1%}。"
    )
