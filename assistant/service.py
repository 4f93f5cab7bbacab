"""The Assistant: question (+ history) → retrieval → grounded Answer."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
import unicodedata
from collections.abc import Iterator

from assistant.answer.compose import Composer
from assistant.answer.followup import Places, Resolved, named_jurisdictions, place_patterns, resolve
from assistant.core.errors import InvalidQuestion
from assistant.core.records import Answer, Citation, Hit, Turn
from assistant.core.resources import template
from assistant.core.settings import RetrievalMode, Settings
from assistant.index.embeddings import Embedder, make_embedder
from assistant.index.layout import Layout
from assistant.index.lexical import ChineseTokenizer
from assistant.index.snapshot import Snapshot
from assistant.llm.chat import ChatModel, condense
from assistant.llm.generate import Generation
from assistant.retrieval.retriever import Query, Retrieval, Retriever

log = logging.getLogger(__name__)


def clean_question(question: str, max_chars: int) -> str:
    if not isinstance(question, str):
        raise InvalidQuestion("问题必须是文本")
    text = "".join(ch for ch in question if unicodedata.category(ch)[0] != "C" or ch in "\n\t")
    text = " ".join(text.split())
    if not text:
        raise InvalidQuestion("问题不能为空，请输入您要咨询的内容。")
    if len(text) > max_chars:
        raise InvalidQuestion(f"问题过长（{len(text)} 字），请精简到 {max_chars} 字以内。")
    return text


def _line_by_line(text: str) -> Iterator[tuple[str, Answer | None]]:
    """The extractive answer as it is shown while streaming: one more line each time."""
    shown = ""
    for line in text.splitlines(keepends=True):
        shown += line
        yield shown, None


def llm_context(cited: list[Citation], hits: list[Hit], limit: int) -> list[Hit]:
    """The chunks the LLM sees: those the extractive answer quotes first, then the best other hits."""
    by_id = {h.chunk.chunk_id: h for h in hits}
    first = [by_id.get(c.chunk.chunk_id) or Hit(c.chunk, c.document, 0.0, 0) for c in cited]
    chosen = {h.chunk.chunk_id for h in first}
    return (first + [h for h in hits if h.chunk.chunk_id not in chosen])[: max(limit, len(first))]


class Assistant:
    """Thread-safe; picks up a newly published index generation on the next question."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder | None = None,
        tokenizer: ChineseTokenizer | None = None,
        chat: ChatModel | None = None,
    ):
        self.settings = settings
        self.tokenizer = tokenizer or ChineseTokenizer()
        self.embedder = embedder
        self.chat = chat
        self.layout = Layout(settings)
        self.composer = Composer(self.tokenizer, settings.answer_max_sentences)
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()
        self.last_timings: dict[str, float] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> Assistant:
        embedder = None
        if settings.retriever != RetrievalMode.LEXICAL:
            embedder = make_embedder(settings)
        return cls(settings, embedder, chat=ChatModel(settings) if settings.llm_enabled else None)

    @property
    def snapshot(self) -> Snapshot:
        """The published generation, reloaded when an ingest has published a newer one."""
        current = self.layout.current()
        with self._lock:
            if self._snapshot is None or (current and current != self._snapshot.generation):
                fresh = Snapshot.load_current(self.layout)
                if self.embedder is not None and fresh.manifest.model != self.embedder.name:
                    log.warning(
                        "index was built with %s, configured model is %s", fresh.manifest.model, self.embedder.name
                    )
                if fresh.manifest.tokenizer != self.tokenizer.fingerprint:
                    log.warning(
                        "index generation %s was tokenized with another dictionary or synonym list: "
                        "run `policy-assistant ingest`",
                        fresh.generation,
                    )
                old, self._snapshot = self._snapshot, fresh
                if old is not None:
                    old.close()
                log.info("serving index generation %s", fresh.generation)
            return self._snapshot

    def warm(self) -> None:
        """Load the index, the dense store and the embedding model before the first question."""
        snap = self.snapshot
        if self.embedder is not None and self.settings.retriever != RetrievalMode.LEXICAL:
            snap.store.count()
            self.embedder.embed(["中试"])

    def ask(self, question: str, history: list[Turn] | list[dict] | None = None, **options) -> Answer:
        """The complete answer; options as for `ask_stream`."""
        final: Answer | None = None
        for _, answer in self.ask_stream(question, history, **options):
            final = answer
        if final is None:  # ask_stream always ends with the answer
            raise RuntimeError("the answer stream ended without an answer")
        return final

    def ask_stream(
        self,
        question: str,
        history: list[Turn] | list[dict] | None = None,
        *,
        jurisdiction: str | None = None,
        doc_id: str | None = None,
        retriever: str | None = None,
        top_k: int | None = None,
        llm: bool | None = None,
    ) -> Iterator[tuple[str, Answer | None]]:
        """Yield (text so far, None) while the answer is produced, then (full text, Answer).

        With an LLM configured (and `llm` not False) the text is the verified part of the generated
        answer; when retrieval finds nothing relevant the LLM is not called, and when the endpoint
        fails or the answer fails verification the extractive answer is given with a notice.
        """
        started = time.perf_counter()
        text = clean_question(question, self.settings.max_question_chars)
        turns = [t if isinstance(t, Turn) else Turn(t["role"], t["content"]) for t in history or []]
        chat = self.chat if llm is not False else None
        snapshot = self.snapshot
        t0 = time.perf_counter()
        resolved, standalone = self._resolve(text, turns, chat, place_patterns(snapshot.documents.values()))
        condense_ms = (time.perf_counter() - t0) * 1000
        query = Query(
            resolved.query_text,
            resolved.terms,
            jurisdiction or resolved.jurisdiction,
            doc_id,
            standalone or text,
            resolved.phrases,
        )
        retrieval = self._retrieve(snapshot, query, retriever, top_k)
        t0 = time.perf_counter()
        composition = self.composer.compose(standalone or text, resolved, retrieval.hits, snapshot)
        self.last_timings = dict(retrieval.timings, compose_ms=(time.perf_counter() - t0) * 1000)
        if chat is not None:
            self.last_timings["condense_ms"] = condense_ms
        answer = Answer(
            question=text,
            answer=composition.answer,
            refused=composition.refused,
            citations=composition.citations,
            contexts=retrieval.hits,
            resolved_question=resolved.question if resolved.followup else None,
        )
        if chat is None or composition.refused or not composition.rewritable:
            yield from _line_by_line(answer.answer)
        else:
            context = llm_context(composition.citations, retrieval.hits, self.settings.llm_context_chunks)
            asked = standalone or (resolved.question if resolved.followup else text)
            yield from self._generate(chat, asked, context, answer)
        answer.latency_ms = (time.perf_counter() - started) * 1000
        yield answer.answer, answer

    def _retrieve(self, snapshot: Snapshot, query: Query, retriever: str | None, top_k: int | None) -> Retrieval:
        mode = retriever or self.settings.retriever
        retriever_ = Retriever(snapshot, self.embedder if mode != RetrievalMode.LEXICAL else None, self.settings)
        return retriever_.search(query, top_k, mode)

    def _generate(
        self, chat: ChatModel, asked: str, context: list[Hit], answer: Answer
    ) -> Iterator[tuple[str, Answer | None]]:
        """Stream the verified LLM answer into `answer`; when it fails, `answer` keeps the extractive text and
        gets a notice saying why."""
        t0 = time.perf_counter()
        generation = Generation(chat, asked, context)
        for shown in generation:
            yield shown, None
        self.last_timings["llm_ms"] = (time.perf_counter() - t0) * 1000
        if generation.failure:
            log.warning("LLM answer replaced by the extractive answer: %s", generation.failure)
            endpoint = generation.failure.startswith("endpoint")
            answer.notice = template("llm_unavailable.txt" if endpoint else "llm_unverified.txt").strip()
        else:
            answer.answer, answer.citations, answer.mode = generation.text, generation.citations, "llm"

    def _resolve(
        self, text: str, turns: list[Turn], chat: ChatModel | None, places: Places
    ) -> tuple[Resolved, str | None]:
        """The rule resolves follow-ups; with an LLM they are first rewritten as standalone questions,
        returned as the second element (None when not rewritten)."""
        if chat is None or not any(t.role == "user" for t in turns):
            return resolve(text, turns, self.tokenizer, places), None
        condensed = condense(chat, text, turns)
        if condensed is None:
            return resolve(text, turns, self.tokenizer, places), None
        if condensed == text:
            return resolve(text, [], self.tokenizer, places), None
        own = resolve(condensed, [], self.tokenizer, places)
        return dataclasses.replace(
            own, question=condensed, followup=True, named=frozenset(named_jurisdictions(text, places))
        ), condensed

    def close(self) -> None:
        with self._lock:
            if self._snapshot is not None:
                self._snapshot.close()
                self._snapshot = None
