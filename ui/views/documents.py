"""Documents, their clause trees and clause texts → escaped Markdown/HTML (no gradio import).

Tree entries with a clause of their own carry the class `pa-clause-<n>`, n the clause's position in
`clause_paths`:
ui/static/app.js turns a click on one into a request for that clause.
"""

from __future__ import annotations

from collections import OrderedDict

from assistant.core.records import Chunk, Document
from ui.views.render import html_text, md_text, pages_label

DOC_HEADERS = ["标题", "文号", "发文机关", "成文日期", "地区", "页数", "条款数", "状态", "收录内容"]
BODY = "（正文）"
STATUS_CLASS = {"现行有效": "pa-valid", "已废止": "pa-repealed", "已失效": "pa-repealed"}


def section_name(path: tuple[str, ...]) -> str:
    return " > ".join(path) or BODY


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
                doc.contents or "全文",
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


def document_card(document: Document) -> str:
    """Title, status badge and what the index holds of the document, as escaped HTML."""
    status = html_text(document.status)
    badge = f'<span class="pa-status-badge {STATUS_CLASS.get(document.status, "")}">{status}</span>'
    contents = html_text(document.contents or "收录：全文")
    return (
        f'<div class="pa-doc-card"><div class="pa-tree-title">{html_text(document.citation_title)} {badge}</div>'
        f'<div class="pa-doc-contents">{contents}</div></div>'
    )


def _node(label: str, position: int | None) -> str:
    if position is None:
        return f'<span class="pa-tree-heading">{html_text(label)}</span>'
    return (
        f'<span class="pa-tree-node pa-clause-{position}" role="button" tabindex="0" title="阅读此条款">'
        f"{html_text(label)}</span>"
    )


def render_tree(document: Document, grouped: OrderedDict[tuple[str, ...], list[Chunk]]) -> str:
    """Nested lists of the heading paths, as escaped HTML; a heading with text of its own is clickable."""
    out = [f'<div class="pa-tree">{document_card(document)}', "<ul>"]
    open_path: tuple[str, ...] = ()
    for position, path in enumerate(grouped):
        shown = path or (BODY,)
        common = 0
        while common < min(len(open_path), len(shown)) and open_path[common] == shown[common]:
            common += 1
        out.append("</ul></li>" * (len(open_path) - common))
        for depth in range(common, len(shown)):
            own = position if depth == len(shown) - 1 else None
            out.append(f"<li>{_node(shown[depth], own)}<ul>")
        open_path = shown
    out.append("</ul></li>" * len(open_path))
    out.append("</ul></div>")
    return "".join(out)


def render_clause(document: Document, path: tuple[str, ...], chunks: list[Chunk]) -> str:
    pages = sorted({p for c in chunks for p in c.pages})
    head = f"**{md_text(document.citation_title)}**  \n{md_text(section_name(path))}"
    if pages:
        head += f" · {pages_label(tuple(pages))}"
    body = "  \n".join(md_text(line) for line in clause_text(chunks).splitlines() if line.strip())
    return f"{head}\n\n{body}"
