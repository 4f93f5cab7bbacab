"""LLM answers that are verified sentence by sentence as they stream.

Only sentences that pass `assistant.llm.verify` are shown. A sentence without a citation is dropped;
a marker that points to nothing, a number no cited chunk contains, or an echo of an instruction
planted in a document makes the whole generation fail, and the caller shows the extractive
answer instead. The failure reason is kept for the log.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import closing

from assistant.answer.plans import AnswerPlan, Outcome
from assistant.core.errors import LLMError
from assistant.core.records import Citation, Hit
from assistant.core.text import MARKER
from assistant.llm.chat import ChatModel, answer_messages
from assistant.llm.verify import Source, Verdict, check_sentence, complete_prefix, normalize_markers

log = logging.getLogger(__name__)


class Generation:
    """Iterate to stream the verified text so far; afterwards read `failure` or `text`/`citations`."""

    def __init__(self, chat: ChatModel, question: str, hits: list[Hit]):
        self.chat = chat
        self.question = question
        self.hits = hits
        self.sources = [Source.of(h.chunk.text) for h in hits]
        self.kept: list[str] = []
        self.dropped: list[Verdict] = []
        self.failure: str | None = None
        self._numbers: dict[int, int] = {}  # marker given by the model → marker shown

    def __iter__(self) -> Iterator[str]:
        buffer = ""
        try:
            with closing(self.chat.stream(*answer_messages(self.question, self.hits))) as deltas:
                for delta in deltas:
                    done, buffer = complete_prefix(normalize_markers(buffer + delta))
                    if self._accept(done):
                        yield self.text
                    if self.failure:
                        return
            if self._accept(complete_prefix(buffer, final=True)[0]):
                yield self.text
        except LLMError as exc:
            self.failure = f"endpoint: {exc}"
            return
        except Exception as exc:  # whatever the model wrote, it must not break the answer
            log.exception("verifying the generated answer failed")
            self.failure = f"verification error: {exc!r}"
            return
        if not self.failure and not self.kept:
            self.failure = "no verifiable sentence" + (
                f" (dropped: {self.dropped[0].sentence[:60]!r})" if self.dropped else ""
            )

    @property
    def text(self) -> str:
        return "".join(self.kept).strip()

    @property
    def citations(self) -> list[Citation]:
        return [
            Citation(shown, self.hits[given - 1].chunk, self.hits[given - 1].document)
            for given, shown in self._numbers.items()
        ]

    def _accept(self, sentences: list[str]) -> bool:
        """Check complete sentences; True when something new is shown."""
        shown = False
        for sentence in sentences:
            verdict = check_sentence(sentence, self.sources)
            if verdict.fatal:
                self.failure = f"{verdict.reason} {verdict.detail!r} in {sentence.strip()[:80]!r}"
                return False
            if verdict.reason:
                log.info("dropped a generated sentence (%s): %r", verdict.reason, sentence.strip()[:80])
                self.dropped.append(verdict)
                continue
            self.kept.append(MARKER.sub(lambda m: f"[{self._number(int(m.group(1)))}]", sentence))
            shown = True
        return shown

    def _number(self, given: int) -> int:
        return self._numbers.setdefault(given, len(self._numbers) + 1)


def rewritable(plan: AnswerPlan) -> bool:
    """An LLM may word only a single answered Chinese ask: never a refusal, a verdict or a not-covered part."""
    only = plan.asks[0]
    return (
        len(plan.asks) == 1
        and only.outcome is Outcome.ANSWERED
        and not plan.analysis.english
        and only.composition.rewritable
    )


def llm_context(cited: list[Citation], hits: list[Hit], limit: int) -> list[Hit]:
    """The chunks the LLM sees: those the extractive answer quotes first, then the best other hits."""
    by_id = {h.chunk.chunk_id: h for h in hits}
    first = [by_id.get(c.chunk.chunk_id) or Hit(c.chunk, c.document, 0.0, 0) for c in cited]
    chosen = {h.chunk.chunk_id for h in first}
    return (first + [h for h in hits if h.chunk.chunk_id not in chosen])[: max(limit, len(first))]
