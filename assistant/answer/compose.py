"""The default answerer: deterministic, offline, extractive.

It quotes the sentences of the retrieved clauses that answer the question, each
followed by a citation marker, answers questions about the documents themselves
from their metadata, and says plainly when the documents do not answer.
"""

from __future__ import annotations

import dataclasses
import re

from assistant.answer.asks import (
    BARE_NUMBER,
    COMPARE,
    DATE_ASK,
    DATED,
    DEFINING,
    META_WORDS,
    NOT_NUMERIC,
    NUMBER,
    NUMERIC_ASK,
    besides,
    contrasts,
    list_heads,
    mentions,
    only_of,
    whole,
    without_yardstick,
)
from assistant.answer.candidates import Candidate, Composition, quote
from assistant.answer.document_facts import META_INTENTS, claimed_text, document_facts, named_exactly
from assistant.answer.followup import Resolved
from assistant.answer.lists import beyond_restated, listed_items, sibling_candidates, with_every_item
from assistant.answer.overview import definitional, is_broad, outline
from assistant.answer.places import PlaceIndex, PlaceStatus
from assistant.answer.refusal import refusal
from assistant.answer.rule_files import word_pattern
from assistant.answer.unmet import unmet_ask
from assistant.core.planted import is_instruction
from assistant.core.records import Chunk, Citation, Hit, TermOrigin
from assistant.core.resources import template
from assistant.core.settings import AnswerTuning
from assistant.index.lexical import ChineseTokenizer
from assistant.index.snapshot import Snapshot
from assistant.retrieval.scope import unindexed_title
from ingest.chunk import full_sentences

MONEY_OR_RATIO = re.compile(r"\d\s*(?:[万亿]?元|[%％])")
FRAME = {"header", "trailer"}  # the notice and the 版记: quoted below the clauses, and only real sentences
BODY = word_pattern("compose.body")
OTHER_TOPIC = word_pattern("compose.other_topic")


class Composer:
    def __init__(self, tokenizer: ChineseTokenizer, tuning: AnswerTuning):
        self.tokenizer = tokenizer
        self.tuning = tuning
        self.contrasts = contrasts()

    def compose(
        self, question: str, resolved: Resolved, hits: list[Hit], snapshot: Snapshot, places: PlaceIndex
    ) -> Composition:
        return _Run(self, snapshot, places).compose(question, resolved, hits)

    def refusal(
        self, topic: str, resolved: Resolved, hits: list[Hit], snapshot: Snapshot, places: PlaceIndex
    ) -> Composition:
        """What the documents do not provide for, with the nearest clauses and the body to contact."""
        run = _Run(self, snapshot, places)
        run.terms = resolved.terms
        return run._refuse(topic, hits)


