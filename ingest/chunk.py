"""Pure function: clauses → chunks. One chunk per clause; long clauses split at sentence ends."""

from __future__ import annotations

from assistant.core.records import Chunk, Clause
from assistant.core.text import full_sentences, sentences
from ingest.clean import CleanText
from ingest.facts import extract_facts

# full_sentences and sentences live in assistant.core.text; assistant/answer/compose.py still imports from here
__all__ = ["chunk_clauses", "full_sentences", "sentences", "split_text"]


def split_text(text: str, max_chars: int) -> list[tuple[int, int]]:
    """(start, end) spans of at most max_chars that end at sentence ends (a longer sentence stays whole)."""
    spans: list[tuple[int, int]] = []
    start = pos = 0
    for sent in sentences(text):
        s_start = text.index(sent, pos)
        s_end = s_start + len(sent)
        if s_end - start > max_chars and pos > start:
            spans.append((start, pos))
            start = s_start
        pos = s_end
    if pos > start:
        spans.append((start, pos))
    return [
        (a + len(text[a:b]) - len(text[a:b].lstrip()), b - (len(text[a:b]) - len(text[a:b].rstrip()))) for a, b in spans
    ]


def chunk_clauses(doc_id: str, clauses: list[Clause], clean: CleanText, max_chars: int) -> list[Chunk]:
    chunks: list[Chunk] = []
    for clause in clauses:
        spans = [(0, len(clause.text))] if clause.kind == "header" else split_text(clause.text, max_chars)
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
