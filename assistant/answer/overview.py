"""Broad questions ("上海对中试平台有哪些支持政策？", "国家那个文件主要讲了什么？") are answered with the
document's own outline: its section and clause headings, each cited, so the user can open any of them.
Pure functions over the records of one index snapshot."""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.answer.rule_files import resource_words, word_pattern
from assistant.core.records import Chunk, Citation, Document
from assistant.core.resources import template

BROAD_ASK = word_pattern("overview.broad_ask")
STRUCTURE_ASK = re.compile(
    r"几个部分|几部分|哪几部分|哪些部分|大部分|分为几|结构|框架|目录|标题|几个问题|多少个问题|多少条|几条|多少项措施"
)  # asks for the outline itself
SPECIFIC_ASK = re.compile(
    r"多少|几[成家个年项%号月日]|比例|金额|额度|上限|文号|落款|日期|何时|哪天|什么时候|哪年|谁|部门|单位|抄送|条件|指什么|定义"
)
LEADING_NUMERAL = re.compile(r"^([一二三四五六七八九十]+)、")
COUNTED_PARTS = re.compile(r"[一二三四五六七八九十几\d]+[个条项大]?")  # "四个大部分", "几个问题"
# words that name no topic of their own: a question made only of these (and the documents' titles) is broad
GENERIC = frozenset(resource_words("outline_generic.txt"))

ABOUT_DOCUMENT = frozenset("内容 主要内容 要点 重点 方案 文件 意见 政策 措施 举措".split())


def is_broad(question: str, terms: Iterable[str], names: Iterable[str]) -> bool:
    """A question about a whole document rather than one of its clauses: nothing in it but generic words and
    `names`, the documents' titles and places."""
    if not STRUCTURE_ASK.search(question) and (not BROAD_ASK.search(question) or SPECIFIC_ASK.search(question)):
        return False
    named = " ".join(names)
    return all(t in GENERIC or t in named or COUNTED_PARTS.fullmatch(t) for t in terms)


def definitional(question: str, phrases: Iterable[str]) -> bool:
    """A definition is asked for ("中试平台是什么"), not the content of a document ("方案的主要内容是什么")."""
    return any(phrases) and not any(w in question for w in ABOUT_DOCUMENT)


def outline(
    document: Document, chunks: list[Chunk], first_marker: int, body: bool = False
) -> tuple[str, list[Citation]]:
    """One line per section: its heading and the headings of its clauses, each with the marker of its chunk.
    `body`: the question asks for the document's body (正文); a document indexed as one part of it ("解读") has
    none to show."""
    clauses = [c for c in chunks if c.doc_id == document.doc_id and c.kind == "clause"]
    if not clauses:
        return "", []
    common = 0  # leading path elements every clause shares ("解读")
    while all(len(c.path) > common + 1 and c.path[common] == clauses[0].path[common] for c in clauses):
        common += 1
    if body and common:
        return "", []
    citations: list[Citation] = []
    markers: dict[tuple[str, ...], int] = {}
    for chunk in clauses:  # the first chunk of a clause that was split stands for the clause
        path = chunk.path[common:]
        if path not in markers:
            markers[path] = first_marker + len(citations)
            citations.append(Citation(markers[path], chunk, document))
    sections: dict[str, list[str]] = {}
    for path, marker in markers.items():
        items = sections.setdefault(path[0], [])
        if len(path) > 1:
            items.append(f"{path[-1]}[{marker}]")
    lines = []
    for heading, items in sections.items():
        own = markers.get((heading,))
        label = f"{heading}[{own}]" if own else heading
        lines.append(f"{label}：{'；'.join(items)}。" if items else f"{label}")
    last = LEADING_NUMERAL.match(list(sections)[-1])  # "四、完善中试发展生态": four parts, in the heading's own word
    count = template("overview_count.txt").strip().format(count=last.group(1)) if last else ""
    intro = template("overview.txt").format(
        title=f"《{document.title}》", part="".join(clauses[0].path[:common]), count=count
    )
    return "\n".join([intro.strip(), *lines]), citations
