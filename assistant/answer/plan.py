"""The answer plan: for every ask, answered, a verdict, or not covered, decided from the evidence found.

An ask is not covered when the evidence lacks what its intent asks for (a figure of the asked kind attached
to the ask's subject, a date, a duration, a body) even if a clause on the topic was found: the clause is then
given as the nearest one, never as the answer.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from assistant.answer.analysis import INTENT_FIGURES, META_INTENTS, Ask, Intent, Lexicon, QuestionAnalysis, focus
from assistant.answer.asks import VAGUE_COUNT
from assistant.answer.candidates import quote
from assistant.answer.compose import Composition
from assistant.core.figures import Figure, Kind, figures
from assistant.core.planted import is_instruction
from assistant.core.records import Chunk, PolicyFact

QUOTED = re.compile(r"[“\"]([^”\"]{1,12})[”\"]")
ISSUE_ASK = re.compile(r"印发|发文|发布|联合|牵头")
ORGAN = re.compile(
    r"(?:^|[是由有和与及、，,])([\u4e00-\u9fff]{1,10}?(?:人民政府|委员会|发展改革委|发改委|经信委|教委|科委|委|局|部|厅|办公室|办公厅))"
)
ENUMERATION = re.compile(r"[^、，。]+、[^、，。]+、[^、，。]+")  # three or more items in a row
SEVERAL = re.compile(r"分别|各自|各是|区别|比较|对比")
SOME = 1e-9
INTENT_LABELS = {
    Intent.AMOUNT: "具体金额",
    Intent.RATIO: "具体比例",
    Intent.COUNT: "具体数量",
    Intent.DATE: "具体日期",
    Intent.DEADLINE: "截止时间",
    Intent.DURATION: "时间或年限要求",
    Intent.RESPONSIBLE: "负责的机构",
    Intent.PLACE: "具体地点",
    Intent.PROCEDURE: "办理流程",
}


class Outcome(Enum):
    ANSWERED = "answered"
    VERDICT = "verdict"
    NOT_COVERED = "not_covered"


class Verdict(Enum):
    YES = "yes"
    NO = "no"
    NOT_STATED = "not_stated"


@dataclass(frozen=True)
class AskPlan:
    ask: Ask
    outcome: Outcome
    composition: Composition
    verdict: Verdict | None = None
    missing: str = ""  # what the documents do not say, for a not-covered ask or an unstated verdict
    facts: tuple[PolicyFact, ...] = ()  # the figures that answer a value ask, attached to its subject
    elsewhere: tuple[PolicyFact, ...] = ()  # where a figure the user proposed does stand (another subject)


@dataclass(frozen=True)
class AnswerPlan:
    analysis: QuestionAnalysis
    asks: tuple[AskPlan, ...]

    @property
    def refused(self) -> bool:
        return all(p.outcome is Outcome.NOT_COVERED for p in self.asks)


class Planner:
    def __init__(self, lexicon: Lexicon, idf, synonyms: dict[str, list[str]], subject_share: float):
        self.lexicon = lexicon
        self.idf = idf
        self.synonyms = synonyms
        self.subject_share = subject_share

    def _says(self, text: str, word: str) -> bool:
        lowered = text.lower()  # subject words are lower case: "ai" is said by "AI"
        return any(w in lowered for w in [word, *self.synonyms.get(word, [])])

    def subject_share_in(self, ask: Ask, text: str) -> float:
        """The idf share of the ask's subject words (those the documents use) that `text` says."""
        return self._share(ask.subject, text)

    def segment_share_in(self, ask: Ask, text: str) -> float:
        """The best share over the segments that ask ("花了多少钱，占全国比重多少": either may be answered)."""
        return max((self._share(words, text) for words in ask.asked), default=self._share(ask.subject, text))

    def _share(self, subject: tuple[str, ...], text: str) -> float:
        known = [(w, self.idf(w)) for w in subject if self.idf(w) > 0]
        known = [(w, i) for w, i in known if not any(w != u and w in u for u, _ in known)]
        total = sum(i for _, i in known)
        return sum(i for w, i in known if self._says(text, w)) / total if total else 1.0

    def attached(self, ask: Ask, composition: Composition, kind: Kind) -> tuple[PolicyFact, ...]:
        sentences = [c.text for c in composition.chosen]
        facts = [
            f
            for c in composition.chosen
            for f in c.chunk.facts
            if f.kind == kind.value
            and any(f.sentence in s or s in f.sentence for s in sentences)
            and not f.span.endswith(tuple(VAGUE_COUNT))  # "组织申报一批" says no number
        ]
        several = bool(SEVERAL.search(ask.text))  # "…分别是多少": each figure speaks of one of the subjects
        return tuple(
            dict.fromkeys(
                f for f in facts if self.segment_share_in(ask, _window(f)) >= (SOME if several else self.subject_share)
            )
        )

    def plan(self, ask: Ask, composition: Composition, chunks: Sequence[Chunk]) -> AskPlan:
        if composition.refused:
            return AskPlan(ask, Outcome.NOT_COVERED, composition, missing=composition.topic)
        text = "".join(c.text for c in composition.chosen)
        unmet = next((f for f in ask.facets if not f.answered_by(text)), None)
        if unmet is not None:  # the clause speaks of the subject, not of the detail asked for
            return AskPlan(ask, Outcome.NOT_COVERED, composition, missing=unmet.topic)
        if ask.yes_no and not self._asks_value(ask):
            return self._verdict(ask, composition, chunks)
        rule = self.lexicon.rule(ask.intent)
        if ask.intent in INTENT_FIGURES:
            facts = self.attached(ask, composition, INTENT_FIGURES[ask.intent])
            if not facts:
                return self._not_covered(ask, composition)
            return AskPlan(ask, Outcome.ANSWERED, _only_figures(composition, facts), facts=facts)
        if ask.intent not in META_INTENTS and rule and rule.answers and not rule.answers.search(text):
            return self._not_covered(ask, composition)
        return AskPlan(ask, Outcome.ANSWERED, composition)

    def _asks_value(self, ask: Ask) -> bool:
        """ "有没有提出…目标，是多少亿元？", "有没有说多久能办下来？": whether is asked on the way to a value (a
        figure, a duration, a body), which answers both."""
        rule = self.lexicon.rule(ask.intent)
        if ask.proposed or rule is None or ask.intent in META_INTENTS:
            return False
        asked = focus(ask.text, self.lexicon)  # the value is asked, not told before it ("搞中试十几年了，…")
        valued = ask.intent in INTENT_FIGURES or rule.answers is not None
        return valued and bool(rule.asks.search(asked) and self.lexicon.wh.search(asked))

    def _not_covered(self, ask: Ask, composition: Composition) -> AskPlan:
        subject = "".join(w for w in ask.subject if not any(w != u and w in u for u in ask.subject))[:20]
        missing = (
            f"{subject}的{INTENT_LABELS.get(ask.intent, '相关内容')}"
            if subject
            else INTENT_LABELS.get(ask.intent, "该问题")
        )
        return AskPlan(ask, Outcome.NOT_COVERED, composition, missing=missing)

    def _verdict(self, ask: Ask, composition: Composition, chunks: Sequence[Chunk]) -> AskPlan:
        text = "".join(c.text for c in composition.chosen)
        if not ask.proposed:
            share = self.subject_share_in(ask, text)
            if share < self.subject_share / 2:  # the evidence speaks of little of what the proposition names
                return self._not_covered(ask, composition)
            missing = "、".join(w for w in ask.subject if self.idf(w) <= 0 or not self._says(text, w))
            issuers = _issuer_verdict(ask.text, composition)
            if issuers is not None:
                verdict = issuers
            elif share >= 1.0:
                verdict = Verdict.YES
            else:  # a list that leaves out what the question quotes ("也包括“懂工艺”吗？") answers no
                quoted = QUOTED.findall(ask.text)
                verdict = (
                    Verdict.NO
                    if quoted and ENUMERATION.search(text) and not any(q in text for q in quoted)
                    else (Verdict.NOT_STATED)
                )
            return AskPlan(ask, Outcome.VERDICT, composition, verdict, missing=missing)
        found = _evidence_figures(text, composition, {p.kind for p in ask.proposed})
        outcomes = [_compare(p, found) for p in ask.proposed]
        if any(o is Verdict.NO for o in outcomes):
            verdict = Verdict.NO
        elif all(o is Verdict.YES for o in outcomes):
            verdict = Verdict.YES
        else:
            verdict = Verdict.NOT_STATED
        elsewhere: tuple[PolicyFact, ...] = ()
        if verdict is Verdict.NO:
            values = {(p.kind.value, p.value) for p in ask.proposed}
            chosen = {f.sentence for c in composition.chosen for f in c.chunk.facts if f.sentence in text}
            documents = {c.chunk.doc_id for c in composition.chosen}  # said of the quoted document only
            elsewhere = tuple(
                dict.fromkeys(
                    f
                    for c in chunks
                    if c.doc_id in documents
                    for f in c.facts
                    if (f.kind, f.value) in values and f.sentence not in chosen and not is_instruction(f.sentence)
                )
            )[:1]
        facts = tuple(dict.fromkeys(f for c in composition.chosen for f in c.chunk.facts if f.sentence in text))
        return AskPlan(ask, Outcome.VERDICT, composition, verdict, facts=facts, elsewhere=elsewhere)


