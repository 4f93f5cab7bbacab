"""The Assistant: question (+ history) → retrieval → grounded Answer."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator

from assistant.answer.analysis import META_INTENTS, Lexicon, QuestionAnalysis, analyse
from assistant.answer.compose import Composer
from assistant.answer.followup import Places, Resolved, named_jurisdictions, place_patterns, resolve
from assistant.answer.plan import AnswerPlan, AskPlan, Outcome, Planner
from assistant.answer.render import render
from assistant.core.errors import InvalidQuestion
from assistant.core.records import Answer, Citation, Document, Hit, Turn
from assistant.core.resources import template
from assistant.core.settings import Settings
from assistant.index.embeddings import Embedder, make_embedder
from assistant.index.lexical import ChineseTokenizer
from assistant.index.snapshot import Layout, Snapshot
from assistant.llm.chat import ChatModel, condense
from assistant.llm.generate import Generation
from assistant.retrieval.retriever import Query, Retriever
from assistant.retrieval.scope import named_document, without_titles

log = logging.getLogger(__name__)
OTHER_DOCUMENTS = 3  # other documents among the hits checked for a different figure (a retrieval each)


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


def llm_context(cited: list[Citation], hits: list[Hit], limit: int) -> list[Hit]:
    """The chunks the LLM sees: those the extractive answer quotes first, then the best other hits."""
    by_id = {h.chunk.chunk_id: h for h in hits}
    first = [by_id.get(c.chunk.chunk_id) or Hit(c.chunk, c.document, 0.0, 0) for c in cited]
    chosen = {h.chunk.chunk_id for h in first}
    return (first + [h for h in hits if h.chunk.chunk_id not in chosen])[: max(limit, len(first))]


def _with_disagreeing(
    plan: AskPlan,
    query: Query,
    hits: list[Hit],
    answer_for: Callable[[Query], AskPlan],
    documents: dict[str, Document],
) -> tuple[list[AskPlan], str]:
    """The plan, and the answer of another document among the hits that gives the ask a different figure, each
    headed by its document, with a line saying that they disagree; or the plan alone and no line."""
    if plan.outcome is not Outcome.ANSWERED or not plan.facts:
        return [plan], ""
    cited = {c.chunk.doc_id for c in plan.composition.citations}
    values = {(f.kind, f.value) for f in plan.facts}
    others = list(dict.fromkeys(h.chunk.doc_id for h in hits if h.chunk.doc_id not in cited))
    for other in others[:OTHER_DOCUMENTS]:
        alternative = answer_for(dataclasses.replace(query, doc_id=other))
        answered = alternative.outcome is Outcome.ANSWERED and alternative.facts
        if answered and values.isdisjoint((f.kind, f.value) for f in alternative.facts):
            both = [_headed(p, documents) for p in (plan, alternative)]
            stated = "；".join(f"{_source(p, documents).citation_title}：{p.facts[0].span}" for p in both)
            return both, template("disagreement.txt").strip().format(stated=stated)
    return [plan], ""


def _source(plan: AskPlan, documents: dict[str, Document]) -> Document:
    return documents[plan.composition.citations[0].chunk.doc_id]


def _headed(plan: AskPlan, documents: dict[str, Document]) -> AskPlan:
    """The plan with its ask's heading naming the document it quotes."""
    return dataclasses.replace(plan, ask=dataclasses.replace(plan.ask, text=_source(plan, documents).citation_title))


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
        self.lexicon = Lexicon(self.tokenizer)
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()
        self.last_timings: dict[str, float] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> Assistant:
        embedder = None
        if settings.retriever != "lexical":
            embedder = make_embedder(settings.embedding_model, settings.embedding_batch_size, settings.embedding_device)
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
        if self.embedder is not None and self.settings.retriever != "lexical":
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
        analysis, doc_id = self._scoped_analysis(text, doc_id, snapshot)
        places = place_patterns(snapshot.documents.values())
        mode = retriever or self.settings.retriever
        retriever_ = Retriever(snapshot, self.embedder if mode != "lexical" else None, self.settings)
        planner = Planner(self.lexicon, snapshot.bm25.idf, self.tokenizer.synonyms, self.settings.answer_subject_share)
        plans: list[AskPlan] = []
        timings: dict[str, float] = {}
        first: tuple | None = None
        for ask in analysis.asks:
            asked = text if chat is not None and len(analysis.asks) == 1 else ask.text  # the LLM condenses it whole
            resolved, standalone = self._resolve(asked, turns, chat, places, analysis.context)
            if ask.intent in META_INTENTS and resolved.followup:  # "这个方案是谁发的？": the document in context
                own = resolve(ask.text, [], self.tokenizer, places, analysis.context)
                resolved = dataclasses.replace(own, jurisdiction=own.jurisdiction or resolved.jurisdiction)
            query = Query(
                resolved.query_text,
                resolved.terms,
                jurisdiction or resolved.jurisdiction,
                doc_id,
                standalone or ask.text,
                resolved.phrases,
            )
            retrieval = retriever_.search(query, top_k, mode)
            composition = self.composer.compose(standalone or ask.text, resolved, retrieval.hits, snapshot)
            if composition.refused and len(analysis.asks) == 1 and ask.text != text:
                # the whole message, as written, may still find what the ask alone did not
                resolved, standalone = self._resolve(text, turns, chat, places)
                query = dataclasses.replace(
                    query,
                    text=resolved.query_text,
                    terms=resolved.terms,
                    jurisdiction=jurisdiction or resolved.jurisdiction,
                    question=standalone or text,
                    phrases=resolved.phrases,
                )
                retrieval = retriever_.search(query, top_k, mode)
                composition = self.composer.compose(standalone or text, resolved, retrieval.hits, snapshot)
            ask_plan = planner.plan(ask, composition, snapshot.chunks)
            if ask_plan.outcome is Outcome.NOT_COVERED and not composition.refused:
                refusal = self.composer.refusal(ask_plan.missing, retrieval.hits, snapshot)
                ask_plan = dataclasses.replace(ask_plan, composition=refusal)
            plans.append(ask_plan)
            timings = {k: timings.get(k, 0.0) + v for k, v in retrieval.timings.items()}
            first = first or (resolved, standalone, retrieval)
        assert first is not None
        resolved, standalone, retrieval = first
        disagreement = ""
        if len(plans) == 1 and doc_id is None:

            def answer_for(scoped: Query) -> AskPlan:
                hits = retriever_.search(scoped, top_k, mode).hits
                return planner.plan(
                    ask, self.composer.compose(scoped.question, resolved, hits, snapshot), snapshot.chunks
                )

            plans, disagreement = _with_disagreeing(plans[0], query, retrieval.hits, answer_for, snapshot.documents)
        plan = AnswerPlan(analysis, tuple(plans))
        rendered = render(plan)
        if disagreement:
            rendered = dataclasses.replace(rendered, text=disagreement + "\n" + rendered.text)
        self.last_timings = dict(timings, compose_ms=(time.perf_counter() - t0) * 1000)
        composition = plans[0].composition
        verdict = plans[0].verdict
        answer = Answer(
            question=text,
            answer=rendered.text,
            refused=plan.refused,
            citations=rendered.citations,
            contexts=retrieval.hits,
            resolved_question=resolved.question if resolved.followup else None,
            verdict=verdict.value if verdict else None,
        )
        rewritable = (
            len(plans) == 1 and plans[0].outcome is Outcome.ANSWERED and not analysis.english and composition.rewritable
        )
        if chat is None or not rewritable:
            shown = ""
            for line in answer.answer.splitlines(keepends=True):
                shown += line
                yield shown, None
        else:
            t0 = time.perf_counter()
            context = llm_context(composition.citations, retrieval.hits, self.settings.llm_context_chunks)
            asked = standalone or (resolved.question if resolved.followup else text)
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
        answer.latency_ms = (time.perf_counter() - started) * 1000
        yield answer.answer, answer

    def _scoped_analysis(
        self, text: str, doc_id: str | None, snapshot: Snapshot
    ) -> tuple[QuestionAnalysis, str | None]:
        """The question's analysis and the document to answer from: the one given, or the one the question names
        by its title in 《》, whose words are then no ask's subject (unless the question asks about the document
        itself: its 文号, issuers, date)."""
        named = None if doc_id else named_document(text, snapshot.documents.values())
        analysis = analyse(text, self.lexicon)
        if named and not any(a.intent in META_INTENTS for a in analysis.asks):
            analysis = analyse(without_titles(text), self.lexicon)
        return analysis, doc_id or named

    def _resolve(
        self, text: str, turns: list[Turn], chat: ChatModel | None, places: Places, context: str = ""
    ) -> tuple[Resolved, str | None]:
        """The rule resolves follow-ups; with an LLM they are first rewritten as standalone questions,
        returned as the second element (None when not rewritten)."""
        if chat is None or not any(t.role == "user" for t in turns):
            return resolve(text, turns, self.tokenizer, places, context), None
        condensed = condense(chat, text, turns)
        if condensed is None:
            return resolve(text, turns, self.tokenizer, places, context), None
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
