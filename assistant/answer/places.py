"""Which indexed jurisdiction a question speaks of, derived from what is indexed, never from code.

A jurisdiction is named by its place (上海, 沪, 上海市), by any division inside it (苏州 for an indexed 江苏 policy,
浦东新区 for 上海), or by a word only its documents use (their genre, "方案", or a part, "解读"). National documents
are named by the words of `national_aliases.txt` and by their issuers. Places with no indexed policy come from the
gazetteer too, plus the extra names of `places.txt` (countries, zones the gazetteer does not list).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import Enum

from assistant.answer.asks import places as extra_places
from assistant.answer.rule_files import resource_words
from assistant.core.places import COUNTY, Division, Gazetteer, core
from assistant.core.records import Chunk, Document

NATIONAL = "national"
TENTHS = re.compile(r"[一二三四五六七八九十两几\d]$")  # "四成都不到" speaks of 四成, not of 成都


class PlaceStatus(Enum):
    INDEXED = "indexed"  # an indexed jurisdiction itself
    INSIDE = "inside"  # inside an indexed jurisdiction (苏州 in 江苏): answered from it, with a note
    UNINDEXED = "unindexed"


@dataclass(frozen=True)
class NamedPlace:
    name: str  # as the question writes it
    status: PlaceStatus
    jurisdiction: str | None  # the indexed jurisdiction that answers for it
    domestic: bool = True  # a division of the country the gazetteer holds, which may have its own policy


def _tenths(text: str, name: str) -> bool:
    """ "四成都不到": 成都 read as 四成 + 都."""
    at = text.find(name)
    return at > 0 and bool(TENTHS.search(text[:at]))


def _pattern(words: Iterable[str]) -> re.Pattern[str]:
    """Any of the words, longest first; "国家级" (a level) names no jurisdiction."""
    return re.compile("(?:" + "|".join(map(re.escape, sorted(words, key=len, reverse=True))) + ")(?!级)")


def _number_words(documents: list[Document]) -> dict[str, set[str]]:
    """A document named by its 文号: "沪经信技〔2025〕365号", "沪经信技", "365号文"."""
    out: dict[str, set[str]] = {}
    for doc in documents:
        number = doc.doc_number or ""
        match = re.match(r"^([\u4e00-\u9fff]{2,8})\s*[〔\[［(（]\s*\d{4}\s*[〕\]］)）]\s*(\d+)\s*号$", number)
        if match:
            out.setdefault(doc.jurisdiction, set()).update({number, match.group(1), f"{match.group(2)}号文"})
    return out


def _genres(title: str, genres: Sequence[str]) -> list[str]:
    return [g for g in genres if title.endswith(g)]


class PlaceIndex:
    """Built once per index snapshot."""

    def __init__(self, documents: Iterable[Document], chunks: Iterable[Chunk], gazetteer: Gazetteer):
        documents = list(documents)
        self.gazetteer = gazetteer
        self.divisions: dict[str, Division] = {}
        names: dict[str, set[str]] = {}
        for doc in documents:
            names.setdefault(doc.jurisdiction, set())
            division = None if doc.jurisdiction == NATIONAL else gazetteer.lookup(doc.place)
            if division is not None:
                self.divisions[doc.jurisdiction] = division
                names[doc.jurisdiction] |= {division.name, core(division.name), doc.place, core(doc.place)}
        national_words = set(resource_words("national_aliases.txt"))
        for doc in documents:
            if doc.jurisdiction == NATIONAL:
                names[NATIONAL] |= national_words | set(doc.issuers)
        explicit = {slug: set(ws) for slug, ws in names.items()}
        for slug, division in self.divisions.items():
            inside = {d.name if d.level == COUNTY else core(d.name) for d in gazetteer.inside(division)}
            explicit[slug] |= inside
        chunks = list(chunks)
        # the names of documents' parts ("解读", "序言"): a question naming one asks of that part
        self.parts = frozenset(
            c.path[0]
            for c in chunks
            if c.path and 1 < len(c.path[0]) <= 4 and re.fullmatch(r"[\u4e00-\u9fff]+", c.path[0])
        )
        for slug, words in self._document_words(documents, chunks).items():
            names[slug] |= words
        numbers = _number_words(documents)
        for slug, words in numbers.items():
            names[slug] |= words
        self.local_aliases = {
            place: aliases.split()
            for place, aliases in (row.split("=", 1) for row in resource_words("place_aliases.txt", lines=True))
        }
        for slug, division in self.divisions.items():
            aliases = set(self.local_aliases.get(division.name.strip(), []))
            names[slug] |= aliases | explicit[slug]
            explicit[slug] |= aliases
        # place_words: the words that name a place, never evidence that a clause is on topic
        self.names = {slug: sorted(ws, key=len, reverse=True) for slug, ws in names.items() if ws}
        self.patterns = {slug: _pattern(ws) for slug, ws in self.names.items()}
        self.explicit = {slug: _pattern(ws) for slug, ws in explicit.items() if ws}
        self.place_words = frozenset(w for ws in [*explicit.values(), *numbers.values()] for w in ws)
        # places the gazetteer lacks (parks, zones: 张江, 临港), each with the division it lies in, if any
        self.extra = {name: parent for name, parent in extra_places().items() if self.gazetteer.lookup(name) is None}

    @staticmethod
    def _document_words(documents: list[Document], chunks: Iterable[Chunk]) -> dict[str, set[str]]:
        """Genre words of titles and names of document parts that only one jurisdiction's documents use."""
        genres = resource_words("doc_genres.txt")
        by_word: dict[str, set[str]] = {}
        for doc in documents:
            for genre in _genres(doc.title, genres):
                by_word.setdefault(genre, set()).add(doc.jurisdiction)
        jurisdiction_of = {d.doc_id: d.jurisdiction for d in documents}
        for chunk in chunks:
            root = chunk.path[0] if chunk.path else ""
            if 1 < len(root) <= 4 and re.fullmatch(r"[\u4e00-\u9fff]+", root) and chunk.doc_id in jurisdiction_of:
                by_word.setdefault(root, set()).add(jurisdiction_of[chunk.doc_id])
        out: dict[str, set[str]] = {}
        for word, slugs in by_word.items():
            if len(slugs) == 1:
                out.setdefault(next(iter(slugs)), set()).add(word)
        return out

    def explicitly_named(self, text: str) -> set[str]:
        """Jurisdictions the text names by a place, not only by a document word ("方案", "解读")."""
        return {slug for slug, pattern in self.explicit.items() if pattern.search(text)}

    @property
    def local(self) -> list[str]:
        return sorted(self.divisions)

    def overlap(self, one: str, other: str) -> bool:
        """Whether documents of the two jurisdictions can both apply to one asker: national ones apply
        everywhere, a district's inside its city (浦东新区 and 上海); 江苏 and 上海 do not. A place the gazetteer
        does not know overlaps any."""
        if one == other or NATIONAL in (one, other):
            return True
        a, b = self.divisions.get(one), self.divisions.get(other)
        return a is None or b is None or a.contains(b) or b.contains(a)

    def places(self, text: str, is_bounded: Callable[[str, str], bool]) -> list[NamedPlace]:
        """Every place the text names, with what the index holds for it."""
        out: list[NamedPlace] = []
        for division in self.gazetteer.mentioned(text, is_bounded):
            written = division.name if division.name in text else core(division.name)
            if not _tenths(text, written):
                out.append(self._classify(written, division))
        for name, parent in self.extra.items():
            if name not in text or _tenths(text, name):
                continue
            if is_bounded(text, name) and not any(name in p.name or p.name in name for p in out):
                container = self.gazetteer.lookup(parent) if parent else None
                out.append(self._classify(name, container, inside_only=container is not None))
        return out

    def _classify(self, written: str, division: Division | None, inside_only: bool = False) -> NamedPlace:
        if division is None:
            return NamedPlace(written, PlaceStatus.UNINDEXED, None, domestic=False)
        for slug, own in self.divisions.items():
            if own.adcode == division.adcode and not inside_only:
                return NamedPlace(written, PlaceStatus.INDEXED, slug)
        for slug, own in self.divisions.items():
            if own.contains(division):
                return NamedPlace(written, PlaceStatus.INSIDE, slug)
        return NamedPlace(written, PlaceStatus.UNINDEXED, None)
