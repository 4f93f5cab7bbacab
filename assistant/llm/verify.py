"""Checks on a generated answer, sentence by sentence, against the numbered chunks it was given.

A sentence passes when it cites at least one chunk it was given, every number in it (Arabic or
Chinese numerals, with its unit: "1亿元", "30%", "五千万", "三成") occurs in the policy text of a
chunk it cites, and it neither repeats nor follows an instruction planted in a document. A chunk
that carries instruction-like text is quarantined: none of its words support an answer.
Pure functions, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.core.planted import instruction_in, is_instruction
from assistant.core.text import MARKER
from assistant.core.text import norm as plain_norm

ANY_MARKER = re.compile(r"[\[【［]\s*(\d{1,4}(?:\s*[,，、]\s*\d{1,4})*)\s*[\]】］]")
MARKERS_RUN = re.compile(r"(?:\s*" + MARKER.pattern + ")+")  # the markers after a sentence end
SENTENCE_END = "。！？!?\n"
OPEN_QUOTES, CLOSE_QUOTES = "“「『", "”」』"
MAX_QUOTE = 120  # an opening quote without its close does not swallow the rest of the answer
LIST_NUMBER = re.compile(r"^\s*(?:\d{1,2}[.、)）]|[(（]\d{1,2}[)）])\s*")
THOUSANDS = re.compile(r"(?<=\d)[,，](?=\d{3}(?!\d))")
UNIT = r"(?:%|‰|个百分点)?(?:万亿|亿|万|千)?(?:[美港欧日]?元|倍|年|个月|月|日|天|个工作日|个|家|项|人|次)?"
DIGITS = re.compile(r"(?<![\d.])\d+(?:\.\d+)?" + UNIT)
CN = "零〇一二两三四五六七八九十百千"
CN_NUMBER = re.compile(
    rf"百分之[{CN}点]+|[{CN}]+分之[{CN}]+|[{CN}万亿]*[{CN}](?:万亿|亿|万|千)(?:[美港欧日]?元)?|"
    rf"[{CN}]+(?:[美港欧日]?元|成|倍|年|个月|月|日|天|个工作日)|一半|半数|翻[一两]?番"
)
CN_NOT_NUMBER = re.compile(r"一是|二是|三是|一事一议|一批|一体|一流|一站式|一键|一网|统一|进一步|万一|千万不要")
QUOTED = re.compile(r"“[^”]*”|「[^」]*」|『[^』]*』")
MIN_QUOTE = 8
ECHO_CHARS = 10
PUNCT = re.compile(r"[，。！？；：、,.!?;:（）()《》“”「」『』]")

# Reasons a sentence fails. The first is dropped quietly; the others make the whole answer untrustworthy.
NO_CITATION = "no-citation"
BAD_MARKER = "bad-marker"
UNSUPPORTED_NUMBER = "unsupported-number"
MISATTRIBUTED = "number-of-another-subject"
INJECTION = "obeys-injected-instruction"
FATAL = {BAD_MARKER, UNSUPPORTED_NUMBER, MISATTRIBUTED, INJECTION}
CONTEXT_CHARS = 6
MISATTRIBUTION = 0.12  # measured: catches wording clearly from another sentence, no false alarms on paraphrases


def norm(text: str) -> str:
    """The compared form (assistant.core.text.norm) without thousands separators: 1,000万 → 1000万."""
    return THOUSANDS.sub("", plain_norm(text))


def normalize_markers(text: str) -> str:
    """ "[1,2]", "【1】", "［ 1 ］" → "[1][2]", "[1]", "[1]"."""
    return ANY_MARKER.sub(lambda m: "".join(f"[{int(n)}]" for n in re.split(r"\s*[,，、]\s*", m.group(1))), text)


@dataclass(frozen=True)
class Source:
    """One numbered chunk as the model saw it. A chunk with instruction-like text supports nothing."""

    full: str  # normalised text
    text: str  # normalised policy text: empty when the chunk carries planted instructions
    instructions: tuple[str, ...]  # normalised instruction-like sentences

    @classmethod
    def of(cls, text: str) -> Source:
        planted = tuple(norm(s) for s in split_sentences(text) if is_instruction(s))
        full = norm(text)
        return cls(full, "" if planted else full, planted)


@dataclass(frozen=True)
class Verdict:
    sentence: str
    markers: tuple[int, ...]
    reason: str | None = None  # None: the sentence passes
    detail: str = ""

    @property
    def fatal(self) -> bool:
        return self.reason in FATAL


def complete_prefix(buffer: str, final: bool = False) -> tuple[list[str], str]:
    """Split (streamed) text into complete sentences and the unfinished rest.

    A sentence keeps the citation markers that follow its closing punctuation ("…1亿元。[1]"), so
    while streaming it is complete only once something other than a marker follows. Sentence ends
    inside a quotation do not count, unless the quotation runs on for more than MAX_QUOTE characters.
    """
    done, start, i, depth, opened = [], 0, 0, 0, 0
    while i < len(buffer):
        ch = buffer[i]
        if ch in OPEN_QUOTES:
            depth, opened = depth + 1, (i if depth == 0 else opened)
        elif ch in CLOSE_QUOTES and depth:
            depth -= 1
        if ch == "\n" or depth and i - opened > MAX_QUOTE:
            depth = 0
        closes_quote = ch in CLOSE_QUOTES and depth == 0 and i > 0 and buffer[i - 1] in SENTENCE_END
        if ch in SENTENCE_END and depth == 0 or closes_quote:
            run = MARKERS_RUN.match(buffer, i + 1)
            end = run.end() if run else i + 1
            if not final and (not buffer[end:].strip() or re.fullmatch(r"\s*\[\d*", buffer[end:])):
                break
            done.append(buffer[start:end])
            start = i = end
        else:
            i += 1
    rest = buffer[start:]
    if final and rest.strip():
        done, rest = done + [rest], ""
    return [s for s in done if s.strip()], rest


def split_sentences(text: str) -> list[str]:
    return complete_prefix(text, final=True)[0]


def numbers_in(text: str) -> list[str]:
    """Numbers with their unit: Arabic ("1亿元", "30%", "5000万元") and Chinese ("五千万", "三成")."""
    plain = LIST_NUMBER.sub("", norm(MARKER.sub("", text)))
    chinese = CN_NOT_NUMBER.sub("", plain)
    return [m.group(0) for m in DIGITS.finditer(plain)] + CN_NUMBER.findall(chinese)


def _supported(number: str, text: str) -> bool:
    tail = r"(?![\d.%‰万亿千元倍年月日天个家项人次])" if number[-1].isdigit() else ""
    return re.search(r"(?<![\d.])" + re.escape(number) + tail, text) is not None


def _bare(sentence: str) -> str:
    return PUNCT.sub("", norm(MARKER.sub("", sentence)))


def _echoes(body: str, instructions: tuple[str, ...]) -> str | None:
    body = _bare(body)
    for planted in instructions:
        planted = PUNCT.sub("", planted)
        for i in range(len(body) - ECHO_CHARS + 1):
            if body[i : i + ECHO_CHARS] in planted:
                return body[i : i + ECHO_CHARS]
    return None


def _overlap(sentence: str, text: str) -> float:
    """Share of the sentence's character bigrams that occur in `text`."""
    body = _bare(sentence)
    grams = {body[i : i + 2] for i in range(len(body) - 1)}
    return sum(g in text for g in grams) / len(grams) if grams else 0.0


