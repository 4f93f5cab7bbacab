"""Resolve a question that leans on the conversation ("那已建的呢？", "它的文号是多少？")."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from assistant.answer.rule_files import word_pattern
from assistant.core.records import TermOrigin, Turn
from assistant.core.settings import AnswerTuning
from assistant.index.lexical import ChineseTokenizer

ITEM = "点条项个种类"  # 第三点, 第二种: an item of the list just discussed
ELLIPTICAL = re.compile(
    rf"^(那|那么|还有|另外|此外|它|这|该|其|同样|如果|再)|第[一二三四五六七八九十\d]+[{ITEM}]|它|这个|这份|该文件|上述|其中|呢[？?]?$|呢，"
)


@dataclass(frozen=True)
class Resolved:
    question: str  # as shown to the user
    query_text: str  # what the dense retriever embeds
    terms: dict[str, float]
    own_terms: dict[str, float]  # the current question's own terms
    jurisdiction: str | None  # named in the question or implied by the conversation
    followup: bool
    named: frozenset[str] = frozenset()  # jurisdictions the question itself names
    phrases: tuple[str, ...] = ()  # exact phrases a good chunk contains (definitions, quoted headings)
    ordinal: str | None = None  # "三是" when the follow-up asks for another item of the list just discussed
    anchor: str = ""  # the previous answer, where that list item was named
    previous_terms: tuple[str, ...] = ()  # the previous question's own words, for a follow-up
    origins: Mapping[str, TermOrigin] = field(default_factory=dict)  # where each of `terms` comes from

    def own_words(self) -> list[str]:
        """The question's own words, without their synonyms."""
        return [t for t in self.own_terms if self.origins.get(t) is TermOrigin.OWN]


Places = Mapping[str, re.Pattern]


def named_jurisdictions(text: str, places: Places) -> set[str]:
    return {name for name, pattern in places.items() if pattern.search(text)}


def is_elliptical(question: str, tuning: AnswerTuning) -> bool:
    return len(question) <= tuning.elliptical_chars or bool(ELLIPTICAL.search(question))


def resolve(
    question: str,
    history: list[Turn],
    tokenizer: ChineseTokenizer,
    places: Places,
    tuning: AnswerTuning,
    context: str = "",
) -> Resolved:
    """`context` is what the message says around the ask (the asker's situation): it steers retrieval and the
    jurisdiction but is not part of what the ask must be covered on."""
    resolved = _resolve(question, history, tokenizer, places, tuning)
    if not context:
        return resolved
    terms, origins = dict(resolved.terms), dict(resolved.origins)
    for term, weight in tokenizer.query_terms(context, tuning.synonym_weight).items():
        terms.setdefault(term, weight * tuning.previous_weight)
        origins.setdefault(term, TermOrigin.CONTEXT)
    jurisdiction = resolved.jurisdiction or _single(named_jurisdictions(context, places))
    query_text = f"{context} {resolved.query_text}"
    return replace(resolved, terms=terms, origins=origins, jurisdiction=jurisdiction, query_text=query_text)


def _resolve(
    question: str, history: list[Turn], tokenizer: ChineseTokenizer, places: Places, tuning: AnswerTuning
) -> Resolved:
    own = tokenizer.query_terms(question, tuning.synonym_weight)
    origins = tokenizer.query_origins(question)
    named = named_jurisdictions(question, places)
    users = [t.content for t in history if t.role == "user" and t.content.strip()]
    answers = [t.content for t in history if t.role == "assistant" and t.content.strip()]
    phrases = definition_phrases(question, tokenizer)
    if not users or not is_elliptical(question, tuning):
        return Resolved(question, question, own, own, _single(named), False, frozenset(named), phrases, origins=origins)
    previous = users[-1]
    terms = dict(own)
    previous_origins = tokenizer.query_origins(previous)
    for term, weight in tokenizer.query_terms(previous, tuning.synonym_weight).items():
        terms.setdefault(term, weight * tuning.previous_weight)
        origins.setdefault(term, TermOrigin.CONTEXT)
    if answers:
        for term, weight in tokenizer.query_terms(answers[-1][:300], tuning.synonym_weight).items():
            terms.setdefault(term, weight * tuning.answer_weight)
            origins.setdefault(term, TermOrigin.ANSWER)
    jurisdiction = _single(named)
    if not named:
        jurisdiction = _single(named_jurisdictions(previous, places)) or _single(
            named_jurisdictions(answers[-1][:200], places) if answers else set()
        )
    shown = f"{question}（接上文：{previous}）"
    ordinal = ordinal_phrases(question)
    item = re.search(rf"{ordinal[0]}([^；;。，,\n]{{2,30}})", answers[-1]) if ordinal and answers else None
    for term in (
        tokenizer.query_terms(item.group(1), tuning.synonym_weight) if item else ()
    ):  # "第一种" is the item the answer named
        terms[term] = max(terms.get(term, 0.0), tuning.item_weight)
        if origins.get(term) not in (TermOrigin.OWN, TermOrigin.SYNONYM):
            origins[term] = TermOrigin.ITEM
    return Resolved(
        shown,
        f"{previous} {question}",
        terms,
        own,
        jurisdiction,
        True,
        frozenset(named),
        phrases + ordinal,
        ordinal[0] if ordinal else None,
        answers[-1] if answers else "",
        tuple(t for t, o in previous_origins.items() if o is TermOrigin.OWN),
        origins,
    )


