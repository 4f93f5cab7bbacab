"""Question text as the documents write it: simplified script, half-width digits, Arabic figures,
domain words repaired when typed with a homophone (服务劵 → 服务券, 中式 → 中试, 人定 → 认定)."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

from assistant.answer.rule_files import word_pattern
from assistant.core.figures import CN_NUMBER, cn_to_number

# "一亿" / "五千万" / "1个亿" / "两千万元" → "1亿" / "5000万" …; "百分之五十" → "50%"
CN_AMOUNT = re.compile(
    rf"({CN_NUMBER}|\d+(?:\.\d+)?)\s*个?\s*(亿|万)(?=元|的|，|。|？|吗|呢|$|[^\u4e00-\u9fff]|补|资|支)"
)
CN_PERCENT = re.compile(rf"百分之({CN_NUMBER}|\d+(?:\.\d+)?)")
HALF = word_pattern("normalize.half")
TENTHS = re.compile(r"(?<![一二三四五六七八九十几])([一二三四五六七八九])成(?![为立果本员功熟型不])")  # "三成": 30%
EN_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*(million|billion|hundred million)\s*(?:yuan|rmb|cny)?", re.IGNORECASE)
FULL_WIDTH = re.compile(r"[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff05\uff0e\u3000]")
EN_SCALE = {"million": 100.0, "hundred million": 10000.0, "billion": 100000.0}  # in 万


@cache
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    return str(_converter().convert(text))


def _amount(match: re.Match[str]) -> str:
    value = cn_to_number(match.group(1))
    if value is None:
        return match.group(0)
    return f"{value:g}{match.group(2)}"


def _en_amount(match: re.Match[str]) -> str:
    wan = float(match.group(1)) * EN_SCALE[match.group(2).lower()]
    return f"{wan / 10000:g}亿元" if wan >= 10000 else f"{wan:g}万元"


def figures_as_written(text: str) -> str:
    """Chinese and English figures in the form the documents use."""
    text = CN_PERCENT.sub(lambda m: f"{cn_to_number(m.group(1)) or 0:g}%", text)
    text = TENTHS.sub(lambda m: f"{(cn_to_number(m.group(1)) or 0) * 10:g}%", HALF.sub("50%", text))
    text = CN_AMOUNT.sub(_amount, text)
    return EN_AMOUNT.sub(_en_amount, text)


@dataclass(frozen=True)
class Repair:
    typed: str
    meant: str


PIECE_CACHE = 16384  # pieces of questions whose repair is kept (a few MB)
PINYIN_FIRST, PINYIN_LAST = 0x4E00, 0x9FFF  # the CJK Unified Ideographs block, where every question word is


@cache
def _pinyin_table() -> list[str]:
    """Line n: the toneless pinyin and the final of U+4E00 + n, as pypinyin's `lazy_pinyin` gives them
    (assistant/resources/pinyin.txt, written and checked against pypinyin by tests/test_pinyin_table.py):
    a table read in milliseconds instead of pypinyin's dictionaries, loaded in a few tenths of a second."""
    from assistant.core import resources

    return resources.text(resources.DOMAIN, "pinyin.txt").split("\n")


def _table_entry(char: str) -> list[str] | None:
    code = ord(char)
    if PINYIN_FIRST <= code <= PINYIN_LAST:
        return _pinyin_table()[code - PINYIN_FIRST].split(" ")
    return None


@cache
def _char_pinyin(char: str) -> str:
    entry = _table_entry(char) if len(char) == 1 else None
    if entry is not None:
        return entry[0]
    from pypinyin import lazy_pinyin

    return str(lazy_pinyin(char)[0])


def _pinyin(text: str) -> tuple[str, ...]:
    """Toneless syllables, character by character (cached: a question is read in a few microseconds)."""
    return tuple(_char_pinyin(c) for c in text)


