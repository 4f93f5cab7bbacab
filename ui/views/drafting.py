"""Formal reply drafts (答复起草) from an Answer and assistant/templates/reply_draft.md; .md/.docx export.

No gradio import: the draft tab calls these, tests can too.
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import date
from pathlib import Path
from string import Template

from assistant.core.errors import InvalidQuestion
from assistant.core.records import Answer
from assistant.core.resources import template as load_template

TEMPLATE_NAME = "reply_draft.md"
DEFAULT_SALUTATION = "尊敬的企业负责人"
FALLBACK_DEPARTMENT = "相关主管部门"


def topic_of(question: str, limit: int = 24) -> str:
    text = question.strip().rstrip("？?。！!")
    return text if len(text) <= limit else text[:limit] + "…"


def quote(text: str) -> str:
    return "\n".join("> " + line for line in text.splitlines() if line.strip())


def build_draft(answer: Answer, company: str = "", today: date | None = None, template_text: str | None = None) -> str:
    """The reply as Markdown: salutation, answer with [n] markers, quoted clauses, basis, closing."""
    today = today or date.today()
    references: list[str] = []
    clauses: list[str] = []
    for c in answer.citations:
        if c.document.citation_title not in references:
            references.append(c.document.citation_title)
        location = "".join(c.chunk.path) + (f"（第{c.chunk.page}页）" if c.chunk.page else "")
        clauses.append(quote(f"[{c.marker}] {c.document.citation_title}{location}：\n{c.chunk.text}"))
    if answer.citations and not answer.refused:
        clause_block = "相关条款原文如下：\n\n" + "\n\n".join(clauses)
        basis = f"以上答复依据{'、'.join(references)}。"
        department = (
            answer.citations[0].document.issuers[0] if answer.citations[0].document.issuers else FALLBACK_DEPARTMENT
        )
    else:
        clause_block = "经查，现行收录的政策文件中未找到可直接引用的条款。"
        basis = "以上答复仅供参考，具体以相关部门最新发布的政策文件为准。"
        department = FALLBACK_DEPARTMENT
    values = {
        "topic": topic_of(answer.question),
        "salutation": company.strip() or DEFAULT_SALUTATION,
        "question": answer.question.strip(),
        "body": answer.answer.strip(),
        "clauses": clause_block,
        "basis": basis,
        "references": "、".join(references) or "现行收录的政策文件",
        "department": department,
        "date": f"{today.year}年{today.month}月{today.day}日",
    }
    text = Template(template_text if template_text is not None else load_template(TEMPLATE_NAME))
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


def write_draft_files(text: str, workdir: Path, max_chars: int, stem: str = "答复草稿") -> tuple[Path, Path]:
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


_INLINE = re.compile(r"\*\*(.+?)\*\*")


def markdown_to_docx(text: str, path: Path) -> None:
    """The small Markdown subset the template uses: # headings, > quotes, - bullets, **bold**, paragraphs."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.name = "SimSun"
    normal.font.size = Pt(12)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    quote_lines: list[str] = []

    def flush_quote() -> None:
        if quote_lines:
            para = document.add_paragraph("\n".join(quote_lines))
            para.paragraph_format.left_indent = Pt(24)
            for run in para.runs:
                run.font.size = Pt(10.5)
            quote_lines.clear()

    for raw in text.splitlines():
        line = raw.rstrip()
        if line.startswith(">"):
            quote_lines.append(line[1:].strip())
            continue
        flush_quote()
        if not line.strip():
            continue
        if line.startswith("#"):
            heading = document.add_heading(line.lstrip("#").strip(), level=min(line.count("#", 0, 4), 3))
            heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif line.startswith(("- ", "* ")):
            _add_runs(document.add_paragraph(style="List Bullet"), line[2:])
        else:
            _add_runs(document.add_paragraph(), line)
    flush_quote()
    document.save(str(path))


def _add_runs(paragraph, line: str) -> None:
    pos = 0
    for match in _INLINE.finditer(line):
        paragraph.add_run(line[pos : match.start()])
        paragraph.add_run(match.group(1)).bold = True
        pos = match.end()
    paragraph.add_run(line[pos:])