DEFINITION = [
    re.compile(
        r"(?:什么是|什么叫|啥叫|何为|何谓|(?:怎么|如何|怎样)(?:定位|定义|界定))(?P<x>[^，。？?]+?)(?:的|呢)?(?=$|[，。？?])"
    ),
    re.compile(
        r"(?P<x>[^，。？?]+?)(?:到底)?(?:指的是什么|是个什么|是什么|是个啥|是啥|啥意思|指什么|是指什么|的定义|的含义|怎么定义|如何定义|怎么界定|如何界定|的定位)"
    ),
]
QUOTED_TERM = re.compile(r"[“\"‘「]([^”\"’」]{1,12})[”\"’」]")  # "对“中试”是怎么定义的": the term defined
# words that name where the definition is looked up ("解读里…", "国家文件对…"), not the term
LOOKUP_WORDS = frozenset("国家 上海 解读 文件 方案 意见 实施意见 实施方案 通知 政策 里面 官方".split())
ORDINAL = re.compile(rf"第([一二三四五六七八九十])[{ITEM}]")


def definition_phrases(question: str, tokenizer: ChineseTokenizer) -> tuple[str, ...]:
    """ "什么是中试？" → ("中试是",): a defining sentence starts with the term."""
    if ORDINAL.search(question):
        return ()
    for pattern in DEFINITION:
        match = pattern.search(question)
        if match:
            quoted = QUOTED_TERM.search(match.group("x"))
            if quoted:
                return (f"{quoted.group(1)}是",)
            words = [t for t in tokenizer.tokens(match.group("x").rstrip("的")) if len(t) > 1]
            words = [t for t in words if t not in LOOKUP_WORDS] or words
            if words:
                term = max(words, key=len)
                return (f"{term}是",)
    return ()


def ordinal_phrases(question: str) -> tuple[str, ...]:
    """ "那第三点是什么？" → ("三是",), the enumeration item it points at."""
    match = ORDINAL.search(question)
    return (f"{match.group(1)}是",) if match else ()


def _single(names: set[str]) -> str | None:
    return next(iter(names)) if len(names) == 1 else None


SWITCH_FILLER = word_pattern("followup.switch_filler")


def switch_document(
    question: str, history: list[Turn], places: Places, tuning: AnswerTuning, titles: Sequence[str] = ()
) -> str | None:
    """ "国家那份呢？" after "上海方案的文号是多少？": the previous question asked of the document now named
    ("国家 的文号是多少？"), or None when the question is not such a switch; a document the previous question
    named by its title (`titles`: the indexed ones) is left out with its place."""
    named = named_jurisdictions(question, places)
    users = [t.content for t in history if t.role == "user" and t.content.strip()]
    if not users or not named or not is_elliptical(question, tuning):
        return None
    rest = question
    for pattern in places.values():
        rest = pattern.sub("", rest)
    if SWITCH_FILLER.sub("", rest):
        return None  # the follow-up asks something of its own ("国家那份的补贴呢？")
    previous = users[-1]
    for title in sorted(titles, key=len, reverse=True):
        previous = previous.replace(f"《{title}》", "").replace(title, "")
    for pattern in places.values():
        previous = pattern.sub("", previous)
    said = "".join(m.group(0) for slug in sorted(named) if (m := places[slug].search(question)))
    return f"{said}{previous}"
