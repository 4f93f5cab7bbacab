"""The answer plan: for every ask, answered, a verdict, or not covered, decided from the evidence found.

An ask is not covered when the evidence lacks what its intent asks for (a figure of the asked kind attached
to the ask's subject, a date, a duration, a body) even if a clause on the topic was found: the clause is then
given as the nearest one, never as the answer.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence

from assistant.answer.analysis import (
    INTENT_FIGURES,
    ISSUED_YEAR,
    META_INTENTS,
    Ask,
    Intent,
    Lexicon,
    focus,
)
from assistant.answer.asks import SUBSIDY_ASK, TAG_QUESTION, VAGUE_COUNT, Facet, count_units, list_heads, whole
from assistant.answer.claims import duty, more_than, requirement_unset, total_not_each, unshared
from assistant.answer.compose import Composition
from assistant.answer.document_facts import fact_verdict
from assistant.answer.evidence import (
    claimed_document_text,
    clause,
    clause_around,
    cn_date,
    compare_figure,
    evidence_figures,
    issuer_verdict,
    only_figures,
    part_date,
    said_elsewhere,
    window,
)
from assistant.answer.lists import LIST_ASK, listed_items
from assistant.answer.plans import AskPlan, EvidenceWords, Outcome, Verdict
from assistant.answer.rule_files import resource_rows, word_pattern
from assistant.core.figures import Figure, Kind, figures
from assistant.core.records import Chunk, Comparator, Document, PolicyFact
from assistant.core.settings import AnswerTuning

QUOTED = re.compile(r"[“\"]([^”\"]{1,12})[”\"]")
ENUMERATION = re.compile(r"[^、，。]+、[^、，。]+、[^、，。]+")  # three or more items in a row
NUMBERED = re.compile(r"\d")
CHOICE = re.compile(r"([\u4e00-\u9fff])[不没]\1")
SEVERAL = word_pattern("plan.several")
SOME = 1e-9
INTENT_LABELS = {Intent(name): label for name, label in resource_rows("intent_labels.txt")}


class Planner:
    def __init__(self, lexicon: Lexicon, idf, synonyms: dict[str, list[str]], tuning: AnswerTuning):
        self.lexicon = lexicon
        self.idf = idf
        self.synonyms = synonyms
        self.subject_share = tuning.subject_share
        self.support_share = tuning.support_share  # a claim the evidence says this much of, where it enables it

    def _says(self, text: str, word: str) -> bool:
        """`text` says the word, a synonym, or every piece of it ("中试能力": 中试…能力)."""
        lowered = text.lower()  # subject words are lower case: "ai" is said by "AI"
        if any(w in lowered for w in [word, *self.synonyms.get(word, [])]):
            return True
        pieces = [p for p in self.lexicon.tokenizer.tokens(word) if len(p) > 1 and p != word]
        return bool(pieces) and all(p in lowered for p in pieces)

    def _says_side(self, side: tuple[str, ...], text: str) -> bool:
        """`text` says a side of a choice: one of its words, a figure it names, or a total or a yearly figure as it
        asks."""
        claims = self.lexicon.claims
        said = "".join(side)
        stated = figures(text)
        return (
            any(self._says(text, w) for w in side)
            or any(claims[kind].search(said) and claims[kind].search(text) for kind in ("total", "each"))
            or any(f.same_value(g) for f in figures(said) for g in stated)  # "两家还是四家" and a quote's 2家
        )

    def _claim_verdict(self, ask: Ask, text: str, share: float) -> Verdict:
        """A claim without figures: yes when the evidence says all it names, or most of it in a sentence that
        enables it; no when it claims an exclusion the evidence does not make, or names an item a list of the
        evidence leaves out ("也包括“懂工艺”吗？", "在某某领域…吗？")."""
        claims = self.lexicon.claims
        enough = share >= self.support_share
        asked = CHOICE.sub("", ask.text)  # "支不支持" asks, it does not deny
        if enough and claims["negated"].search(asked) and not claims["refuses"].search(text):
            return Verdict.NO
        left_out = [q for q in QUOTED.findall(ask.text) if q not in text] + [
            w
            for w in ask.subject
            if not self._says(text, w)
            and (
                re.search(re.escape(w) + claims["listed"].pattern, ask.text)
                or TAG_QUESTION.search(ask.text)
                and re.search(claims["member"].pattern + "[^，,？?]*?" + re.escape(w), ask.text)
            )
        ]
        listed = ENUMERATION.search(text) and (
            QUOTED.search(ask.text) or re.search("等" + claims["listed"].pattern, text)
        )
        if left_out and listed:
            return Verdict.NO
        if enough and claims["universal"].search(asked) and claims["conditioned"].search(text):
            return Verdict.NO  # "只要搞中试的都能享受？" and a clause for the projects that qualify
        supported = "".join(re.split(r"[，,]", asked[m.end() :])[0] for m in claims["support"].finditer(asked))
        unknown = [w for w in ask.subject if len(w) > 1 and w in supported and self.idf(w) <= 0]
        if unknown:
            return Verdict.NOT_STATED  # support for what no document names ("支持区块链…")
        if self._mostly_unknown(ask):  # "能不能邮寄纸质件？": what the claim names is not in the documents
            return Verdict.NOT_STATED
        return Verdict.YES if share >= 1.0 or enough and claims["support"].search(text) else Verdict.NOT_STATED

    def _facet_said(self, ask: Ask, facet: Facet, composition: Composition) -> bool:
        """A clause of a quoted sentence gives the detail asked for and speaks of the ask's subject (its document's
        title and place count; a document fact speaks of its document): "等指标纳入评价体系" of 园区 does not give
        the 指标 of 认定."""
        rest = tuple(w for w in ask.subject if not any(w in asked for asked in facet.asks))  # 评价指标 aside
        return any(
            facet.answered_by(clause)
            and (c.meta or self._share(rest, f"{clause}{c.document.title}{c.document.place}") >= self.subject_share / 2)
            for c in composition.chosen
            for clause in c.text.split("；")
        )

    def _past_cap(self, ask: Ask, proposed: Figure, text: str, found: list[Figure]) -> Verdict | None:
        """ "能超过5000万吗？" against "不超过5000万元": a claim to pass a figure the quote sets as a cap, in a clause
        that says the ask's key term, is no."""
        claims = self.lexicon.claims
        if not claims["exceeds"].search(ask.text[max(0, proposed.start - 7) : proposed.start]):
            return None
        key = self.key_word(ask)
        capped = any(
            f.kind is proposed.kind
            and f.same_value(proposed)
            and claims["bounded"].search(text[max(0, f.start - 8) : f.start])
            and (key is None or self._says(clause_around(text, f.start, f.start + len(f.text)), key))
            for f in found
        )
        return Verdict.NO if capped else None

    def _facet_missing(self, ask: Ask, facet: Facet) -> str:
        """What a facet not given leaves out, of the ask's subject when it names one the documents use
        ("贴息的计算方法"), else the facet alone."""
        own = [w for w in whole(ask.subject) if self.known_idf(w) > 0 and w not in facet.asks and w not in facet.topic]
        subject = "".join(own)
        return f"{subject}的{facet.topic}" if own and len(subject) <= 8 else facet.topic

    def _mostly_unknown(self, ask: Ask) -> bool:
        """Most of the words a claim names are words no document uses (places and figures aside)."""
        words = whole(ask.subject)
        return len(self._unknown(words)) * 2 > len([w for w in words if not NUMBERED.search(w)])

    def _unknown(self, words: Sequence[str]) -> list[str]:
        """The words no document uses, nor a synonym of them (figures aside)."""
        return [w for w in words if self.known_idf(w) <= 0 and not NUMBERED.search(w)]

    def subject_share_in(self, ask: Ask, text: str) -> float:
        """The idf share of the ask's subject words (those the documents use) that `text` says."""
        return self._share(ask.subject, text)

    def segment_share_in(self, ask: Ask, text: str, synonyms: bool = False) -> float:
        """The best share over the segments that ask ("花了多少钱，占全国比重多少": either may be answered)."""
        return max(
            (self._share(words, text, synonyms) for words in ask.asked),
            default=self._share(ask.subject, text, synonyms),
        )

    def _share(self, subject: tuple[str, ...], text: str, synonyms: bool = False) -> float:
        """The idf share of `subject` that `text` says; with `synonyms`, a word the documents only write otherwise
        (新建 as 新布局建设) counts with its synonyms' idf."""
        idf = self.known_idf if synonyms else self.idf
        known = [(w, i) for w in subject if (i := idf(w)) > 0]
        known = [(w, i) for w, i in known if not any(w != u and w in u for u, _ in known)]
        total = sum(i for _, i in known)
        return sum(i for w, i in known if self._says(text, w)) / total if total else 1.0

    def evidence_words(self, ask: Ask, text: str) -> EvidenceWords:
        known = [w for w in ask.subject if self.known_idf(w) > 0]
        said = [w for w in known if self._says(text, w)]
        unknown = self._unknown(ask.subject)
        return EvidenceWords(len(known), len(unknown), len(said), self._share(ask.subject, text, synonyms=True))

    def known_idf(self, word: str) -> float:
        return max([self.idf(word), *(self.idf(w) for w in self.synonyms.get(word, []))])

    def attached(self, ask: Ask, composition: Composition, kind: Kind) -> tuple[PolicyFact, ...]:
        sentences = [c.text for c in composition.chosen]
        offered = self.lexicon.choice.search(ask.text)  # "两家还是四家": the options are not given, one may be it
        given = set() if offered else {(g.kind.value, g.value) for g in figures(ask.text)}  # "那728家里…多少家"
        units = count_units(ask.text)
        facts = [
            f
            for c in composition.chosen
            for f in c.chunk.facts
            if f.kind == kind.value
            and (f.kind, f.value) not in given
            and any(f.sentence in s or s in f.sentence for s in sentences)
            and not f.span.endswith(tuple(VAGUE_COUNT))  # "组织申报一批" says no number
            and (kind is not Kind.COUNT or not units or f.span[-1] in units)
        ]
        several = bool(SEVERAL.search(ask.text))  # "…分别是多少": each figure speaks of one of the subjects
        key = None if several else self.key_word(ask)
        plain = None if several or key else self.plain_key(ask)
        headings = {f: c.chunk.path[-1] for c in composition.chosen for f in c.chunk.facts} if plain else {}
        return tuple(
            dict.fromkeys(
                f
                for f in facts
                if self.segment_share_in(ask, window(f), several) >= (SOME if several else self.subject_share)
                and (key is None or self._says(clause(f), key))
                and (plain is None or self._says(clause(f) + headings[f], plain))
            )
        )

    def _answers(self, ask: Ask, answers: re.Pattern[str], composition: Composition) -> bool:
        """A quoted sentence holds what the intent asks for (a body, a date…) and, when the ask names a domain
        term, says that term: "核定总投资由哪家机构审" is not answered by a sentence on another 机构."""
        key = self.key_word(ask)
        return any(answers.search(c.text) for c in composition.chosen if key is None or self._says(c.text, key))

    def key_word(self, ask: Ask) -> str | None:
        """The rarest domain term of the ask's subject: a figure is said of the subject only when its own clause
        says this one (a term's own maximum is not the 1亿元 of 新建 beside it)."""
        return self._rarest(ask, lambda w: w in self.lexicon.tokenizer.domain)

    def plain_key(self, ask: Ask) -> str | None:
        """Without a domain term, the rarest word of the ask's subject the documents use, not the instrument asked
        about (奖励): the clause of a figure, or its heading, says it ("合同研发外包…给多少奖励" is not answered by
        the 1亿元 of 新建)."""
        return self._rarest(ask, lambda w: not SUBSIDY_ASK.search(w))

    def _rarest(self, ask: Ask, keep: Callable[[str], bool]) -> str | None:
        """The rarest word of the ask's subject that the documents use and `keep` accepts, when the subject has
        two or more words; never one that names a document or a body (实施意见, 经信委) nor what a figure
        measures (支持比例)."""
        known = [(self.known_idf(w), w) for w in whole(ask.subject) if not NUMBERED.search(w)]
        ends = self.lexicon.naming_words + self.lexicon.measure_words
        terms = [(i, w) for i, w in known if i > 0 and not w.endswith(ends) and keep(w)]
        return max(terms)[1] if terms and len(known) > 1 else None

    def plan(self, ask: Ask, composition: Composition, chunks: Sequence[Chunk]) -> AskPlan:
        if composition.refused:
            return AskPlan(ask, Outcome.NOT_COVERED, composition, missing=composition.topic)
        if composition.outline:  # "一共有多少条措施？": the headings, numbered, are the answer
            return AskPlan(ask, Outcome.ANSWERED, composition)
        text = "".join(c.text for c in composition.chosen)
        unmet = next((f for f in ask.facets if not self._facet_said(ask, f, composition)), None)
        # the clause speaks of the subject, not of the detail asked for; a claimed duty is checked, not refused
        if unmet is not None and not (ask.yes_no and duty(ask, self.lexicon)):
            return AskPlan(ask, Outcome.NOT_COVERED, composition, missing=self._facet_missing(ask, unmet))
        if ask.alternatives:  # "按季度还是按年度发放？": answered by a clause that says one of them
            sides = {w for side in ask.alternatives for w in side}
            rest = dataclasses.replace(ask, subject=tuple(w for w in ask.subject if w not in sides))
            sentences = [
                c.text for c in composition.chosen if self.subject_share_in(rest, c.text) >= self.subject_share
            ]
            if any(self._says_side(side, t) for side in ask.alternatives for t in sentences):
                return AskPlan(ask, Outcome.ANSWERED, composition)
            return self.not_covered(ask, composition)
        wanted = [a for a in self.lexicon.artefacts if a in ask.text] if self.lexicon.request.search(ask.text) else []
        if wanted and not any(a in text for a in wanted):  # "把名单发我一份" and a clause naming no list
            return AskPlan(ask, Outcome.NOT_COVERED, composition, missing="、".join(wanted))
        kinds = list_heads(ask.text) & self.lexicon.named_kinds
        if ask.intent is Intent.LIST and kinds and not any(k in text for k in kinds):
            return self.not_covered(ask, composition)  # "哪几家银行" and a clause naming no bank
        if ask.yes_no and not self._asks_value(ask):
            return self._verdict(ask, composition, chunks)
        rule = self.lexicon.rule(ask.intent)
        if ask.intent in INTENT_FIGURES:
            return self._value(ask, composition)
        of_document = ask.intent in META_INTENTS and any(c.meta for c in composition.chosen)
        if not of_document and rule and rule.answers and not self._answers(ask, rule.answers, composition):
            return self.not_covered(ask, composition)
        return AskPlan(ask, Outcome.ANSWERED, composition)

    def _value(self, ask: Ask, composition: Composition) -> AskPlan:
        """A value ask: the figures said of its subject; the items of a list count themselves ("共几点？各是什么")."""
        if ask.intent is Intent.COUNT and LIST_ASK.search(ask.text) and listed_items(composition.chosen) >= 2:
            return AskPlan(ask, Outcome.ANSWERED, composition)
        facts = self.attached(ask, composition, INTENT_FIGURES[ask.intent])
        if not facts:
            return self.not_covered(ask, composition)
        quoted = composition if SEVERAL.search(ask.text) else only_figures(composition, facts)  # "分别": all
        return AskPlan(ask, Outcome.ANSWERED, quoted, facts=facts)

    def _asks_value(self, ask: Ask) -> bool:
        """ "有没有提出…目标，是多少亿元？", "有没有说多久能办下来？": whether is asked on the way to a value (a
        figure, a duration, a body), which answers both."""
        rule = self.lexicon.rule(ask.intent)
        if ask.proposed or rule is None or ask.intent in META_INTENTS:
            return False
        asked = focus(ask.text, self.lexicon)  # the value is asked, not told before it ("搞中试十几年了，…")
        valued = ask.intent in INTENT_FIGURES or rule.answers is not None
        return valued and bool(rule.asks.search(asked) and self.lexicon.wh.search(asked))

    def _about_subject(self, ask: Ask, composition: Composition, found: list[Figure]) -> list[Figure]:
        """The evidence figures a proposed one is checked against: of each kind, those said of the ask's
        subject when the quote holds some ("服务券最多补30%吗？" is not answered by another clause's 30%)."""
        kinds = {p.kind.value for p in ask.proposed}
        near = {
            (f.kind, f.value)
            for c in composition.chosen
            for f in c.chunk.facts
            if f.kind in kinds and self.subject_share_in(ask, window(f)) >= self.subject_share
        }
        placed = {kind for kind, _ in near}  # a kind none of whose figures is said of the subject is kept whole
        return [g for g in found if g.kind.value not in placed or (g.kind.value, g.value) in near]

    def not_covered(self, ask: Ask, composition: Composition) -> AskPlan:
        """The ask, not covered by the composition: what it lacks, named from its subject and intent."""
        words = [w for w in ask.subject if not NUMBERED.search(w)]  # a figure it names is no subject of its own
        subject = "".join(whole(words))[:20]
        missing = (
            f"{subject}的{INTENT_LABELS.get(ask.intent, '相关内容')}"
            if subject
            else INTENT_LABELS.get(ask.intent, "该问题")
        )
        return AskPlan(ask, Outcome.NOT_COVERED, composition, missing=missing)

    def _verdict(self, ask: Ask, composition: Composition, chunks: Sequence[Chunk]) -> AskPlan:
        text = "".join(c.text for c in composition.chosen)
        lead = composition.chosen[0].document if composition.chosen else None  # the document the answer is about
        claimed = fact_verdict(ask.text, [c.fact for c in composition.chosen if c.fact and c.document is lead])
        if claimed is not None:  # a claim about the document itself: its 文号, a date, its issuers, 抄送
            return AskPlan(ask, Outcome.VERDICT, composition, Verdict.YES if claimed else Verdict.NO)
        unshared_ = unshared(ask, composition, self.lexicon)
        if unshared_:  # "上海的跟国家的一样吗？" where their lists differ
            return AskPlan(ask, Outcome.VERDICT, composition, Verdict.NO, unshared=unshared_)
        if not ask.proposed:
            text = claimed_document_text(ask, composition) or text
        claimed_duty = duty(ask, self.lexicon)
        if ask.proposed and self.lexicon.claims["only"].match(claimed_duty):
            claimed_duty = ""  # "只能补两成": a cap, checked as a figure
        if claimed_duty and self.subject_share_in(ask, text) > 0 and not self.lexicon.claims["obliges"].search(text):
            return AskPlan(ask, Outcome.VERDICT, composition, Verdict.NO, duty=claimed_duty)  # "是不是必须…": no
        if not ask.proposed:
            return self._claim_plan(ask, composition, text)
        return self._figure_plan(ask, composition, chunks, text, lead)

    def _claim_plan(self, ask: Ask, composition: Composition, text: str) -> AskPlan:
        """A claim without figures, against the quoted text."""
        share = self.subject_share_in(ask, text)
        if requirement_unset(ask, text, self.lexicon) or composition.unindexed and composition.unindexed in ask.text:
            return self.not_covered(ask, composition)  # no requirement set; a place no document covers
        if share < self.subject_share / 2:  # the evidence speaks of little of what the proposition names
            return self.not_covered(ask, composition)
        missing = "、".join(w for w in ask.subject if self.idf(w) <= 0 or not self._says(text, w))
        verdict = issuer_verdict(ask.text, composition) or self._claim_verdict(ask, text, share)
        return AskPlan(ask, Outcome.VERDICT, composition, verdict, missing=missing)

    def _figure_plan(
        self, ask: Ask, composition: Composition, chunks: Sequence[Chunk], text: str, lead: Document | None
    ) -> AskPlan:
        """A claim of figures: each proposed figure against the document's own (`lead`: the quoted document)."""
        issued = [p for p in ask.proposed if p.kind is Kind.YEAR and ISSUED_YEAR.match(ask.text[p.start :])]
        if issued and lead is not None and lead.date:  # "是某年出的吧？": the year the document bears
            right = all(int(p.value) == int(lead.date[:4]) for p in issued)
            span = f"成文日期为{cn_date(lead.date)}"
            dated = PolicyFact(lead.title, "成文日期", Comparator.EQUAL, Kind.DATE.value, 0.0, "", span, "")
            return AskPlan(ask, Outcome.VERDICT, composition, Verdict.YES if right else Verdict.NO, facts=(dated,))
        own = part_date(text, composition) if any(p.kind is Kind.DATE for p in ask.proposed) else None
        if own is not None:  # "解读是1月23日发布的吗？": the part's own date
            right = all(compare_figure(p, figures(own.span)) is Verdict.YES for p in ask.proposed)
            return AskPlan(ask, Outcome.VERDICT, composition, Verdict.YES if right else Verdict.NO, facts=(own,))
        found = self._about_subject(
            ask, composition, evidence_figures(text, composition, {p.kind for p in ask.proposed})
        )
        outcomes = [
            self._past_cap(ask, p, text, found) or compare_figure(p, found, more_than(ask, p, self.lexicon))
            for p in ask.proposed
        ]
        if all(o is Verdict.NOT_STATED for o in outcomes) and self.subject_share_in(ask, text) < self.subject_share / 2:
            return self.not_covered(ask, composition)  # neither the figure nor what it is of is in the evidence
        if any(o is Verdict.NO for o in outcomes) or total_not_each(ask, text, self.lexicon):
            verdict = Verdict.NO
        elif all(o is Verdict.YES for o in outcomes):
            verdict = Verdict.YES
        else:
            verdict = Verdict.NOT_STATED
        elsewhere = said_elsewhere(ask, composition, chunks, text) if verdict is Verdict.NO else ()
        quoted = [f for c in composition.chosen for f in c.chunk.facts if f.sentence in text]
        kinds = {p.kind.value for p in ask.proposed}  # the document's figures of the kind proposed lead
        facts = tuple(dict.fromkeys(sorted(quoted, key=lambda f: f.kind not in kinds)))
        return AskPlan(ask, Outcome.VERDICT, composition, verdict, facts=facts, elsewhere=elsewhere)
