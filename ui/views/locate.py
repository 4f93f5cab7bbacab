"""原文定位: the original page of a cited clause with the clause highlighted (no gradio import).

A PDF page is rendered with pypdfium2 and the clause's text boxes are marked on it: the page's text
layer (as pdfium reports it, with a box per character run) is aligned with the clause text, whitespace
ignored, so the cleaning done at ingest (rejoined lines, dropped page numbers) does not get in the way.
A TXT, Markdown or DOCX source is shown as its cleaned text with the clause marked, using the chunk's
own offsets (the same cleaning gives the same text).
"""

from __future__ import annotations

import html
import logging
import re
from bisect import bisect_left
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

from assistant.core.errors import IngestError
from assistant.core.records import Chunk, Document
from ingest.clean import clean_pages
from ingest.loaders import read_pages
from ui.views.render import md_text, pages_label

log = logging.getLogger(__name__)
SCALE = 1.6  # 72 dpi × 1.6 ≈ 115 dpi: readable, about 950 × 1350 px for an A4 page
MIN_BLOCK = 6  # a matching run shorter than this counts only next to a longer one
JOIN_GAP = 4  # runs closer than this (in characters) are one highlighted span
TEXT_CONTEXT = 1500  # characters shown before and after the clause of a text source
FILL = (255, 214, 0, 96)
OUTLINE = (214, 40, 40, 255)
_SPACE = re.compile(r"\s")


@dataclass(frozen=True)
class Located:
    """What the 原文定位 panel shows: a heading, and either a page image or highlighted text."""

    heading: str
    image: Path | None = None
    text_html: str = ""
    boxes: int = 0  # highlighted rectangles on the image (0: the page is shown without a mark)


def heading_for(document: Document, chunk: Chunk, note: str) -> str:
    pages = pages_label(chunk.pages)
    where = " · ".join(p for p in (chunk.section or "（正文）", pages) if p)
    return f"**{md_text(document.citation_title)}**  \n{md_text(where)}  \n{note}"


def source_file(corpus_dir: Path, document: Document) -> Path | None:
    """The document's file in the corpus folder, or None if it is gone (never a path outside the folder)."""
    corpus = corpus_dir.resolve()
    path = (corpus / Path(document.source_path).name).resolve()
    return path if path.parent == corpus and path.is_file() else None


def locate(document: Document, chunk: Chunk, corpus_dir: Path, out_dir: Path, max_mb: float) -> Located:
    path = source_file(corpus_dir, document)
    if path is None:
        return Located(heading_for(document, chunk, "原文件已不在语料目录中，无法显示原文。"))
    try:
        if path.suffix.lower() == ".pdf":
            return _locate_pdf(document, chunk, path, out_dir)
        return _locate_text(document, chunk, path, max_mb)
    except (IngestError, OSError, ValueError) as exc:
        log.warning("cannot show the original of %s: %s", chunk.chunk_id, exc)
        return Located(heading_for(document, chunk, "原文件无法读取，请在“政策文件”中查看条款文字。"))


# ---- PDF ---------------------------------------------------------------------------------------


def match_spans(page_text: str, clause_text: str) -> list[tuple[int, int]]:
    """(start, end) character ranges of page_text that hold the clause text, whitespace ignored."""
    index = [i for i, ch in enumerate(page_text) if not _SPACE.match(ch)]
    bare_page = "".join(page_text[i] for i in index)
    bare_clause = _SPACE.sub("", clause_text)
    if not bare_page or not bare_clause:
        return []
    blocks = [b for b in SequenceMatcher(None, bare_page, bare_clause, autojunk=False).get_matching_blocks() if b.size]
    long_ones = [b for b in blocks if b.size >= MIN_BLOCK]
    kept = [
        b
        for b in blocks
        if b.size >= MIN_BLOCK
        or any(abs(b.a - (o.a + o.size)) <= JOIN_GAP or abs(o.a - (b.a + b.size)) <= JOIN_GAP for o in long_ones)
    ]
    spans: list[tuple[int, int]] = []
    for b in sorted(kept, key=lambda b: b.a):
        start, end = index[b.a], index[b.a + b.size - 1] + 1
        if spans and b.a - _bare_end(spans[-1], index) <= JOIN_GAP:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def _bare_end(span: tuple[int, int], index: list[int]) -> int:
    """The position in the whitespace-free text just after span."""
    return bisect_left(index, span[1])


