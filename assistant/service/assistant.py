"""The Assistant: question (+ history) → analysis → retrieval → plan → grounded Answer."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Iterator

from assistant.answer.analysis import META_INTENTS, Ask, Lexicon, QuestionAnalysis, analyse, make_ask
from assistant.answer.compose import Composer, Composition
from assistant.answer.coverage import CoverageModel, answered, doubted
from assistant.answer.disagreement import with_disagreeing
from assistant.answer.followup import Places, Resolved, named_jurisdictions, resolve, switch_document
from assistant.answer.normalize import normalize
from assistant.answer.places import PlaceIndex, PlaceStatus
from assistant.answer.plan import Planner
from assistant.answer.plans import AnswerPlan, AskPlan, Outcome, Verdict, asked_again, misattributed
from assistant.answer.render import render
from assistant.core.figures import Kind
from assistant.core.places import gazetteer
from assistant.core.records import Answer, Hit, Turn
from assistant.core.resources import template
from assistant.core.settings import RetrievalMode, Settings
from assistant.core.text import clean_question
from assistant.index.embeddings import Embedder, make_embedder
from assistant.index.layout import Layout
from assistant.index.lexical import ChineseTokenizer
from assistant.index.snapshot import Snapshot
from assistant.llm.chat import ChatModel, condense
from assistant.llm.generate import Generation, llm_context, rewritable
from assistant.retrieval.retriever import Query, Retrieval, Retriever
from assistant.retrieval.scope import carried_titles, named_document, with_titles, without_titles
from assistant.service.records import Found, Scope, ask_contexts, line_by_line

log = logging.getLogger(__name__)
OWN_FIGURES = (Kind.DATE, Kind.DOC_NUMBER)  # a claim of one of these about a named document is about the document
CLAIMED_VALUES = (Kind.MONEY, Kind.PERCENT, Kind.COUNT)  # a figure a document is said to set
TYPICAL = "新建中试平台采购设备最高补贴多少？"  # warm(): does the embedding model read questions like this one?


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
        self.composer = Composer(self.tokenizer, settings.answer)
        self.lexicon = Lexicon(self.tokenizer)
        self.coverage = CoverageModel.shipped()
        self._snapshot: Snapshot | None = None
        self._stamp: tuple[int, int, int] | None = None
        self._places: tuple[str, PlaceIndex] | None = None
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
        stamp = self.layout.current_stamp()
        if self._snapshot is not None and stamp is not None and stamp == self._stamp:
            return self._snapshot
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
            self._stamp = stamp
            return self._snapshot

    def place_index(self, snapshot: Snapshot) -> PlaceIndex:
        """Places and document words of the indexed documents, built once per index generation."""
        with self._lock:
            if self._places is None or self._places[0] != snapshot.generation:
                index = PlaceIndex(snapshot.documents.values(), snapshot.chunks, gazetteer())
                self._places = (snapshot.generation, index)
            return self._places[1]

    def warm(self) -> None:
        """Load the index before the first question; the dense store and the embedding model too when the dense
        side will be used: dense retrieval, or a model that reads a typical question (the packaged English model
        does not, and is loaded by the first question it can read)."""
        snap = self.snapshot
        self.place_index(snap)
        mode, embedder = self.settings.retriever, self.embedder
        if embedder is None or mode == RetrievalMode.LEXICAL:
            return
        if mode == RetrievalMode.DENSE or embedder.coverage(TYPICAL) >= self.settings.dense_min_coverage:
            snap.store.count()
            embedder.embed(["中试"])

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
        analysis, named = self._scoped_analysis(text, doc_id, snapshot)
        doc_id = doc_id or named
        scope = Scope(snapshot, self.place_index(snapshot), jurisdiction, doc_id, retriever, top_k)
        plan, disagreement, found, extra = self._plan(text, analysis, named, turns, chat, scope)
        first = found[0]
        rendered = render(plan)
        if disagreement:
            rendered = dataclasses.replace(rendered, text=disagreement + "\n" + rendered.text)
        retrieval_ms = sum(sum(r.timings.values()) for r in [*(f.retrieval for f in found), *extra])  # counted apart
        self.last_timings = dict(first.retrieval.timings, compose_ms=(time.perf_counter() - t0) * 1000 - retrieval_ms)
        verdict = next((p.verdict for p in plan.asks if p.verdict), None)  # the first yes/no ask's
        answer = Answer(
            question=text,
            answer=rendered.text,
            refused=plan.refused,
            citations=rendered.citations,
            contexts=first.retrieval.hits,
            resolved_question=first.resolved.question if first.resolved.followup else None,
            verdict=verdict.value if verdict else None,
        )
        if chat is None or not rewritable(plan):
            yield from line_by_line(answer.answer)
        else:
            given = llm_context(answer.citations, first.retrieval.hits, self.settings.llm_context_chunks)
            resolved = first.resolved
            asked = first.standalone or (resolved.question if resolved.followup else text)
            yield from self._generate(chat, asked, given, answer)
        answer.latency_ms = (time.perf_counter() - started) * 1000
        yield answer.answer, answer

    def _plan(
        self,
        text: str,
        analysis: QuestionAnalysis,
        named: str | None,
        turns: list[Turn],
        chat: ChatModel | None,
        scope: Scope,
    ) -> tuple[AnswerPlan, str, list[Found], list[Retrieval]]:
        """The plan of every ask, the line saying that documents disagree (or ""), what each ask found, and the
        other documents' retrievals of the disagreement check."""
        found: list[Found] = []
        whole = normalize(text, self.lexicon.speller)[0] if analysis.original != text else analysis.normalized
        place = ""  # a place no document covers, named by an earlier ask: "深圳怎么补的？最高补多少？"
        several = len(analysis.asks) > 1
        titles = carried_titles([a.text for a in analysis.asks], scope.snapshot.documents.values())
        for n, ask in enumerate(analysis.asks):  # a later ask reads the earlier ones as its context
            context = "，".join([analysis.context, *(a.text for a in analysis.asks[:n])]).strip("，")
            named_places = scope.places.places(ask.text, self.tokenizer.names) if several else []
            if named_places:
                place = "" if any(p.status is not PlaceStatus.UNINDEXED for p in named_places) else named_places[0].name
            carried = titles[n] or ("" if named_places else place)
            found.append(self._answer_ask(ask, whole, context, len(analysis.asks), turns, chat, scope, carried))
        found = self._asked_again(self._doubt(found, scope), self._planner(scope.snapshot))
        extra: list[Retrieval] = []  # the other documents' retrievals of the disagreement check
        first = found[0]
        plans, disagreement = [f.plan for f in found], ""
        if len(found) == 1 and scope.doc_id is None:  # another document may give the ask a different figure
            plans, disagreement = with_disagreeing(
                first.plan,
                first.retrieval.hits,
                lambda other: self._answer_from(first, scope, other, extra),
                scope.snapshot.documents,
                scope.places,
                self.settings.answer.disagreement_documents,
            )
        if named and analysis.original != text:  # the asks' headings as the user wrote them, titles and all
            plans = [
                dataclasses.replace(p, ask=dataclasses.replace(p.ask, text=with_titles(p.ask.text, text)))
                for p in plans
            ]
        return AnswerPlan(analysis, tuple(plans)), disagreement, found, extra

    def _answer_ask(
        self,
        ask: Ask,
        text: str,
        context: str,
        asks: int,
        turns: list[Turn],
        chat: ChatModel | None,
        scope: Scope,
        carried: str = "",
    ) -> Found:
        """Resolve, retrieve, compose and plan one ask of the message; `carried`: what an earlier ask named that
        this one is about, put before it (a place no document covers, 《a document not on file》)."""
        places = scope.places.patterns
        asked = text if chat is not None and asks == 1 else ask.text  # the LLM condenses a one-ask message whole
        switched = None if chat else switch_document(ask.text, turns, places, self.settings.answer, scope.titles)
        if switched:  # "国家那份呢？": the question before, asked of the document now named
            ask, asked, turns = make_ask(switched, self.lexicon), switched, []
        resolved, standalone = self._resolve(asked, turns, chat, places, context)
        if ask.intent in META_INTENTS and resolved.followup:  # "这个方案是谁发的？": the document in context
            own = resolve(ask.text, [], self.tokenizer, places, self.settings.answer, context)
            resolved = dataclasses.replace(own, jurisdiction=own.jurisdiction or resolved.jurisdiction)
        question = carried + (standalone or ask.text)
        retrieval, composition = self._compose(question, resolved, standalone, scope)
        if composition.refused and not composition.other_place and asks == 1 and ask.text != text:
            # the whole message, as written, may still find what the ask alone did not
            resolved, standalone = self._resolve(text, turns, chat, places)
            question = standalone or text
            retrieval, composition = self._compose(question, resolved, standalone, scope)
        plan = self._planner(scope.snapshot).plan(ask, composition, scope.snapshot.chunks)
        found = Found(resolved, standalone, question, retrieval, plan)
        unsaid = plan.outcome is Outcome.NOT_COVERED or plan.verdict is Verdict.NOT_STATED
        claimed = any(f.kind in CLAIMED_VALUES for f in ask.proposed)  # a figure the document is said to set
        if unsaid and ask.yes_no and claimed and (scope.doc_id or resolved.jurisdiction):
            found = self._said_elsewhere(found, scope)
        return self._refusal(found, scope) if found.plan.outcome is Outcome.NOT_COVERED else found

    def _said_elsewhere(self, found: Found, scope: Scope) -> Found:
        """A claim the named document does not make, checked against (at most `disagreement_documents` of) the
        others: "国家文件规定最高补X万元，是吗？" is answered 不是 when another document is the one that says it."""
        documents, place = scope.snapshot.documents, found.resolved.jurisdiction
        named = [
            d for d in documents.values() if d.doc_id == scope.doc_id or not scope.doc_id and d.jurisdiction == place
        ]
        others = [d for d in documents.values() if d not in named] if named else []
        for other in others[: self.settings.answer.disagreement_documents]:
            resolved = dataclasses.replace(found.resolved, jurisdiction=other.jurisdiction)
            plan = self._answer_from(dataclasses.replace(found, resolved=resolved), scope, other.doc_id, [])
            if plan.verdict is Verdict.YES:
                titles = "》《".join(d.title for d in named)
                return dataclasses.replace(found, plan=misattributed(plan, titles, other.title))
        return found

    def _asked_again(self, found: list[Found], planner: Planner) -> list[Found]:
        """An ask that only asks again whether the detail of the not-covered ask before it exists is not covered
        either, for the same reason (plan.asked_again)."""
        return [
            dataclasses.replace(f, plan=dataclasses.replace(found[n - 1].plan, ask=f.plan.ask))
            if n
            and found[n - 1].plan.outcome is Outcome.NOT_COVERED
            and asked_again(f.plan, found[n - 1].plan, self.lexicon, planner.known_idf)
            else f
            for n, f in enumerate(found)
        ]

    def _refusal(self, found: Found, scope: Scope) -> Found:
        """A not-covered ask with the nearest clauses and the body to contact, in place of its composition."""
        plan = found.plan
        if plan.composition.refused:
            return found
        hits = found.retrieval.hits
        refusal = self.composer.refusal(plan.missing, found.resolved, hits, scope.snapshot, scope.places)
        return dataclasses.replace(found, plan=dataclasses.replace(plan, composition=refusal))

    def coverage_features(self, question: str, history: list[Turn] | None = None) -> list[dict[str, float]]:
        """The coverage features of each answered ask, as the model judges them (evals.coverage_model)."""
        text, snapshot = clean_question(question, self.settings.max_question_chars), self.snapshot
        analysis, named = self._scoped_analysis(text, None, snapshot)
        scope = Scope(snapshot, self.place_index(snapshot), None, named, None, None)
        found = self._plan(text, analysis, named, history or [], None, scope)[2]
        return [row for _, row in answered([f.plan for f in found], ask_contexts(found), self._planner(snapshot))]

    def _doubt(self, found: list[Found], scope: Scope) -> list[Found]:
        """An answered ask the coverage model doubts is not covered (assistant.answer.coverage; a doubt of 1 or more
        turns the model off)."""
        doubt = self.settings.answer.coverage_doubt
        if doubt >= 1.0:
            return found
        planner = self._planner(scope.snapshot)
        doubts = doubted([f.plan for f in found], ask_contexts(found), planner, self.coverage, doubt)
        return [
            self._refusal(dataclasses.replace(f, plan=planner.not_covered(f.plan.ask, f.plan.composition)), scope)
            if n in doubts
            else f
            for n, f in enumerate(found)
        ]

    def _answer_from(self, found: Found, scope: Scope, doc_id: str, retrievals: list[Retrieval]) -> AskPlan:
        """The ask of `found`, answered from one document only (its retrieval appended to `retrievals`)."""
        retrieval, composition = self._compose(
            found.question, found.resolved, found.standalone, dataclasses.replace(scope, doc_id=doc_id)
        )
        retrievals.append(retrieval)
        return self._planner(scope.snapshot).plan(found.plan.ask, composition, scope.snapshot.chunks)

    def _planner(self, snapshot: Snapshot) -> Planner:
        return Planner(self.lexicon, snapshot.bm25.idf, self.tokenizer.synonyms, self.settings.answer)

    def _compose(
        self, question: str, resolved: Resolved, standalone: str | None, scope: Scope
    ) -> tuple[Retrieval, Composition]:
        query = Query(
            resolved.query_text,
            resolved.terms,
            scope.jurisdiction or resolved.jurisdiction,
            scope.doc_id,
            standalone or question,
            resolved.phrases,
        )
        retrieval = self._retrieve(scope.snapshot, query, scope.retriever, scope.top_k)
        composition = self.composer.compose(question, resolved, retrieval.hits, scope.snapshot, scope.places)
        return retrieval, composition

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

    def _scoped_analysis(
        self, text: str, doc_id: str | None, snapshot: Snapshot
    ) -> tuple[QuestionAnalysis, str | None]:
        """The question's analysis and the document it names by its title in 《》 (None when `doc_id` is given or
        none is named), whose words are then no ask's subject (unless the question asks about the document itself:
        its 文号, issuers, date, or claims one: "《…》是2024年1月23日印发的，对吧？")."""
        named = None if doc_id else named_document(text, snapshot.documents.values())
        analysis = analyse(text, self.lexicon)
        own = any(a.intent in META_INTENTS or any(f.kind in OWN_FIGURES for f in a.proposed) for a in analysis.asks)
        if named and not own:
            analysis = analyse(without_titles(text), self.lexicon)
        return analysis, named

    def _resolve(
        self, text: str, turns: list[Turn], chat: ChatModel | None, places: Places, context: str = ""
    ) -> tuple[Resolved, str | None]:
        """The rule resolves follow-ups; with an LLM they are first rewritten as standalone questions,
        returned as the second element (None when not rewritten)."""
        if chat is None or not any(t.role == "user" for t in turns):
            return resolve(text, turns, self.tokenizer, places, self.settings.answer, context), None
        condensed = condense(chat, text, turns)
        if condensed is None:
            return resolve(text, turns, self.tokenizer, places, self.settings.answer, context), None
        if condensed == text:
            return resolve(text, [], self.tokenizer, places, self.settings.answer), None
        own = resolve(condensed, [], self.tokenizer, places, self.settings.answer)
        return dataclasses.replace(
            own, question=condensed, followup=True, named=frozenset(named_jurisdictions(text, places))
        ), condensed

    def close(self) -> None:
        with self._lock:
            if self._snapshot is not None:
                self._snapshot.close()
                self._snapshot = None