def _context(number: str, sentence: str) -> str:
    """The words around a number in the answer: its clause, widened backwards to at least CONTEXT_CHARS."""
    clauses = re.split(r"[，,；;。：:]", norm(MARKER.sub("", sentence)))
    at = next((i for i, c in enumerate(clauses) if number in c), len(clauses) - 1)
    context = ""
    for clause in reversed(clauses[: at + 1]):
        context = clause + context
        if len(CN_NUMBER.sub("", DIGITS.sub("", context))) >= CONTEXT_CHARS:
            break
    return CN_NUMBER.sub("", DIGITS.sub("", context))


def _misattributed(number: str, sentence: str, support: str) -> bool:
    """True when the words around the number match another sentence of the cited text clearly better than
    the sentences that contain the number ("新建平台最高5000万元" when 5000万元 is the limit for 已建)."""
    sentences = [s for s in re.split(r"[。；;！？!?]", support) if s]
    holding = [s for s in sentences if _supported(number, s)]
    others = [s for s in sentences if not _supported(number, s)]
    if not holding or not others:
        return False
    context = _context(number, sentence)
    return max(_overlap(context, s) for s in others) - max(_overlap(context, s) for s in holding) >= MISATTRIBUTION


def check_sentence(sentence: str, sources: list[Source]) -> Verdict:
    markers = tuple(int(m) for m in MARKER.findall(sentence))
    bad = [m for m in markers if not 1 <= m <= len(sources)]
    if bad:
        return Verdict(sentence, markers, BAD_MARKER, f"[{bad[0]}]")
    cited = [sources[m - 1] for m in markers]
    # A verbatim quotation of one cited chunk is not the model speaking; its numbers are still checked below.
    body = QUOTED.sub(
        lambda q: (
            "※"
            if len(q.group(0)) >= MIN_QUOTE + 2 and any(norm(q.group(0))[1:-1] in s.full for s in cited)
            else q.group(0)
        ),
        sentence,
    )
    planted = tuple(p for s in sources for p in s.instructions)
    echo = _echoes(body, planted) if planted else None
    instruction = instruction_in(body)
    if echo or instruction:
        return Verdict(sentence, markers, INJECTION, echo or instruction)
    numbers = numbers_in(sentence)
    if not markers:
        return Verdict(sentence, markers, UNSUPPORTED_NUMBER if numbers else NO_CITATION, numbers[0] if numbers else "")
    support = "".join(s.text for s in cited)
    for number in numbers:
        if not _supported(norm(number), support):
            return Verdict(sentence, markers, UNSUPPORTED_NUMBER, number)
        if _misattributed(norm(number), sentence, support):
            return Verdict(sentence, markers, MISATTRIBUTED, number)
    closer = next((p for p in planted if _overlap(body, p) > _overlap(body, support)), None)
    if closer:  # a paraphrase that follows planted text more closely than the policy text it cites
        return Verdict(sentence, markers, INJECTION, closer[:8])
    return Verdict(sentence, markers)
