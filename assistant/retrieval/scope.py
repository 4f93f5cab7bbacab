"""A question that names an indexed document by its title is answered from that document."""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.core.records import Document

QUOTED_TITLE = re.compile(r"《([^《》\n]{2,80})》")
MIN_PART = 4  # 《实施意见》 names 《制造业中试创新发展实施意见》; 《意见》 names nothing
_BLANKS = re.compile(r"\s+")


def named_document(question: str, documents: Iterable[Document]) -> str | None:
    """The doc id of the one document whose title the question quotes in 《》 (whole, or a distinctive part of
    it), else None: a question quoting two documents, or none, is searched across all."""
    names = [_BLANKS.sub("", n) for n in QUOTED_TITLE.findall(question)]
    found = {d.doc_id for d in documents for n in names if _names(n, _BLANKS.sub("", d.title))}
    return found.pop() if len(found) == 1 else None


def _names(name: str, title: str) -> bool:
    return name == title or len(name) >= MIN_PART and name in title


def without_titles(question: str) -> str:
    """The question without its 《…》 titles (the words of a title name the document, not what is asked about);
    the question itself when nothing else is left."""
    rest = QUOTED_TITLE.sub("", question)
    return rest if rest.strip(" ，,。？?的") else question
