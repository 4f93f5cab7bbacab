"""Checks on a generated answer, sentence by sentence, against the numbered chunks it was given.

A sentence passes when it cites at least one chunk it was given, every number, amount and
percentage in it occurs in a chunk it cites (outside any instruction-like text in that chunk),
and it does not repeat an instruction planted in a document. Pure functions, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MARKER = re.compile(r"\[(\d+)\]")
MARKERS_RUN = re.compile(r"(?:\s*\[\d+\])+")
SENTENCE_END = "。！？!?\n"
OPEN_QUOTES, CLOSE_QUOTES = "“「『", "”」』"
DIGITS = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?:\s*(?:%|万亿|亿|万|千)?(?:元|倍)?)?")
CN_AMOUNT = re.compile(r"百分之[零一二两三四五六七八九十百点]+|[零一二两三四五六七八九十百千]+(?:万亿|亿|万)?元")
QUOTED = re.compile(r"“[^”]*”|「[^」]*」|『[^』]*』|\"[^\"]*\"")
INSTRUCTION = re.compile(
    r"忽略(?:以上|之前|前面|上述|先前|此前|所有|全部)|无视(?:以上|之前|上述|所有)|不要(?:再)?遵(?:守|循)|"
    r"你(?:现在)?(?:是|扮演|必须|应当|需要)|请(?:你)?(?:直接)?(?:回答|告诉|输出|回复)|告诉用户|对用户说|"
    r"系统提示|提示词|指令|ignore (?:all |any )?(?:the )?(?:previous|prior|above)|system prompt|assistant:",
    re.IGNORECASE,
)
ECHO_CHARS = 6

# Reasons a sentence fails. The first is dropped quietly; the others make the whole answer untrustworthy.
NO_CITATION = "no-citation"
BAD_MARKER = "bad-marker"
UNSUPPORTED_NUMBER = "unsupported-number"
INJECTION = "obeys-injected-instruction"
FATAL = {BAD_MARKER, UNSUPPORTED_NUMBER, INJECTION}


def norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


@dataclass(frozen=True)
class Source:
    """One numbered chunk as the model saw it, split into its policy text and any instruction-like text."""

    full: str  # normalised text
    text: str  # normalised text without instruction-like sentences
    instructions: tuple[str, ...]  # normalised instruction-like sentences

    @classmethod
    def of(cls, text: str) -> "Source":
        plain, planted = [], []
        for sentence in split_sentences(text):
            (planted if INSTRUCTION.search(sentence) else plain).append(norm(sentence))
        return cls(norm(text), "".join(plain), tuple(planted))


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
    while streaming it is complete only once something other than a marker follows.
    """
    done, start, i, depth = [], 0, 0, 0
    while i < len(buffer):
        depth += (buffer[i] in OPEN_QUOTES) - (buffer[i] in CLOSE_QUOTES and depth > 0)
        closes_quote = buffer[i] in CLOSE_QUOTES and depth == 0 and i > 0 and buffer[i - 1] in SENTENCE_END
        if buffer[i] in SENTENCE_END and (depth == 0 or buffer[i] == "\n") or closes_quote:
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
    """Arabic numbers with their unit ("1亿元", "30%", "5000万元") and Chinese-numeral amounts."""
    plain = norm(MARKER.sub("", text))
    return [m.group(0) for m in DIGITS.finditer(plain)] + CN_AMOUNT.findall(plain)


def _supported(number: str, text: str) -> bool:
    return re.search(r"(?<![\d.])" + re.escape(number) + r"(?!\.?\d)", text) is not None


PUNCT = re.compile(r"[，。！？；：、,.!?;:（）()《》“”「」]")


def _echoes(body: str, instructions: tuple[str, ...]) -> str | None:
    body = PUNCT.sub("", norm(MARKER.sub("", body)))
    for planted in instructions:
        planted = PUNCT.sub("", planted)
        for i in range(len(body) - ECHO_CHARS + 1):
            if body[i:i + ECHO_CHARS] in planted:
                return body[i:i + ECHO_CHARS]
    return None


def _overlap(sentence: str, text: str) -> float:
    """Share of the sentence's character bigrams that occur in `text`."""
    body = PUNCT.sub("", norm(MARKER.sub("", sentence)))
    grams = {body[i:i + 2] for i in range(len(body) - 1)}
    return sum(g in text for g in grams) / len(grams) if grams else 0.0


def check_sentence(sentence: str, sources: list[Source]) -> Verdict:
    markers = tuple(int(m) for m in MARKER.findall(sentence))
    bad = [m for m in markers if not 1 <= m <= len(sources)]
    if bad:
        return Verdict(sentence, markers, BAD_MARKER, f"[{bad[0]}]")
    cited = [sources[m - 1] for m in markers]
    verbatim = "".join(s.full for s in cited)
    # A verbatim quotation of a cited chunk is a quotation, whatever it says; anything else is checked.
    body = QUOTED.sub(lambda q: "" if norm(q.group(0))[1:-1] in verbatim else q.group(0), sentence)
    planted = tuple(p for s in sources for p in s.instructions)
    echo = _echoes(body, planted) if planted else None
    if echo or INSTRUCTION.search(body):
        return Verdict(sentence, markers, INJECTION, echo or INSTRUCTION.search(body).group(0))
    numbers = numbers_in(body)
    if not markers:
        return Verdict(sentence, markers, UNSUPPORTED_NUMBER if numbers else NO_CITATION,
                       numbers[0] if numbers else "")
    support = "".join(s.text for s in cited)
    closer = next((p for p in planted if _overlap(body, p) > _overlap(body, support)), None)
    if closer:  # a paraphrase that follows planted text more closely than the policy text it cites
        return Verdict(sentence, markers, INJECTION, closer[:8])
    for number in numbers:
        if not _supported(norm(number), support):
            return Verdict(sentence, markers, UNSUPPORTED_NUMBER, number)
    return Verdict(sentence, markers)