def _only_figures(composition: Composition, facts: tuple[PolicyFact, ...]) -> Composition:
    """A value ask quotes the sentences that hold its figures, not their neighbours (what each document says
    stays when the quote spans several)."""
    keep = [c for c in composition.chosen if any(f.sentence in c.text or c.text in f.sentence for f in facts)]
    several = len({c.document.doc_id for c in composition.chosen}) > 1
    if several or not keep or len(keep) == len(composition.chosen):
        return composition
    return dataclasses.replace(quote(keep), rewritable=composition.rewritable)


def _window(fact: PolicyFact) -> str:
    """The part of the fact's sentence that leads to its figure: from the last "；" before it (a clause of its
    own) to the end of the figure's segment: "…最高可达1亿元；投入较大的中试线，通过一事一议…" gives 一事一议
    no figure."""
    at = fact.sentence.find(fact.span)
    if at < 0:
        return fact.sentence
    end = at + len(fact.span)
    tail = re.search(r"[，,；;。]", fact.sentence[end:])  # "按…的10%给予奖励": what the figure is for follows it
    return fact.sentence[fact.sentence.rfind("；", 0, at) + 1 : end + (tail.start() if tail else 0)]


def _evidence_figures(text: str, composition: Composition, kinds: set[Kind]) -> list[Figure]:
    """The figures of the quoted sentences; a date or 文号 they do not state is checked against the cited
    document's own."""
    quoted = figures(text)
    said = {f.kind for f in quoted}
    documents = list(dict.fromkeys(c.document for c in composition.chosen))
    stated = [
        f
        for d in documents
        for f in figures(" ".join(filter(None, [d.date and _cn_date(d.date), d.doc_number])))
        if f.kind in kinds and f.kind not in said
    ]
    return quoted + stated


def _subsequence(short: str, long: str) -> bool:
    chars = iter(long)
    return all(c in chars for c in short)


def _issuer_verdict(question: str, composition: Composition) -> Verdict | None:
    """ "是市发展改革委印发的吧？": the bodies the question names against the cited document's issuers (an
    abbreviation matches when its characters appear in order in the full name: 市教委 ~ 上海市教育委员会)."""
    if not ISSUE_ASK.search(question):
        return None
    named = [core for m in ORGAN.finditer(question) if (core := re.split(r"[是由有和与及的]", m.group(1))[-1])]
    issuers = [i for c in composition.chosen for i in c.document.issuers]
    if not named or not issuers:
        return None
    return Verdict.YES if all(any(_subsequence(n, i) for i in issuers) for n in named) else Verdict.NO


def _cn_date(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{year}年{int(month)}月{int(day)}日"


def _compare(proposed: Figure, found: list[Figure]) -> Verdict:
    same_kind = [f for f in found if f.kind is proposed.kind]
    if any(f.same_value(proposed) for f in same_kind):
        return Verdict.YES
    return Verdict.NO if same_kind else Verdict.NOT_STATED
