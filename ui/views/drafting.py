"""Formal reply drafts (答复起草) from an Answer and the templates in assistant/templates (no gradio import).

A covered question gets reply_draft.md: the answer with its [n] markers and, below, the words of the
clauses it cites, cut to the sentences it quotes. A question the documents do not answer gets
reply_draft_not_covered.md, written as an official reply: the documents on file make no provision for
it, and one competent body to contact; nothing of the chat's wording, no [n] markers.
The text is light Markdown (# title, > quotes); `plain_text` removes the marks, .docx export is in
ui/views/official_docx.py.
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import date
from pathlib import Path
from string import Template

from assistant.core.errors import InvalidQuestion
from assistant.core.records import Answer, Citation
from assistant.core.resources import template as load_template
from assistant.core.settings import Settings
from ui.views.official_docx import markdown_to_docx

TEMPLATE_NAME = "reply_draft.md"
NOT_COVERED_TEMPLATE = "reply_draft_not_covered.md"
KINDS = ("不指定", "单位", "个人")
DEFAULT_SALUTATION = "您好"
UNNAMED = {"单位": "贵单位", "个人": "尊敬的来信人"}
FALLBACK_DEPARTMENT = "相关主管部门"
TITLE_CHARS = 30
COMPLEX_CITATIONS = 3
COMPLEX_QUESTION_CHARS = 150

_GREETING = re.compile(
    r"^(?:(?:您好|你好|领导好|老师好|请问|麻烦问一下|麻烦问下|想问一下|想问下|咨询一下|打扰一下|打扰了)[，,！!。：:\s]*)+"
)
_SELF = re.compile(
    r"^(?:我们|我)?(?:公司|单位|企业|厂|司)?(?:是|为|系|位于|地处|从事|主要|成立|做)[^，,。；;？?]*[，,。；;！!]"
    r"|^(?:我司|本公司|本单位|本企业|我公司|我单位|我厂|我们公司|我们单位|我们企业|我们厂)"
    r"(?:是|为|系|位于|地处|从事|主要|成立|做)[^，,。；;？?]*[，,。；;！!]"
)
_QUOTES = re.compile(r"[“”\"'‘’「」『』]")
_MARKER = re.compile(r"\[\d{1,3}\]")
_CONTACT = re.compile(r"请(?:咨询|联系)([^。；;，,\n]{2,40})")
_SENTENCE = re.compile(r"[^。；！？!?;\n]*(?:[。；！？!?;]+[”’」』）)]*|\n|$)")


def clean_title(question: str, limit: int = TITLE_CHARS) -> str:
    """The ask of a message as a title: greetings, a self-introduction and quotes dropped, one sentence,
    no closing punctuation, cut at a comma when too long."""
    text = _GREETING.sub("", " ".join(question.split()))
    while (shorter := _GREETING.sub("", _SELF.sub("", text, count=1))) != text and shorter.strip():
        text = shorter
    text = _QUOTES.sub("", text)
    sentences = [s for s in re.split(r"(?<=[？?。！!])", text) if s.strip()]
    asks = [s for s in sentences if re.search(r"[？?]|多少|吗|哪些|什么|怎么|如何|是否|能否|可否|几", s)]
    text = (asks or sentences or [text])[0].strip().rstrip("？?。！!，,；; ")
    if text.count("《") != text.count("》"):
        text = text.replace("《", "").replace("》", "")
    if len(text) > limit:
        cut = max(text.rfind(mark, 0, limit) for mark in "，,、；;")
        text = text[:cut] if cut >= limit // 2 else text[: limit - 1] + "…"
    return text or "政策咨询"


def topic_of(question: str, limit: int = TITLE_CHARS) -> str:
    return clean_title(question, limit)


def salutation(name: str = "", kind: str = "") -> str:
    """ "<name>" when the officer gave one, else by the kind of asker (单位/个人), else a neutral 您好."""
    name = (name or "").strip()
    if name:
        return name
    return UNNAMED.get(kind, DEFAULT_SALUTATION)


def quote(text: str) -> str:
    return "\n".join("> " + line for line in text.splitlines() if line.strip())


def plain_text(text: str) -> str:
    """The draft without its Markdown marks (# title, > quotes, **bold**), for pasting into a letter."""
    lines = []
    for line in text.splitlines():
        line = re.sub(r"^#{1,6}\s+", "", line)
        line = re.sub(r"^>\s?", "　　", line)
        lines.append(re.sub(r"\*\*(.+?)\*\*", r"\1", line))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def cited(answer: Answer) -> list[Citation]:
    """The citations whose [n] the answer's text uses (all of them when it uses none)."""
    used = {int(m) for m in re.findall(r"\[(\d{1,3})\]", answer.answer)}
    return [c for c in answer.citations if c.marker in used] or list(answer.citations)


def is_complex(answer: Answer) -> bool:
    """A reply that needs more work: clauses of several documents, many clauses, or a long letter."""
    quoted = cited(answer)
    documents = {c.document.doc_id for c in quoted}
    return len(documents) > 1 or len(quoted) > COMPLEX_CITATIONS or len(answer.question) > COMPLEX_QUESTION_CHARS


def _bare(text: str) -> str:
    return re.sub(r"[\s，,。；;：:“”\"'、（）()]", "", _MARKER.sub("", text))


def quoted_part(clause: str, answer_text: str) -> str:
    """The clause cut to its heading and the sentences the answer quotes, "……" where sentences are left
    out; the whole clause when the answer quotes none of it word for word."""
    lines = clause.split("\n", 1)
    heading = lines[0] if len(lines) > 1 and len(lines[0]) <= 40 and "。" not in lines[0] else ""
    body = lines[1] if heading else clause
    said = _bare(answer_text)
    sentences = [s for s in _SENTENCE.findall(body) if s.strip()]
    keep = [len(_bare(s)) >= 6 and _bare(s) in said for s in sentences]
    if not any(keep):
        return clause
    parts: list[str] = []
    for sentence, kept in zip(sentences, keep):
        if kept:
            parts.append(sentence.strip())
        elif not parts or parts[-1] != "……":
            parts.append("……")
    return (heading + "\n" if heading else "") + "".join(parts)


def contact_of(answer: Answer) -> str:
    """One body to contact: the one the answer names, else the issuer of the best evidence."""
    named = _CONTACT.search(answer.answer)
    if named:
        return re.split(r"或|、", named.group(1).strip())[0].strip() or FALLBACK_DEPARTMENT
    for document in [c.document for c in answer.citations] + [h.document for h in answer.contexts[:1]]:
        if document.issuers:
            return document.issuers[0]
    return FALLBACK_DEPARTMENT


def _answered_values(answer: Answer) -> dict[str, str]:
    quoted = cited(answer)
    references: list[str] = []
    clauses = []
    for c in quoted:
        if c.document.citation_title not in references:
            references.append(c.document.citation_title)
        location = "".join(c.chunk.path) + (f"（第{c.chunk.page}页）" if c.chunk.page else "")
        clauses.append(
            quote(f"[{c.marker}] {c.document.citation_title}{location}：\n{quoted_part(c.chunk.text, answer.answer)}")
        )
    first = quoted[0].document
    return {
        "body": answer.answer.strip(),
        "clauses": "相关条款原文如下：\n\n" + "\n\n".join(clauses),
        "basis": f"以上答复依据{'、'.join(references)}。",
        "department": first.issuers[0] if first.issuers else FALLBACK_DEPARTMENT,
    }


def build_draft(
    answer: Answer,
    company: str = "",
    today: date | None = None,
    template_text: str | None = None,
    kind: str = "",
) -> str:
    """The reply as light Markdown: title, salutation, answer or "not provided for", clauses, contact, date."""
    today = today or date.today()
    covered = bool(answer.citations) and not answer.refused
    values = {
        "topic": clean_title(answer.question),
        "salutation": salutation(company, kind),
        "question": clean_title(answer.question, 200),
        "date": f"{today.year}年{today.month}月{today.day}日",
    }
    if covered:
        values.update(_answered_values(answer))
        name = TEMPLATE_NAME
    else:
        values["department"] = contact_of(answer)
        name = NOT_COVERED_TEMPLATE
    text = Template(template_text if template_text is not None else load_template(name))
    return text.safe_substitute(values).strip() + "\n"


def sweep_old_folders(directory: Path, max_age_s: float = 3600) -> None:
    cutoff = time.time() - max_age_s
    for old in directory.glob("*/"):
        try:
            if old.stat().st_mtime < cutoff:
                for f in old.iterdir():
                    f.unlink()
                old.rmdir()
        except OSError:
            continue


def fresh_folder(parent: Path) -> Path:
    """A new uniquely named folder under parent, after removing folders older than an hour."""
    parent.mkdir(parents=True, exist_ok=True)
    sweep_old_folders(parent)
    folder = parent / uuid.uuid4().hex
    folder.mkdir()
    return folder


def write_draft_files(
    text: str, workdir: Path, max_chars: int = Settings.max_draft_chars, stem: str = "答复草稿"
) -> tuple[Path, Path]:
    """Write the (possibly edited) draft as .md and .docx into a fresh folder under workdir. InvalidQuestion for
    an empty draft or one over `max_chars` (a Word file of megabytes costs minutes of server CPU)."""
    if not text.strip():
        raise InvalidQuestion("草稿为空，请先生成答复草稿。")
    if len(text) > max_chars:
        raise InvalidQuestion(f"草稿过长（{len(text)} 字），导出上限为 {max_chars} 字，请精简后再导出。")
    folder = fresh_folder(workdir)
    md_path = folder / f"{stem}.md"
    md_path.write_text(text, encoding="utf-8")
    docx_path = folder / f"{stem}.docx"
    markdown_to_docx(text, docx_path)
    return md_path, docx_path