Box = tuple[float, float, float, float]  # left, bottom, right, top in PDF points


def merge_lines(boxes: list[Box]) -> list[Box]:
    """pdfium's boxes (one per run of characters) joined into one box per line of text."""
    lines: list[Box] = []
    for left, bottom, right, top in boxes:
        if lines:
            l0, b0, r0, t0 = lines[-1]
            middle = (bottom + top) / 2
            if b0 <= middle <= t0 and left >= l0:
                lines[-1] = (l0, min(b0, bottom), max(r0, right), max(t0, top))
                continue
        lines.append((left, bottom, right, top))
    return lines


def _page_boxes(page, spans: list[tuple[int, int]]) -> list[Box]:
    textpage = page.get_textpage()
    try:
        boxes = []
        for start, end in spans:
            for i in range(textpage.count_rects(start, end - start)):
                boxes.append(textpage.get_rect(i))
        return merge_lines(boxes)
    finally:
        textpage.close()


def _page_text(page) -> str:
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
        if len(text) != textpage.count_chars():  # keep one string position per pdfium character
            text = "".join(textpage.get_text_range(i, 1)[:1] or " " for i in range(textpage.count_chars()))
        return text
    finally:
        textpage.close()


def _render_page(page, boxes: list[Box]):
    from PIL import Image, ImageDraw

    image = page.render(scale=SCALE).to_pil().convert("RGBA")
    height = page.get_height()
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for left, bottom, right, top in boxes:
        rect = (left * SCALE - 2, (height - top) * SCALE - 2, right * SCALE + 2, (height - bottom) * SCALE + 2)
        draw.rectangle(rect, fill=FILL, outline=OUTLINE, width=2)
    return Image.alpha_composite(image, overlay).convert("RGB")


def _locate_pdf(document: Document, chunk: Chunk, path: Path, out_dir: Path) -> Located:
    import pypdfium2 as pdfium
    from PIL import Image

    pdf = pdfium.PdfDocument(str(path))
    try:
        numbers = [p for p in (chunk.pages or (1,)) if 1 <= p <= len(pdf)] or [1]
        images, total = [], 0
        for number in numbers:
            page = pdf[number - 1]
            try:
                boxes = _page_boxes(page, match_spans(_page_text(page), chunk.text))
                total += len(boxes)
                images.append(_render_page(page, boxes))
            finally:
                page.close()
    finally:
        pdf.close()
    width = max(im.width for im in images)
    sheet = Image.new("RGB", (width, sum(im.height for im in images) + 12 * (len(images) - 1)), "white")
    y = 0
    for im in images:
        sheet.paste(im, (0, y))
        y += im.height + 12
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', chunk.chunk_id)}.png"
    sheet.save(target, optimize=True)
    note = "黄色框为本条款在原文中的位置。" if total else "未能在页面上标出条款文字，显示的是条款所在页。"
    return Located(heading_for(document, chunk, note), image=target, boxes=total)


# ---- TXT / Markdown / DOCX ---------------------------------------------------------------------


def _clause_range(text: str, chunk: Chunk) -> tuple[int, int] | None:
    if text[chunk.start : chunk.end] == chunk.text:
        return chunk.start, chunk.end
    found = text.find(chunk.text)
    return (found, found + len(chunk.text)) if found >= 0 else None


def _locate_text(document: Document, chunk: Chunk, path: Path, max_mb: float) -> Located:
    pages, _ = read_pages(path, max_mb)
    text = clean_pages(pages).text
    found = _clause_range(text, chunk)
    if found is None:
        return Located(heading_for(document, chunk, "原文件已修改，未能定位本条款；请重建索引后再试。"))
    start, end = found
    lo, hi = max(0, start - TEXT_CONTEXT), min(len(text), end + TEXT_CONTEXT)
    body = (
        ("……\n" if lo else "")
        + html.escape(text[lo:start])
        + f'<mark id="pa-mark" class="pa-mark">{html.escape(text[start:end])}</mark>'
        + html.escape(text[end:hi])
        + ("\n……" if hi < len(text) else "")
    )
    return Located(
        heading_for(document, chunk, "黄色底色为本条款在原文中的位置。"),
        text_html=f'<div class="pa-origin-text">{body}</div>',
        boxes=1,
    )
