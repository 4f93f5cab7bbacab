"""A question that names an indexed document by its title is answered from that document."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from assistant.core import resources
from assistant.core.records import Document

QUOTED_TITLE = re.compile(r"《([^《》\n]{2,80})》")
MIN_PART = 4  # 《实施意见》 names 《制造业中试创新发展实施意见》; 《意见》 names nothing
_BLANKS = re.compile(r"\s+")
CONTENT_OF = re.compile(r"(?:里|中|内|上)(?:的|面|面的)?|(?:规定|提到|明确|要求)")  # 《…》里的…: what it holds


def named_document(question: str, documents: Iterable[Document]) -> str | None:
    """The doc id of the one document whose title the question quotes in 《》 (whole, or a distinctive part of
    it), else None: a question quoting two documents, or none, is searched across all."""
    names = [_BLANKS.sub("", n) for n in QUOTED_TITLE.findall(question)]
    found = {d.doc_id for d in documents for n in names if _names(n, _BLANKS.sub("", d.title))}
    return found.pop() if len(found) == 1 else None


def unindexed_title(question: str, documents: Iterable[Document]) -> str | None:
    """A document the question names and asks what it holds ("《…建设指引》里的要点有哪些？") or when and by whom
    it was issued ("…指南哪年印发？"), when no indexed document has that title, whole or in part."""
    for name, end in _unindexed_names(question, documents):
        if CONTENT_OF.match(question, end) or _referenced().about.search(question, end):
            return name
    return None


def carried_titles(asks: Sequence[str], documents: Iterable[Document]) -> list[str]:
    """For each ask of a message, the title of a document not on file that an earlier ask named when the ask
    opens by pointing into it ("里面的要求有哪几条？"), as 《title》 to put before it; "" for every other ask."""
    out, title = [], ""
    for ask in asks:
        found = [name for name, _ in _unindexed_names(ask, documents)]
        out.append(f"《{title}》" if title and not found and _referenced().inside.match(ask) else "")
        title = found[-1] if found else title
    return out


def _unindexed_names(question: str, documents: Iterable[Document]) -> list[tuple[str, int]]:
    """The documents a question names, in 《》 or by a name ending in a genre such documents have ("…建设指引"),
    that no indexed document is, with where each name ends."""
    titles = [_BLANKS.sub("", d.title) for d in documents]
    return [
        (name, m.end())
        for m in _referenced().named.finditer(question)
        if len(name := _BLANKS.sub("", m.group(1) or m.group(2))) >= MIN_PART
        and not any(name in t or t in name for t in titles)
    ]


@dataclass(frozen=True)
class _Referenced:
    """The patterns of resources/referenced_documents.txt: a document named by title or genre, an ask pointing
    into one, an ask for when or by whom it was issued."""

    named: re.Pattern[str]
    inside: re.Pattern[str]
    about: re.Pattern[str]


@cache
def _referenced() -> _Referenced:
    rows = dict(line.split(" | ", 1) for line in resources.lines(resources.DOMAIN, "referenced_documents.txt"))
    words = {name.strip(): value.split() for name, value in rows.items()}
    genres = "|".join(sorted(words["genres"], key=len, reverse=True))
    return _Referenced(
        re.compile(rf"《([^《》\n]{{2,80}})》|((?:(?![的是在])[\u4e00-\u9fff]){{2,14}}?(?:{genres}))"),
        re.compile("^(?:" + "|".join(words["inside"]) + ")"),
        re.compile("|".join(words["about"])),
    )


def _names(name: str, title: str) -> bool:
    return name == title or len(name) >= MIN_PART and name in title


def without_titles(question: str) -> str:
    """The question without its 《…》 titles (the words of a title name the document, not what is asked about);
    the question itself when nothing else is left."""
    rest = QUOTED_TITLE.sub("", question)
    return rest if rest.strip(" ，,。？?的") else question


def with_titles(piece: str, question: str) -> str:
    """The words of `question` that `piece`, a part of without_titles(question), was cut from, with the titles
    inside it (and one just before it) put back: an ask's heading as the user wrote it. `piece` itself when it
    is not found."""
    kept: list[int] = []  # positions in `question` of the characters without_titles keeps
    last = 0
    for match in QUOTED_TITLE.finditer(question):
        kept.extend(range(last, match.start()))
        last = match.end()
    kept.extend(range(last, len(question)))
    at = "".join(question[i] for i in kept).find(piece) if piece else -1
    if at < 0:
        return piece
    start, end = kept[at], kept[at + len(piece) - 1] + 1
    before = next((m for m in QUOTED_TITLE.finditer(question) if m.end() == start), None)
    return question[before.start() if before else start : end]
