"""Every item of a list a question asks for, found from the clause that introduces the list or from the items
quoted, on tiny synthetic chunks."""

from __future__ import annotations

from assistant.answer.candidates import Candidate
from assistant.answer.lists import listed_items, with_every_item
from assistant.core.records import Chunk, Document

DOCUMENT = Document("d", "某省中试平台实施方案", None, ("某省工业和信息化厅",), None, "other", 1, "d.txt", "h")
SECTION = ("三、建设模式有哪些考虑？",)
INTRO = Chunk("c0", "d", "方案提出了多种建设模式。", SECTION, (1,), 0, 12)
ITEMS = [
    Chunk(f"c{n}", "d", f"{head}。具体内容{n}。", (*SECTION, head), (1,), 20 * n, 20 * n + 10)
    for n, head in enumerate(["一是龙头企业建设", "二是公共服务机构建设", "三是强化现有平台"], start=1)
]
OTHER = Chunk("c9", "d", "五、保障措施。", ("五、保障措施",), (2,), 500, 510)
PLAIN = Chunk("c8", "d", "各地抓好落实。", ("序言",), (1,), 400, 410)


def _children(doc_id: str, path: tuple[str, ...]) -> list[Chunk]:
    return [c for c in ITEMS if c.path[:-1] == path]


def _candidate(chunk: Chunk, score: float = 1.0) -> Candidate:
    return Candidate(chunk.text.split("。")[0] + "。", chunk, DOCUMENT, score, 0)


def test_the_clause_that_introduces_a_list_brings_every_item():
    got = with_every_item("提到了哪几种建设模式？", [_candidate(INTRO)], _children, {"d": DOCUMENT})
    assert [c.chunk.chunk_id for c in got] == ["c0", "c1", "c2", "c3"]


def test_items_quoted_with_a_clause_of_another_list_still_bring_the_missing_one():
    chosen = [_candidate(ITEMS[0]), _candidate(ITEMS[2]), _candidate(OTHER)]
    got = with_every_item("提了哪几点？", chosen, _children, {"d": DOCUMENT})
    assert "c2" in [c.chunk.chunk_id for c in got]


def test_a_question_that_asks_for_no_list_gets_no_items():
    got = with_every_item("建设模式是什么意思？", [_candidate(INTRO)], _children, {"d": DOCUMENT})
    assert [c.chunk.chunk_id for c in got] == ["c0"]


def test_the_items_of_one_list_are_counted_once_each():
    assert listed_items([_candidate(ITEMS[0]), _candidate(ITEMS[0]), _candidate(ITEMS[2])]) == 2
    assert listed_items([_candidate(ITEMS[1]), _candidate(PLAIN)]) == 1


def test_a_list_is_found_from_any_quoted_clause_that_introduces_it():
    got = with_every_item("有几条？分别是啥", [_candidate(PLAIN), _candidate(INTRO)], _children, {"d": DOCUMENT})
    assert [c.chunk.chunk_id for c in got] == ["c0", "c1", "c2", "c3", "c8"]


def test_the_list_asked_for_is_the_one_whose_heading_says_the_question_not_the_sections_around_it():
    sections = [
        Chunk("s1", "d", "一、背景。", ("一、背景",), (1,), 0, 5),
        Chunk("s2", "d", "二、数字化发展。", ("二、数字化发展",), (1,), 5, 10),
        INTRO,
    ]

    def children(doc_id: str, path: tuple[str, ...]) -> list[Chunk]:
        return sections if path == () else _children(doc_id, path)

    chosen = [_candidate(sections[0]), _candidate(sections[1]), _candidate(INTRO)]
    got = with_every_item("方案提出的建设模式有哪些？", chosen, children, {"d": DOCUMENT})
    assert {c.chunk.chunk_id for c in got} == {"s1", "s2", "c0", "c1", "c2", "c3"}
