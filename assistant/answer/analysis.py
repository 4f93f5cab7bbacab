"""The question, analysed once: normalised text, the asks it holds, and the context around them.

A message is cut into clauses. Greetings and politeness are dropped; statements without a question cue
("我们是做新材料的企业，想新建一个中试平台") are context, which helps retrieval but never counts against
covering an ask; every clause with a cue is an ask, with its intent, its subject words and, for a yes/no
ask, the figures it proposes. The rules are data in assistant/resources (asks.txt, intents.txt, noise.txt,
generic.txt, glossary_en.txt, spelling.txt).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from assistant.answer.asks import VAGUE_COUNT, Facet, FacetScope, facets
from assistant.answer.normalize import Repair, Speller, normalize
from assistant.answer.rule_files import resource_rows, resource_words, word_pattern
from assistant.core.figures import Figure, Kind, figures
from assistant.index.lexical import ChineseTokenizer

ENGLISH_SHARE = 0.5
ENGLISH_ASKS = re.compile(
    r"\?|,\s*and\s+(?=(?:(?:on|in|at|by|for|from|to|under)\s+)?(?:what|who|when|which|how|where|is|are|does|do|can)\b)",
    re.IGNORECASE,
)
ENGLISH_SENTENCES = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])")  # "…in Shanghai. What is…": two sentences
QUESTION_MARK = re.compile(r"[？?]\s*$")
CN_DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")
MONTHS = "january february march april may june july august september october november december".split()
TARGET_YEAR = word_pattern("analysis.target_year")
TARGET_YEAR_AFTER = word_pattern("analysis.target_year_after")
ISSUED_YEAR = re.compile(
    r"^\d{4}年(?:\d{1,2}月|底|初|末|年底|年初)?(?:出台|印发|发布|发的|出的|成文|签发|下发|制定)"
)  # a date claim
# a figure of the asker's own ("我们三千万的项目能申请吗"): it describes their case, it proposes no rule
ASKERS_FIGURE = word_pattern("analysis.askers_figure")
# the marker of the next item an enumeration cut leaves at a piece's end ("…怎么评价？2.", "信息：（1）")
ITEM_MARKER = re.compile(
    r"(?:^|[：:；;，,。？?\s]+)(?:[（(][一二三四五六七八九\d][）)]|[1-9][.、．]?|[一二三四五六七八九]是)\s*$"
)
APPROXIMATE = word_pattern("analysis.approximate")
FIGURE_WORD = re.compile(r"[\d.%]+|[一二两三四五六七八九十百千万几]+[家个项条种批所座名成倍]")  # "三家": a figure


class Intent(Enum):
    DOC_NUMBER = "doc_number"
    ISSUER = "issuer"
    RECIPIENTS = "recipients"
    DEADLINE = "deadline"
    DATE = "date"
    DURATION = "duration"
    RATIO = "ratio"
    AMOUNT = "amount"
    COUNT = "count"
    RESPONSIBLE = "responsible"
    PLACE = "place"
    PROCEDURE = "procedure"
    DEFINITION = "definition"
    CONDITION = "condition"
    LIST = "list"
    OTHER = "other"


VALUE_INTENTS = frozenset({Intent.AMOUNT, Intent.RATIO, Intent.COUNT})
INTENT_FIGURES = {Intent.AMOUNT: Kind.MONEY, Intent.RATIO: Kind.PERCENT, Intent.COUNT: Kind.COUNT}
META_INTENTS = frozenset({Intent.DOC_NUMBER, Intent.ISSUER, Intent.RECIPIENTS, Intent.DATE})


@dataclass(frozen=True)
class IntentRule:
    intent: Intent
    asks: re.Pattern[str]
    answers: re.Pattern[str] | None  # a sentence that answers the intent holds this


@dataclass(frozen=True)
class Ask:
    text: str
    intent: Intent
    yes_no: bool
    proposed: tuple[Figure, ...]  # figures a yes/no ask puts forward ("是不是最高1亿？")
    subject: tuple[str, ...]  # its own words that name what it is about (generic words left out)
    asked: tuple[tuple[str, ...], ...] = ()  # the subject words of each segment that asks ("…多少钱，占比重多少")
    facets: tuple[Facet, ...] = ()  # the details it requests (a deadline, a fee, who verifies): see facets.txt
    # "是按季度还是按年度发放？": the words only one of the two alternatives says, each side's
    alternatives: tuple[tuple[str, ...], tuple[str, ...]] | None = None


@dataclass(frozen=True)
class QuestionAnalysis:
    original: str
    normalized: str
    english: bool
    context: str  # statements around the asks (company background, plans)
    asks: tuple[Ask, ...]
    repairs: tuple[Repair, ...] = ()


class Lexicon:
    """The answer-stage word lists and patterns, loaded once per Assistant."""

    def __init__(self, tokenizer: ChineseTokenizer):
        self.tokenizer = tokenizer
        rows = {name: pattern for name, pattern in resource_rows("asks.txt")}
        self.cue = re.compile(rows["cue"], re.IGNORECASE)
        self.split = re.compile(rows["split"])
        self.another = re.compile(rows["another"])
        self.enum = re.compile(rows["enum"])
        self.yes_no = re.compile(rows["yesno"], re.IGNORECASE)
        self.wh = re.compile(rows["wh"], re.IGNORECASE)
        self.choice = re.compile(rows["choice"])
        self.request = re.compile(rows["request"])
        self.tell = re.compile(rows["tell"])
        self.elliptic = re.compile(rows["elliptic"])
        self.artefacts = frozenset(resource_words("named_artefacts.txt"))  # what a request asks to be sent
        self.noise = [re.compile(line, re.IGNORECASE) for line in resource_words("noise.txt", lines=True)]
        self.generic = frozenset(resource_words("generic.txt"))
        # what a word naming a document or a body ends with: the genre of a title, a body's kind, 文件/文号
        ends = {name: tuple(words.split()) for name, words in resource_rows("subject_ends.txt")}
        self.naming_words = tuple(resource_words("doc_genres.txt")) + ends["naming"]
        self.measure_words = ends["measure"]
        self.intents = [
            IntentRule(Intent(name), re.compile(asks, re.IGNORECASE), None if answers == "-" else re.compile(answers))
            for name, asks, answers in resource_rows("intents.txt")
        ]
        self.glossary = sorted(
            ((en.lower(), zh) for en, zh in resource_rows("glossary_en.txt")), key=lambda p: -len(p[0])
        )
        self.intro = re.compile(rows["intro"])
        self.claims = {name: re.compile(pattern) for name, pattern in resource_rows("claims.txt")}
        self.speller = Speller(set(resource_words("spelling.txt")) | tokenizer.domain, tokenizer.is_word)
        self.facets = facets()
        self.facets_asked_by: dict[str, list[Facet]] = {}
        for facet in self.facets:
            for word in facet.asks:
                self.facets_asked_by.setdefault(word, []).append(facet)
        self.facet_words = tuple(self.facets_asked_by)
        self.named_kinds = frozenset(resource_words("named_kinds.txt"))  # a list of these must name one
        self.details = frozenset(resource_words("detail_words.txt"))  # a detail of what an ask before asked about

    def rule(self, intent: Intent) -> IntentRule | None:
        return next((r for r in self.intents if r.intent is intent), None)


def is_english(text: str) -> bool:
    letters = [c for c in text if not c.isspace()]
    return bool(letters) and sum(c.isascii() and c.isalpha() for c in letters) / len(letters) > ENGLISH_SHARE


def translate(text: str, lexicon: Lexicon) -> str:
    """An English message as Chinese asks: each question ("…issued, and what is its number?") as the Chinese
    words of the glossary it uses, its figures and its cue; a sentence that tells ("Our company is a
    foreign-invested maker.") as words without a cue, the asker's background."""
    out: list[str] = []
    for sentence in ENGLISH_SENTENCES.split(text.strip()):
        if re.search(r"[.!]\W*$", sentence):
            out.append(_translate_one(sentence, lexicon, asked=False).rstrip("。") + "。")
            continue
        for question in (q.strip() for q in ENGLISH_ASKS.split(sentence) if q and q.strip(" ,.?")):
            asked = _translate_one(question, lexicon)
            if asked in ("？", "吗？") and out and out[-1].endswith("。"):  # "I heard X. Is that right?"
                asked = out.pop()[:-1] + asked
            out.append(asked)
    return "".join(w for w in out if w != "。") or _translate_one(text, lexicon)


def english_dates(text: str) -> str:
    """ "16 January 2024", "January 16, 2024" → "2024年1月16日", as the documents write a date."""

    def day_first(m: re.Match[str]) -> str:
        return f"{m.group(3)}年{MONTHS.index(m.group(2).lower()) + 1}月{int(m.group(1))}日"

    def month_first(m: re.Match[str]) -> str:
        return f"{m.group(3)}年{MONTHS.index(m.group(1).lower()) + 1}月{int(m.group(2))}日"

    names = "|".join(MONTHS)
    text = re.sub(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({names})\s*,?\s+(\d{{4}})\b", day_first, text, flags=re.I)
    return re.sub(rf"\b({names})\s+(\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s+(\d{{4}})\b", month_first, text, flags=re.I)


def _translate_one(text: str, lexicon: Lexicon, asked: bool = True) -> str:
    text = english_dates(text)
    dates = [(m.start(), m.group(0)) for m in CN_DATE.finditer(text)]
    text = CN_DATE.sub(lambda m: " " * len(m.group(0)), text)
    lowered = " " + re.sub(r"[^\w%.&'-]+", " ", text.lower()) + " "
    found: list[tuple[int, str]] = []
    for english, chinese in lexicon.glossary:
        for match in re.finditer(rf"(?<=\W){re.escape(english)}(?=\W)", lowered):
            found.append((match.start(), chinese))
            lowered = lowered[: match.start()] + " " * len(english) + lowered[match.end() :]
    numbers = [(m.start(), m.group(0)) for m in re.finditer(r"\d+(?:\.\d+)?\s*(?:%|million|billion)?", lowered)]
    words = "".join(w for _, w in sorted(found + numbers + dates))
    if not asked:
        return words + "。"
    return words + ("吗？" if lexicon.yes_no.search(text) else "？")


def _strip_noise(clause: str, lexicon: Lexicon) -> str:
    changed = True
    while changed and clause:
        changed = False
        for pattern in lexicon.noise:
            stripped = pattern.sub("", clause, count=1).strip(" ，,。.!！～~、：:")
            if stripped != clause:
                clause, changed = stripped, True
    return clause


def clauses(text: str, lexicon: Lexicon) -> list[tuple[str, bool]]:
    """The message cut where sentences end and where an enumeration (一是…二是…) starts an item; each piece
    with whether a question mark closed it."""
    pieces: list[tuple[str, bool]] = []
    at = 0
    for end in [m.end() for m in lexicon.split.finditer(text)] + [len(text)]:
        part, marked = text[at:end], bool(QUESTION_MARK.search(text[at:end]))
        at = end
        cuts = [m.end() for m in lexicon.enum.finditer(part)]
        starts = [0, *cuts]
        pieces += [(part[a:b], marked) for a, b in zip(starts, [*cuts, len(part)])]
    trimmed = [(ITEM_MARKER.sub("", p).strip(" ，,；;：:？?！!。\n"), marked) for p, marked in pieces]
    return [(p, marked) for p, marked in trimmed if p]


def _introduction(clause: str, lexicon: Lexicon) -> str:
    """The leading segments that introduce the asker ("我们是做新材料的企业，"), without a question cue."""
    segments = re.split(r"(?<=[，,])", clause)
    taken = ""
    for segment in segments[:-1]:
        if lexicon.cue.search(segment) or not (taken or lexicon.intro.search(segment)):
            break
        if taken and not lexicon.intro.search(segment):
            break
        taken += segment
    return taken


def subject_words(text: str, lexicon: Lexicon) -> tuple[str, ...]:
    words = []
    unknown = lexicon.tokenizer.unknown_words(text)  # a word the dictionary lacks, not its characters one by one
    for token in [t for t in lexicon.tokenizer.tokens(text) if not any(t in u for u in unknown)] + unknown:
        if len(token) < 2 or token in lexicon.generic or FIGURE_WORD.fullmatch(token):
            continue
        if any(r.asks.fullmatch(token) for r in lexicon.intents) or lexicon.cue.fullmatch(token):
            continue
        words.append(token)
    return tuple(dict.fromkeys(words))


def focus(text: str, lexicon: Lexicon) -> str:
    """The part of an ask that asks: its segments from the one before the question cue on ("国家解读让地方…，
    上海对新建中试平台的设备投资给多少钱" → the last segment)."""
    segments = [s for s in re.split(r"[，,]", text) if s.strip()]
    cued = max((i for i, s in enumerate(segments) if lexicon.cue.search(s)), default=len(segments) - 1)
    start = cued if len(subject_words(segments[cued], lexicon)) >= 2 else max(cued - 1, 0)
    return "，".join(segments[start:])


def requested(asked: str, message: str, yes_no: bool, lexicon: Lexicon) -> tuple[Facet, ...]:
    """The facets the part of an ask that asks requests; a facet of the asker ("外资") may be said anywhere in
    the message when the ask is whether they may ("我们是德资企业，能申请吗？")."""
    texts = {FacetScope.ASK: asked.lower(), FacetScope.MESSAGE: (message if yes_no else asked).lower()}
    found = {
        f
        for scope, text in texts.items()
        for w in lexicon.facet_words
        if w in text
        for f in lexicon.facets_asked_by[w]
        if f.scope is scope and lexicon.tokenizer.says(text, w)
    }
    return tuple(f for f in lexicon.facets if f in found)


def make_ask(text: str, lexicon: Lexicon, marked: bool = False, message: str = "") -> Ask:
    """`marked`: the clause ended with a question mark; a statement so marked ("全球第一？") is a yes/no ask.
    `message`: the whole message the ask comes from."""
    asked = focus(text, lexicon)
    intent = next((r.intent for r in lexicon.intents if r.asks.search(asked)), None) or next(
        (r.intent for r in lexicon.intents if r.asks.search(text)), Intent.OTHER
    )
    alternatives = _alternatives(text, lexicon)
    requested_ = bool(lexicon.request.search(text))
    yes_no = (
        not alternatives
        and not requested_
        and (bool(lexicon.yes_no.search(text)) or (marked and not lexicon.wh.search(text)))
    )
    proposed = tuple(f for f in figures(text) if _proposes(f, text)) if yes_no else ()
    segments = [seg for seg in re.split(r"[，,]", text) if lexicon.cue.search(seg)]
    per_segment = tuple(words for seg in segments if (words := subject_words(seg, lexicon)))
    asking = "，".join([*segments, asked])  # every segment with a question cue asks ("有效期多久，能延期吗")
    facets_ = requested(asking, message or text, yes_no, lexicon)
    subject = subject_words(asked, lexicon)
    return Ask(text, intent, yes_no, proposed, subject, per_segment, facets_, alternatives)


def _alternatives(asked: str, lexicon: Lexicon) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The two sides of "A还是B" (a segment each), by the words only that side says, or by the side's own
    text when they share every word ("先审后建还是先建后审")."""
    match = lexicon.choice.search(asked)
    if match is None:
        return None
    left = next((s for s in reversed(re.split(r"[，,]", asked[: match.start()])) if s.strip()), "")
    left = left.rsplit("是", maxsplit=1)[-1]  # "服务券是发给企业": the side is what follows 是
    right = asked[match.end() :].rstrip("？?")
    if re.search(r"[，,]", right):  # "还是懵的，你给我讲讲": 还是 says "still", a choice ends the ask
        return None
    right = right.rsplit("是", maxsplit=1)[-1]
    one, other = subject_words(left, lexicon), subject_words(right, lexicon)
    sides = tuple(w for w in one if w not in other), tuple(w for w in other if w not in one)
    if not all(sides):
        sides = (_side_text(left, right),), (_side_text(right, left),)
    return sides if all(sides) else None


def _side_text(side: str, other: str) -> str:
    """A side of a choice without what both sides start with ("按次发放" against "按项目发放": 次发放)."""
    shared = next((n for n in range(min(len(side), len(other))) if side[n] != other[n]), min(len(side), len(other)))
    return side[shared:].rstrip("的呀呢啊吧")


def _proposes(figure: Figure, text: str) -> bool:
    """A figure the ask puts forward: not "一个"; a year only as a target ("到2025年建成…")."""
    after = text[figure.start :]
    if figure.kind is Kind.YEAR:
        return bool(
            TARGET_YEAR.search(text[: figure.start]) or TARGET_YEAR_AFTER.match(after) or ISSUED_YEAR.match(after)
        )
    return figure.text not in VAGUE_COUNT and not ASKERS_FIGURE.match(after[len(figure.text) :])


def _same_intent(previous: Ask, ask: Ask) -> bool:
    """The same value asked twice in other words ("按多大比例补贴？是投资额的百分之几？")."""
    return ask.intent is previous.intent and ask.intent in VALUE_INTENTS and not ask.yes_no


def _again(previous: Ask, ask: Ask, clause: str, lexicon: Lexicon) -> bool:
    """The clause asks the ask before again ("按多大比例？是百分之几？") or completes it ("如不属实，正确的标准是
    什么？"); a value it says is another one ("最高金额又是多少？") is an ask of its own."""
    if ask.intent in VALUE_INTENTS and (lexicon.another.search(clause) or set(ask.facets) - set(previous.facets)):
        return False  # "目前已经认定了多少家？" after "到2027年要建多少家？": another value, of its own detail
    if ask.intent is not previous.intent and ask.intent not in (Intent.OTHER, Intent.LIST):
        return False  # "哪两个部门印发的？什么日期？", "哪个先出来的？各自日期是多少？": another kind of value
    return not ask.subject and not ask.proposed or _same_intent(previous, ask)


def _mixed(clause: str, lexicon: Lexicon) -> list[str]:
    """A clause that asks for something and then whether it holds for the asker ("要重点突破哪些关键技术，和我们
    业务有没有关系") is two asks: the second must not make the first a yes/no one."""
    segments = re.split(r"(?<=[，,])", clause)
    for i in range(1, len(segments)):
        head, tail = "".join(segments[:i]), "".join(segments[i:])
        asking = APPROXIMATE.sub("", segments[i - 1])  # "搞中试十几年了" asks nothing
        asks_what = lexicon.wh.search(asking) and not lexicon.yes_no.search(head)
        if asks_what and lexicon.yes_no.search(tail) and not lexicon.wh.search(tail) and subject_words(tail, lexicon):
            return [head.rstrip("，,"), tail]
    return [clause]


def _add(asks: list[Ask], clause: str, marked: bool, message: str, lexicon: Lexicon) -> None:
    if asks and lexicon.choice.match("，" + clause, 1):  # "按季度发？还是按年度发？": the other side of a choice
        asks.append(make_ask(asks.pop().text + "，" + clause, lexicon, marked, message))
        return
    ask = make_ask(clause, lexicon, marked, message)
    if asks and not _again(asks[-1], ask, clause, lexicon):
        told = [s for s in re.split(r"[，,]", asks[-1].text) if not lexicon.cue.search(s)]
        if told and not ask.subject:  # "最高金额又是多少": asked of what the ask before was told about
            ask = make_ask("，".join([*told, clause]), lexicon, marked, message)
    elif asks:
        previous = asks.pop()  # "如不属实，正确的标准是什么？", "按多大比例？是百分之几？": the ask before, again
        ask = make_ask(previous.text + "，" + clause, lexicon, message=message)
        intent = previous.intent if ask.intent is Intent.OTHER else ask.intent
        ask = Ask(ask.text, intent, previous.yes_no, previous.proposed, previous.subject, facets=ask.facets)
    asks.append(ask)


def analyse(question: str, lexicon: Lexicon) -> QuestionAnalysis:
    english = is_english(question)
    source = translate(question, lexicon) if english else question
    text, repairs = normalize(source, lexicon.speller)
    context: list[str] = []
    asks: list[Ask] = []
    for written, marked in clauses(text, lexicon):
        clause = _strip_noise(written, lexicon)
        if not clause:
            continue
        if not lexicon.cue.search(clause) and not marked and not lexicon.tell.search(written):
            context.append(clause)
            continue
        intro = _introduction(clause, lexicon)
        if intro:
            context.append(intro)
            clause = clause[len(intro) :].lstrip(" ，,")
        for part in _mixed(clause, lexicon):
            _add(asks, part, marked, text, lexicon)
    if not asks:  # a statement asks too ("想了解一下中试服务券")
        joined = "，".join(context) or text
        asks, context = [make_ask(joined, lexicon, message=text)], []
    return QuestionAnalysis(question, text, english, "，".join(context), tuple(asks), repairs)
