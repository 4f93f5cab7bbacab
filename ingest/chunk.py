"""Pure function: clauses → chunks. One chunk per clause; long clauses split at sentence ends."""

from __future__ import annotations

from assistant.core.records import Chunk, Clause
from assistant.core.text import SENTENCE, full_sentences, sentences
from ingest.clean import CleanText
from ingest.facts import extract_facts

# full_sentences and sentences live in assistant.core.text; assistant/answer/compose.py still imports from here
__all__ = ["chunk_clauses", "full_sentences", "sentences", "split_text"]


def split_text(text: str, max_chars: int, max_run: int | None = None) -> list[tuple[int, int]]:
    """(start, end) spans of at most max_chars that end at sentence ends. A longer sentence stays whole up to
    `max_run` characters; a run beyond that (no sentence end for pages) is cut, so no chunk is unbounded."""
    spans: list[tuple[int, int]] = []
    start = pos = 0
    for s_start, s_end in _sentence_spans(text, max_run):
        if s_end - start > max_chars and pos > start:
            spans.append((start, pos))
            start = s_start
        pos = s_end
    if pos > start:
        spans.append((start, pos))
    return [
        (a + len(text[a:b]) - len(text[a:b].lstrip()), b - (len(text[a:b]) - len(text[a:b].rstrip()))) for a, b in spans
    ]


def _sentence_spans(text: str, max_run: int | None) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for match in SENTENCE.finditer(text):
        a, b = match.span()
        if not text[a:b].strip():
            continue
        step = max_run or b - a
        spans.extend((i, min(i + step, b)) for i in range(a, b, step))
    return spans


def chunk_clauses(
    doc_id: str, clauses: list[Clause], clean: CleanText, max_chars: int, max_run: int | None = None
) -> list[Chunk]:
    chunks: list[Chunk] = []
    for clause in clauses:
        whole = clause.kind == "header" and (max_run is None or len(clause.text) <= max_run)
        spans = [(0, len(clause.text))] if whole else split_text(clause.text, max_chars, max_run)
        for part, (a, b) in enumerate(spans):
            start, end = clause.start + a, clause.start + b
            chunks.append(
                Chunk(
                    chunk_id=f"{doc_id}#{len(chunks):04d}",
                    doc_id=doc_id,
                    text=clause.text[a:b],
                    path=clause.path,
                    pages=clean.pages_between(start, end),
                    start=start,
                    end=end,
                    kind=clause.kind,
                    part=part,
                    facts=extract_facts(clause.text[a:b]),
                )
            )
    return chunks
