"""What the Assistant passes between the steps of answering one question."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from assistant.answer.coverage import AskContext
from assistant.answer.followup import Resolved
from assistant.answer.places import PlaceIndex
from assistant.answer.plans import AskPlan
from assistant.core.records import Answer
from assistant.index.snapshot import Snapshot
from assistant.retrieval.retriever import Retrieval


def line_by_line(text: str) -> Iterator[tuple[str, Answer | None]]:
    """The extractive answer as it is shown while streaming: one more line each time."""
    shown = ""
    for line in text.splitlines(keepends=True):
        shown += line
        yield shown, None


@dataclass(frozen=True)
class Scope:
    """What one question is answered against: the snapshot, its places, and the caller's filters."""

    snapshot: Snapshot
    places: PlaceIndex
    jurisdiction: str | None
    doc_id: str | None
    retriever: str | None
    top_k: int | None

    @property
    def titles(self) -> list[str]:
        return [d.title for d in self.snapshot.documents.values()]


@dataclass(frozen=True)
class Found:
    """One ask's resolution, retrieval and plan."""

    resolved: Resolved
    standalone: str | None
    question: str  # as composed: the ask, or the whole message when the ask alone found nothing
    retrieval: Retrieval
    plan: AskPlan


def ask_contexts(found: list[Found]) -> list[AskContext]:
    """What the coverage model reads of each ask beside its plan: its retrieval and its message."""
    return [AskContext(tuple(f.retrieval.hits), len(found), f.resolved.followup) for f in found]