@cache
def _final(char: str) -> str:
    entry = _table_entry(char) if len(char) == 1 else None
    if entry is not None:
        return entry[1]
    from pypinyin import Style, lazy_pinyin

    return lazy_pinyin(char, style=Style.FINALS)[0]


class Speller:
    """Repairs domain words typed with homophones: same pinyin, same length, a character differs."""

    def __init__(self, vocabulary: Iterable[str], is_word: Callable[[str], bool]):
        self.by_sound: dict[tuple[str, ...], str] = {}
        self.by_shape: dict[str, str] = {}  # a word of 3+ characters with one character masked
        for word in sorted({w for w in vocabulary if 2 <= len(w) <= 6 and re.fullmatch(r"[\u4e00-\u9fff]+", w)}):
            self.by_sound.setdefault(_pinyin(word), word)
            if len(word) >= 3:
                for i in range(len(word)):
                    self.by_shape.setdefault(word[:i] + "?" + word[i + 1 :], word)
        self.lengths = sorted({len(w) for w in self.by_sound.values()}, reverse=True)
        self.known = set(self.by_sound.values())
        self.is_word = is_word
        # the pieces of questions repeat (中试平台, 补贴多少…): each piece's repair is looked up once
        self._meant = functools.lru_cache(maxsize=PIECE_CACHE)(self._meant_of)

    def _meant_of(self, piece: str) -> str | None:
        meant = self.by_sound.get(_pinyin(piece))
        if meant and sum(a != b for a, b in zip(piece, meant)) == 1:
            return meant
        if len(piece) >= 3 and not self.is_word(piece):
            for i in range(len(piece)):
                meant = self.by_shape.get(piece[:i] + "?" + piece[i + 1 :])
                if meant and _final(piece[i]) == _final(meant[i]):  # 劵/卷 (juan) for 券 (quan)
                    return meant
        return None

    def _straddles(self, text: str, i: int, n: int) -> bool:
        """Whether the piece text[i:i+n] begins and ends inside words: "如何定义" holds no 核定."""
        return (i > 0 and self.is_word(text[i - 1 : i + 1])) and (
            i + n < len(text) and self.is_word(text[i + n - 1 : i + n + 1])
        )

    def _repair_at(self, text: str, i: int, longer_than: int) -> Repair | None:
        for n in (n for n in self.lengths if n > longer_than):
            piece = text[i : i + n]
            if len(piece) == n and re.fullmatch(r"[\u4e00-\u9fff]+", piece):
                meant = self._meant(piece)
                if meant and meant != piece and not self._straddles(text, i, n):
                    return Repair(piece, meant)
        return None

    def repair(self, text: str) -> tuple[str, tuple[Repair, ...]]:
        repairs: list[Repair] = []
        out, i = [], 0
        while i < len(text):
            exact = next((n for n in self.lengths if text[i : i + n] in self.known), 0)
            found = self._repair_at(text, i, longer_than=exact)
            if found is None:
                step = exact or 1
                out.append(text[i : i + step])
                i += step
                continue
            repairs.append(found)
            out.append(found.meant)
            i += len(found.typed)
        return "".join(out), tuple(repairs)


@cache
def _written_forms() -> list[tuple[str, str]]:
    from assistant.core import resources

    lines = resources.text(resources.DOMAIN, "written_forms.txt").splitlines()
    return [(spoken, written) for spoken, written in (line.split() for line in lines if line and line[0] != "#")]


def written(text: str) -> str:
    """The spoken forms of written_forms.txt as the documents write them ("已经建成" → "已建成")."""
    for spoken, form in _written_forms():
        text = text.replace(spoken, form)
    return text


def half_width(text: str) -> str:
    """Full-width letters, digits and ％ as ASCII; Chinese punctuation stays as the documents write it."""
    return FULL_WIDTH.sub(lambda m: unicodedata.normalize("NFKC", m.group(0)), text)


def normalize(text: str, speller: Speller) -> tuple[str, tuple[Repair, ...]]:
    text = written(half_width(simplified(text)))
    return speller.repair(figures_as_written(text))
