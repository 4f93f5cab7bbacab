"""Answers → escaped Markdown/HTML for the chat (no gradio import).

Every piece of document or user text passes through `md_text` (Markdown context) or `html_text`
(HTML context), so markup or script inside a question or a policy file renders as plain text.
Source blocks are kept free of blank lines so Markdown treats each as one raw HTML block. The only
markup added is ours: `[n]` markers become `<span class="pa-ref pa-ref-n">` (ui/static/app.js opens source
`pa-src-n` on a click) and each source gets a `<span class="pa-open pa-chunk-<chunk id>">` that opens the
original page at the clause. The chatbot's sanitiser drops data-* attributes, so the keys are class names.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from assistant.core.records import Answer, Document

_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}()#+\-.!|~>])")
_ESCAPED_MARKER = re.compile(r"\\\[(\d{1,3})\\\]")
_AUTOLINK = re.compile(r"(?i)(https?|ftp|file)://")
REFUSAL_BANNER = "⚠️ **收录的政策文件未覆盖此问题**"
LLM_LABEL = "由大模型依据所引条款生成，数字与引用已逐句核验。"
SCOPE_NAMES = {"national": "国家", "shanghai": "上海"}
FOLLOWUP_NOTE_CHARS = 30
_CONTEXT_SUFFIX = re.compile(r"^(?P<ask>.*?)[（(]接上文[:：](?P<context>.*)[）)]\s*$", re.S)
_ELLIPTICAL = re.compile(
    r"^(?:那|那么|那如果|还有|另外|此外|同样)|呢[？?。！!]*$|它|其|这个|那个|这些|那些|该|上述|上面|刚才|前面|以上"
)
_PUNCT = re.compile(r"[\s，,。？?！!、；;：:“”\"'‘’（）()《》]")


def html_text(text: str | None) -> str:
    """Escape for an HTML context; newlines become <br>."""
    return html.escape(text or "", quote=True).replace("\n", "<br>")


def md_text(text: str | None) -> str:
    """Escape for a Markdown context: HTML-escaped, then every Markdown punctuation backslash-escaped, and the
    shapes the renderer turns into links by themselves (`https://…`, `a@b.cn`; `www.` loses its dot above) broken
    with an entity, so a URL or an address in a question or a document shows as text, never as a link."""
    escaped = _MD_SPECIAL.sub(r"\\\1", html.escape(text or "", quote=False))
    return _AUTOLINK.sub(r"\1&#58;//", escaped).replace("@", "&#64;")


def link_markers(escaped: str, markers: Iterable[int]) -> str:
    """`\\[n\\]` in md_text output → a clickable marker, for the markers that have a source."""
    known = set(markers)

    def link(match: re.Match) -> str:
        n = int(match.group(1))
        if n not in known:
            return match.group(0)
        return f'<span class="pa-ref pa-ref-{n}" role="button" tabindex="0" title="查看来源 [{n}]">[{n}]</span>'

    return _ESCAPED_MARKER.sub(link, escaped)


def pages_label(pages: tuple[int, ...] | list[int] | None) -> str:
    if not pages:
        return ""
    first, last = min(pages), max(pages)
    return f"第{first}页" if first == last else f"第{first}–{last}页"


def source_block(
    marker: int,
    document: Document | None,
    doc_number: str | None,
    title: str,
    section: str,
    pages,
    text: str,
    chunk_id: str | None = None,
) -> str:
    number = doc_number or (document.doc_number if document else None)
    head = [f"[{marker}]", f"《{html_text(title)}》"]
    if number:
        head.append(f"（{html_text(number)}）")
    meta = [f"条款：{html_text(section)}" if section else "", html_text(pages_label(pages))]
    summary = "".join(head) + " " + " · ".join(m for m in meta if m)
    opener = (
        f'<span class="pa-open pa-chunk-{html.escape(chunk_id, quote=True)}" role="button" tabindex="0">'
        "查看原文定位（原文页面，本条款高亮）</span>"
        if chunk_id
        else ""
    )
    return (
        f'<details class="pa-source pa-src-{marker}"><summary>{summary}</summary>'
        f'<div class="pa-clause">{html_text(text)}</div>{opener}</details>'
    )


def render_sources(answer: Answer) -> str:
    if not answer.citations:
        return ""
    blocks = [
        source_block(
            c.marker,
            c.document,
            c.document.doc_number,
            c.document.title,
            c.chunk.section,
            c.chunk.pages,
            c.chunk.text,
            c.chunk.chunk_id,
        )
        for c in answer.citations
    ]
    label = "可参考的相关条款" if answer.refused else "来源"
    return (
        f'<div class="pa-sources"><strong>{label}（点击 [n] 或条目展开条款原文）</strong>' + "".join(blocks) + "</div>"
    )


def _bare(text: str) -> str:
    return _PUNCT.sub("", text or "")


def _short(text: str, limit: int) -> str:
    text = text.strip().rstrip("？?。！!")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def followup_note(question: str, resolved: str | None) -> str | None:
    """ "理解为：…" when resolving the follow-up changed the question, else None; at most ~30 characters.

    The engine may give a rewritten question, or the question with "（接上文：previous question）"
    appended; the latter counts as a change only for an elliptical question ("那已建的呢？", "它的文号？")."""
    if not resolved or _bare(resolved) == _bare(question):
        return None
    parts = _CONTEXT_SUFFIX.match(resolved)
    if parts is None:
        return f"理解为：{_short(resolved, FOLLOWUP_NOTE_CHARS)}"
    ask, context = parts.group("ask"), parts.group("context")
    if _bare(ask) != _bare(question):
        return f"理解为：{_short(ask, FOLLOWUP_NOTE_CHARS)}"
    if not _ELLIPTICAL.search(question.strip()) and len(_bare(question)) > 6:
        return None
    return f"理解为：接上一问“{_short(context, FOLLOWUP_NOTE_CHARS - 9)}”"


def scope_note(answer: Answer, jurisdiction: str | None) -> str | None:
    """For a refusal under a scope filter: say that only that scope was searched."""
    if not answer.refused or not jurisdiction:
        return None
    place = SCOPE_NAMES.get(jurisdiction, jurisdiction)
    return f"当前政策范围为“{place}”，只查找了{place}的文件。可点击下方“在全部文件中重新查找”。"


def contents_note(answer: Answer) -> str | None:
    """For a refusal that touches a document indexed only in part: what the index holds of it."""
    if not answer.refused:
        return None
    documents = [c.document for c in answer.citations] + [h.document for h in answer.contexts[:3]]
    partial = next((d for d in documents if d.contents), None)
    if partial is None:
        return None
    return f"说明：《{partial.title}》{partial.contents}。"


def render_answer(answer: Answer, jurisdiction: str | None = None) -> str:
    """The chat message for an answer: banner if not covered, notes, the text with its [n] markers, the sources."""
    parts = []
    if answer.refused:
        parts.append(REFUSAL_BANNER)
    note = followup_note(answer.question, answer.resolved_question)
    if note:
        parts.append(f'<span class="pa-note">{md_text(note)}</span>')
    for extra in (scope_note(answer, jurisdiction), contents_note(answer)):
        if extra:
            parts.append(f"*{md_text(extra)}*")
    parts.append(link_markers(md_text(answer.answer), (c.marker for c in answer.citations)))
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