class _Run:
    """One composition against one index snapshot."""

    def __init__(self, composer: Composer, snapshot: Snapshot, places: PlaceIndex):
        self.tokenizer = composer.tokenizer
        self.tuning = composer.tuning
        self.contrasts = composer.contrasts
        self.places = places
        self.terms: dict[str, float] = {}  # the question's, for the nearest sentence of a refusal
        self.snapshot = snapshot
        self.idf = snapshot.bm25.idf
        # a place a document belongs to ("上海", "国家"): every answer from that document "covers" it
        self.naming = {d.place for d in snapshot.documents.values()} | places.place_words

    def compose(self, question: str, resolved: Resolved, hits: list[Hit]) -> Composition:
        self.terms = resolved.terms
        named = self.places.places(question, self.tokenizer.names)
        other = next((p for p in named if p.status is not PlaceStatus.INDEXED), None)
        # a place the question itself names, whatever came before; "北京的实施方案" does not name Shanghai;
        # a division inside an indexed place ("浦东新区", "苏州") is answered from that place's documents, with a note
        if (
            other
            and other.status is PlaceStatus.UNINDEXED
            and not self.places.explicitly_named(without_yardstick(question))
        ):
            return self._refuse(f"{other.name}的中试政策", hits, other_place=True)
        composition = self._answer(question, resolved, hits, other.name if other else "")
        if composition.refused:
            return composition
        unindexed = other.name if other and other.status is PlaceStatus.UNINDEXED and other.domestic else ""
        if other:  # "北京和上海…分别", "浦东新区…": say what is missing first
            note = template("other_place.txt").format(place=other.name).strip()
        elif not named and not resolved.named and len(self.places.local) > 1:
            note = self._assumed_place(composition)
        else:
            return composition
        if not note:
            return composition
        return dataclasses.replace(
            composition, answer=note + "\n" + composition.answer, rewritable=False, unindexed=unindexed
        )

    def _assumed_place(self, composition: Composition) -> str:
        """A question that names no place while several places have indexed policies: say whose rule it is."""
        places = {c.document.place for c in composition.citations if c.document.jurisdiction in self.places.local}
        return template("assumed_place.txt").format(place="、".join(sorted(places))).strip() if places else ""

    def _answer(self, question: str, resolved: Resolved, hits: list[Hit], unindexed: str) -> Composition:
        if (
            not resolved.followup
            and not definitional(question, resolved.phrases)
            and is_broad(
                question,
                resolved.own_words(),
                [unindexed] + [f"{d.title} {d.place}" for d in self.snapshot.documents.values()],
            )
        ):
            overview = self._overview(question, resolved, hits)
            if overview is not None:
                return overview
        elsewhere = unindexed_title(question, self.snapshot.documents.values())
        if elsewhere:  # what a document not on file holds
            return self._refuse(f"《{elsewhere}》的内容（该文件未收录）", hits)
        candidates = sibling_candidates(resolved, self.snapshot, self._match) or self._facts_or_sentences(
            question, resolved, hits
        )
        candidates = [c for c in candidates if not self._other_side(question, c)] or candidates
        known = besides(question)  # "除了转化基地，还要建什么": not the sentence the asker already knows
        candidates = [c for c in candidates if not known or not only_of(known, c.text)] or candidates
        if not candidates:
            return self._refuse("该问题", hits)
        best = max(candidates, key=lambda c: c.score)
        chosen = beyond_restated(
            question,
            self._select(question, resolved, candidates, best),
            candidates,
            self.tokenizer.tokens,
            self.tuning.restated_share,
        )
        named = best.meta and bool(named_exactly(question, [best.document]))
        if not named and self._coverage(resolved, chosen, question) < (
            self.tuning.meta_coverage if best.meta else self.tuning.min_coverage
        ):
            return self._refuse("该问题", hits)
        listed = with_every_item(question, chosen, self.snapshot.children, self.snapshot.documents)
        refusal = unmet_ask(
            question, [c.text for c in chosen], best.text, self.tokenizer.tokens, listed_items(listed) >= 2
        )
        if refusal:
            return self._refuse(refusal, hits)
        return quote(listed)

    # --- candidates -------------------------------------------------------------------------

    def _sentence_candidates(self, question: str, resolved: Resolved, hits: list[Hit]) -> list[Candidate]:
        out = []
        numeric = bool(NUMERIC_ASK.search(question)) and not NOT_NUMERIC.search(question)
        dated = bool(DATE_ASK.search(question))
        terms = {
            t: w
            for t, w in resolved.terms.items()  # "是不是最多5000万？" must not pull in the 5000万 sentence
            if not BARE_NUMBER.fullmatch(t) or re.search(re.escape(t) + "年", question)
        }
        own = self._follow_up_focus(resolved, question)
        found = [h for h in hits if h.lexical is not None or h.dense is not None]
        content = [h for h in found if h.chunk.kind not in FRAME][: self.tuning.sentence_hits]
        frames = [h for h in found[: self.tuning.sentence_hits] if h.chunk.kind in FRAME]
        for hit in content + frames:
            frame = hit.chunk.kind in FRAME
            chunk = hit.chunk
            path_score = self.tuning.path_weight * self._match(terms, " ".join(chunk.path))
            prior = 1.0 / (1.0 + self.tuning.rank_decay * (hit.rank - 1))
            for pos, sent in enumerate(full_sentences(chunk.text)):
                sent = sent.strip()
                if not sent or (sent == chunk.path[-1] and chunk.kind == "clause") or is_instruction(sent):
                    continue
                if frame and (len(sent) < self.tuning.min_frame_sentence or sent[-1] not in "。；！？："):
                    continue  # letterhead, organ names, the notice's own title
                score = (self._match(terms, sent) + path_score) * prior * (self.tuning.frame_share if frame else 1.0)
                if own and not self._match(own, sent):  # "贴息呢？" after a subsidy answer: not that answer again
                    score *= self.tuning.followup_miss
                if numeric:
                    score *= self.tuning.numeric_boost if NUMBER.search(sent) else self.tuning.numeric_miss
                if dated:
                    score *= self.tuning.dated_boost if DATED.search(sent) else self.tuning.dated_miss
                if any(sent.startswith(p) or p + "指" in sent for p in resolved.phrases):
                    score *= self.tuning.phrase_boost * (self.tuning.defining_boost if DEFINING.search(sent) else 1.0)
                out.append(Candidate(sent, chunk, hit.document, score, pos))
        return out

    def _follow_up_focus(self, resolved: Resolved, question: str) -> dict[str, float]:
        """What a follow-up's sentences must speak of: its own subject ("贴息呢？", "全球那块呢？"), or, when it
        names none ("有上限金额吗？" after a question on 中试服务券), the subject of the question before."""
        if not resolved.followup:
            return {}

        def topical(terms):
            return {
                t: 1.0
                for t in terms
                if self.idf(t) >= self.tuning.subject_idf and t not in self.naming and not BARE_NUMBER.fullmatch(t)
            }

        subjects = self.tokenizer.subjects
        own = topical(resolved.own_words())
        if any(t in subjects for t in own):
            return topical(resolved.own_terms)
        named = {t: 1.0 for t in resolved.own_words() if self.idf(t) and t not in self.naming}
        if named and OTHER_TOPIC.search(question):  # "全球那块呢？": whatever word of the documents it names
            return named
        return topical(t for t in resolved.previous_terms if t in subjects) or topical(resolved.own_terms)

    def _facts_or_sentences(self, question: str, resolved: Resolved, hits: list[Hit]) -> list[Candidate]:
        """The document facts asked for when they answer the question on their own, else every candidate."""
        facts = document_facts(
            self.snapshot, question, resolved, self._match, self.places.parts, self.tuning.meta_boost
        )
        if facts:
            best = max(facts, key=lambda c: c.score)
            if (
                named_exactly(question, [best.document])
                or self._coverage(resolved, self._select(question, resolved, facts, best), question)
                >= self.tuning.meta_coverage
            ):
                return facts
        return facts + self._sentence_candidates(question, resolved, hits)

    def _match(self, terms: dict[str, float], text: str) -> float:
        """Weighted idf of the whole terms in `text`, domain words boosted."""
        low = text.lower()  # the terms are lower case ("ai"), the text as written ("AI For Science")
        return sum(
            terms[t] * max(self.idf(t), 0.5) * (self.tuning.domain_boost if t in self.tokenizer.domain else 1.0)
            for t in whole(t for t in terms if t in low)
        )

    def _coverage(self, resolved: Resolved, chosen: list[Candidate], question: str) -> float:
        if any(c.chunk.path[-1].startswith(p) or c.text.startswith(p) for c in chosen for p in resolved.phrases):
            return 1.0
        meta = any(c.meta for c in chosen)
        # the category of a list ask ("哪些主体") need not be said by a clause that enumerates; an elliptical
        # follow-up has no words to spare
        enumerated = not resolved.followup and any("、" in c.text for c in chosen)
        heads = list_heads(resolved.question) if enumerated else set()
        terms = resolved.own_terms if not resolved.followup or meta else resolved.terms
        # an elliptical follow-up may be covered by a synonym of its own words, never by the previous turn's
        covering = {TermOrigin.OWN, TermOrigin.SYNONYM} if resolved.followup and not meta else {TermOrigin.OWN}
        own = {
            t: w
            for t, w in terms.items()
            if resolved.origins.get(t) in covering
            and t not in self.naming
            and not BARE_NUMBER.fullmatch(t)
            and t not in heads
        }
        if meta:  # the words that ask for a document fact, or claim one, are answered by the fact itself
            claimed = claimed_text(question)
            own = {
                t: w
                for t, w in own.items()
                if (self.idf(t) or len(t) > 1)
                and t not in META_WORDS
                and t not in claimed
                and not any(p.search(t) for p in META_INTENTS.values())
            }
        # a word and the pieces jieba cuts it into count once: as the word if a document uses it, else as its pieces
        own = {
            t: w
            for t, w in own.items()
            if not any(t != u and (t in u and self.idf(u) or u in t and not self.idf(t) and self.idf(u)) for u in own)
        }
        if meta and not any(self.idf(t) for t in own):
            return 1.0  # nothing left but phrasing ("正式", "包括"): no word of the question speaks against the fact
        if not own:
            return 0.0
        context = " ".join(
            f"{c.text} {c.chunk.text} {' '.join(c.chunk.path)} {c.document.title} " + c.document.place for c in chosen
        ).lower()
        known = sorted(self.idf(t) for t in own if self.idf(t) > 0)
        # words no document uses (chat, self-description) weigh a share of a typical word, never of "中试" alone
        oov = self.tuning.oov_share * max(known[len(known) // 2] if known else 1.0, 1.0)
        total = matched = 0.0
        unknown = 0
        for term, weight in sorted(own.items(), key=lambda tw: -tw[1]):
            said = any(a in context for a in [term, *self.tokenizer.synonyms.get(term, [])])
            unknown += not self.idf(term) and not said
            if unknown > self.tuning.oov_cap and not self.idf(term) and not said:
                continue  # a long chatty question is not less answerable for every further word of chat
            idf = self.idf(term) or oov
            total += weight * idf
            matched += weight * idf if said else 0.0
        return matched / total if total else 0.0

    def _select(
        self, question: str, resolved: Resolved, candidates: list[Candidate], best: Candidate
    ) -> list[Candidate]:
        ranked = sorted(candidates, key=lambda c: -c.score)
        compare = bool(COMPARE.search(question)) or len(resolved.named) > 1
        chosen = [best]
        if len(resolved.named) > 1:  # a question about both documents: say what each one says
            other = next(
                (
                    c
                    for c in ranked
                    if c.document.jurisdiction != best.document.jurisdiction
                    and c.document.jurisdiction in resolved.named
                ),
                None,
            )
            if other is not None and other.score >= self.tuning.cross_ratio * best.score:
                chosen.append(other)
        for cand in ranked[1:]:
            facts = best.meta and cand.meta and cand.document is best.document  # every fact asked for
            if not facts and (
                len(chosen) >= self.tuning.max_sentences or cand.score < self.tuning.keep_ratio * best.score
            ):
                continue
            if cand.text in {c.text for c in chosen} or best.meta and not cand.meta:
                continue
            same_doc = cand.document.doc_id == best.document.doc_id
            if same_doc or compare:
                chosen.append(cand)
        order: dict[str, int] = {}
        for i, c in enumerate(chosen):
            order.setdefault(c.chunk.chunk_id, i)
        # the best sentence leads; the others follow in document order
        return sorted(chosen, key=lambda c: (order[c.chunk.chunk_id], c is not best, c.chunk.start, c.position))

    def _other_side(self, question: str, cand: Candidate) -> bool:
        """The sentence speaks only of the side (新建) the question does not ask about (已建)."""
        for a, b in self.contrasts:
            for asked, other in ((a, b), (b, a)):
                if (
                    mentions(question, asked)
                    and not mentions(question, other)
                    and mentions(cand.text, other)
                    and not mentions(cand.text, asked)
                ):
                    return True
        return False

    def _overview(self, question: str, resolved: Resolved, hits: list[Hit]) -> Composition | None:
        """The outline of the documents the question names, else of the best hit's document."""
        found = [h.document for h in hits if h.lexical or h.dense]  # inside the question's scope filter
        documents = [d for d in dict.fromkeys(found) if d.jurisdiction in resolved.named] or found[:1]
        parts: list[str] = []
        citations: list[Citation] = []
        for document in documents:
            text, cited = outline(
                document, self.snapshot.clauses(document.doc_id), len(citations) + 1, BODY.search(question) is not None
            )
            if text:
                parts.append(text)
                citations += cited
        return Composition("\n".join(parts), False, citations, outline=True) if parts else None

    # --- rendering --------------------------------------------------------------------------

    def _nearest_sentence(self, chunk: Chunk) -> str:
        """The sentence of the nearest clause that says most of the question's words, if it says any. A sentence
        with an amount or a ratio is never offered: beside a refusal it would read as the answer."""
        scored = [
            (self._match(self.terms, s.strip()), s.strip())
            for s in full_sentences(chunk.text)
            if s.strip() and s.strip() != chunk.path[-1] and not is_instruction(s) and not MONEY_OR_RATIO.search(s)
        ]
        best = max(scored, default=(0.0, ""))
        return best[1] if best[0] > 0 else ""

    def _refuse(self, topic: str, hits: list[Hit], other_place: bool = False) -> Composition:
        related = [h for h in hits if h.lexical and h.chunk.kind == "clause"][:2]
        nearest = self._nearest_sentence(related[0].chunk) if related and not other_place else ""
        return refusal(list(self.snapshot.documents.values()), topic, related, other_place, nearest)
