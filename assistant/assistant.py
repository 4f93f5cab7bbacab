"""The Assistant: question (+ history) → retrieval → grounded Answer."""

from __future__ import annotations

import logging
import threading
import time
import unicodedata
from typing import Iterator

from assistant.compose import Composer
from assistant.config import Settings
from assistant.embeddings import Embedder, make_embedder
from assistant.errors import InvalidQuestion
from assistant.followup import resolve
from assistant.index import Layout, Snapshot
from assistant.lexical import ChineseTokenizer
from assistant.records import Answer, Turn
from assistant.retrieve import Query, Retriever

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


class Assistant:
    """Thread-safe; picks up a newly published index generation on the next question."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None,
                 tokenizer: ChineseTokenizer | None = None):
        self.settings = settings
        self.tokenizer = tokenizer or ChineseTokenizer()
        self.embedder = embedder
        self.layout = Layout(settings)
        self.composer = Composer(self.tokenizer, settings.answer_max_sentences)
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()
        self.last_timings: dict[str, float] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> "Assistant":
        embedder = None
        if settings.retriever != "lexical":
            embedder = make_embedder(settings.embedding_model, settings.embedding_batch_size, settings.embedding_device)
        return cls(settings, embedder)

    @property
    def snapshot(self) -> Snapshot:
        """The published generation, reloaded when an ingest has published a newer one."""
        current = self.layout.current()
        with self._lock:
            if self._snapshot is None or (current and current != self._snapshot.generation):
                fresh = Snapshot.load_current(self.layout)
                if self.embedder is not None and fresh.manifest.model != self.embedder.name:
                    log.warning("index was built with %s, configured model is %s",
                                fresh.manifest.model, self.embedder.name)
                old, self._snapshot = self._snapshot, fresh
                if old is not None:
                    old.close()
                log.info("serving index generation %s", fresh.generation)
            return self._snapshot

    def warm(self) -> None:
        """Load the index, the dense store and the embedding model before the first question."""
        snap = self.snapshot
        if self.embedder is not None and self.settings.retriever != "lexical":
            snap.store.count()
            self.embedder.embed(["中试"])

    def ask(self, question: str, history: list[Turn] | list[dict] | None = None, *,
            jurisdiction: str | None = None, doc_id: str | None = None, retriever: str | None = None,
            top_k: int | None = None) -> Answer:
        started = time.perf_counter()
        text = clean_question(question, self.settings.max_question_chars)
        turns = [t if isinstance(t, Turn) else Turn(t["role"], t["content"]) for t in history or []]
        snapshot = self.snapshot
        resolved = resolve(text, turns, self.tokenizer)
        mode = retriever or self.settings.retriever
        retriever_ = Retriever(snapshot, self.embedder if mode != "lexical" else None, self.settings)
        query = Query(resolved.query_text, resolved.terms, jurisdiction or resolved.jurisdiction, doc_id,
                      text, resolved.phrases)
        retrieval = retriever_.search(query, top_k, mode)
        t0 = time.perf_counter()
        composition = self.composer.compose(text, resolved, retrieval.hits, snapshot)
        timings = dict(retrieval.timings, compose_ms=(time.perf_counter() - t0) * 1000)
        self.last_timings = timings
        return Answer(
            question=text,
            answer=composition.answer,
            refused=composition.refused,
            citations=composition.citations,
            contexts=retrieval.hits,
            latency_ms=(time.perf_counter() - started) * 1000,
            resolved_question=resolved.question if resolved.followup else None,
        )

    def ask_stream(self, question: str, history: list[Turn] | list[dict] | None = None,
                   **options) -> Iterator[tuple[str, Answer | None]]:
        """Yield (text so far, None) while the answer is produced, then (full text, Answer)."""
        answer = self.ask(question, history, **options)
        shown = ""
        for line in answer.answer.splitlines(keepends=True):
            shown += line
            yield shown, None
        yield answer.answer, answer

    def close(self) -> None:
        with self._lock:
            if self._snapshot is not None:
                self._snapshot.close()
                self._snapshot = None
