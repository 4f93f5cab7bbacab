"""Metadata, clause trees, pages and chunks of the two shipped policy PDFs."""

from __future__ import annotations

import re

from ingest.clean import is_page_number
from tests.corpus_fixtures import NATIONAL_PDF, SHANGHAI_PDF, parse_doc, squash

SH_SECTIONS = {
    "二、优化中试服务网络体系": [
        "（一）推动链主企业围绕产业链建设中试平台",
        "（二）支持专业化公共服务机构牵头建设",
        "（三）强化现有创新和服务平台中试功能",
        "（四）加大重点行业中试服务供给",
    ],
    "三、提升现代化中试能力": [
        "（五）提升中试平台软硬件供给能力",
        "（六）提升中试智能化链接能力",
        "（七）提升中试平台专业化服务能力",
    ],
    "四、完善中试发展生态": [
        "（八）优化中试平台布局和培育",
        "（九）构建中试服务技术支撑体系",
        "（十）积极融入长三角及全球创新网络",
        "（十一）建立工作协调机制",
        "（十二）支持布局搭建中试线",
        "（十三）推动中试成果产业化落地",
        "（十四）强化中试空间要素保障",
        "（十五）支持资源开放共享",
    ],
}
NAT_QUESTIONS = [
    "一、《实施意见》出台的背景？",
    "二、《实施意见》为什么提出推进中试数字化、网络化、智能化发展？",
    "三、《实施意见》对制造业中试平台建设模式上有哪些考虑？",
    "四、《实施意见》如何健全完善中试发展产业生态？",
    "五、《实施意见》印发实施后，如何抓好贯彻落实？",
]
NAT_ITEMS = {
    2: ["一是龙头企业建设产业链中试平台", "二是布局建设中试公共服务机构", "三是强化现有创新和服务平台中试功能"],
    3: ["一是突破关键技术产品", "二是发展壮大市场主体", "三是夯实发展基础能力"],
    4: ["一是强化统筹协作", "二是加大支持力度", "三是加强宣传引导"],
}


def unique_paths(doc) -> list[tuple[str, ...]]:
    return list(dict.fromkeys(c.path for c in doc.chunks))


def test_shanghai_metadata(shanghai):
    d = shanghai.document
    assert (d.title, d.doc_number, d.date, d.jurisdiction, d.page_count, d.implements) == (
        "上海市中试平台创新发展实施方案",
        "沪经信技〔2025〕365号",
        "2025-05-30",
        "shanghai",
        7,
        "工信部联科〔2024〕11号",
    )
    assert d.issuers == ("上海市经济和信息化委员会", "上海市教育委员会", "上海市科学技术委员会")


def test_shanghai_clause_tree(shanghai):
    clauses = [(parent, h) for parent, heads in SH_SECTIONS.items() for h in heads]
    assert unique_paths(shanghai) == [("印发通知",), ("序言",), ("一、主要目标",), *clauses, ("版记",)]
    first = shanghai.chunks[0]
    assert (first.kind, first.path, first.chunk_id) == (
        "header",
        ("印发通知",),
        "shanghai-pilot-platform-plan-2025.pdf#0000",
    )
    assert first.text.endswith("2025年5月30日") and "沪经信技〔2025〕365号" in first.text
    assert shanghai.chunk("四、完善中试发展生态", "（十五）支持资源开放共享").text == (
        "（十五）支持资源开放共享\n鼓励链主型企业开放资源共享，支持中试线、量产线对外提供中试服务，探索“中试服务券”形式补贴支持，"
        "最高支持比例不超过50%。完善中试创新项目对接机制，向社会公布中试创新服务平台及其服务内容，加强宣传推广和共享运用。"
    )
    assert [c.kind for c in shanghai.chunks[-1:]] == ["trailer"]


def test_shanghai_pages(shanghai):
    assert shanghai.chunk("四、完善中试发展生态", "（十二）支持布局搭建中试线").pages == (6,)
    assert shanghai.chunk("四、完善中试发展生态", "（十五）支持资源开放共享").pages == (7,)
    assert shanghai.chunk("二、优化中试服务网络体系", "（一）推动链主企业围绕产业链建设中试平台").pages == (2, 3)
    assert shanghai.chunks[0].pages == (1,)


def test_national_metadata(national):
    d = national.document
    assert (d.title, d.doc_number, d.date, d.jurisdiction, d.page_count, d.implements) == (
        "制造业中试创新发展实施意见",
        "工信部联科〔2024〕11号",
        "2024-01-16",
        "national",
        8,
        None,
    )
    assert d.issuers == ("工业和信息化部", "国家发展和改革委员会")


def test_national_interpretation_tree(national):
    expected = [("印发通知",), ("解读",)]
    for i, q in enumerate(NAT_QUESTIONS):
        expected += [("解读", q)] + [("解读", q, item) for item in NAT_ITEMS.get(i, [])]
    assert unique_paths(national) == expected
    header, intro = national.chunks[:2]
    assert (header.kind, header.pages) == ("header", (1,))
    assert header.text.startswith(
        "工业和信息化部国家发展改革委关于印发《制造业中试创新发展实施意见》的通知\n工信部联科〔2024〕11号\n"
    )
    assert header.text.endswith("工业和信息化部\n国家发展和改革委员会\n2024年1月16日")
    assert (intro.kind, intro.pages) == ("preamble", (2,)) and intro.text.startswith(
        "解读：《制造业中试创新发展实施意见》"
    )
    assert national.chunk("解读", NAT_QUESTIONS[0]).pages == (2,)
    assert national.chunk("解读", NAT_QUESTIONS[4], NAT_ITEMS[4][2]).text == (
        "三是加强宣传引导。切实加大中试政策宣传贯彻力度，统筹用好传统媒体和新兴媒体，营造制造业中试创新发展的良好氛围。"
        "对引领带动作用凸显的中试平台、中试示范线、解决方案和典型案例等标杆示范，加大推介力度。"
    )


def test_numbers_survive_and_no_page_furniture(shanghai, national):
    assert any("1.87万亿元" in squash(c.text) for c in national.chunks)
    assert any("支持金额最高可达1亿元" in squash(c.text) for c in shanghai.chunks)
    for doc in (shanghai, national):
        for c in doc.chunks:
            assert not re.search(r"—\s*\d+\s*—|-\s+\d+\s+-", c.text), c.chunk_id
            assert not any(is_page_number(line) for line in c.text.split("\n")), c.chunk_id


def test_chunks_are_the_clean_text_at_their_offsets_and_pages(shanghai, national):
    for doc in (shanghai, national):
        raw = [squash(p) for p in doc.raw_pages]
        for c in doc.chunks:
            assert doc.clean.text[c.start : c.end] == c.text
            assert c.pages == doc.clean.pages_between(c.start, c.end)
            body = squash(c.text)  # the chunk starts on its first page and ends on its last, in the PDF itself
            assert body[:8] in raw[c.pages[0] - 1] and body[-8:] in raw[c.pages[-1] - 1], c.chunk_id


def test_chunk_ids_are_stable(shanghai, national):
    for pdf, doc in ((SHANGHAI_PDF, shanghai), (NATIONAL_PDF, national)):
        again = parse_doc(pdf).chunks
        assert [(c.chunk_id, c.text, c.path, c.pages) for c in again] == [
            (c.chunk_id, c.text, c.path, c.pages) for c in doc.chunks
        ]
        assert [c.chunk_id for c in again] == [f"{doc.document.doc_id}#{i:04d}" for i in range(len(again))]
