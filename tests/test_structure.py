"""Metadata, heading tree and chunks: exact tests on hand-written texts and on the real corpus PDFs."""

from __future__ import annotations

import re

import pytest

from ingest.chunk import chunk_clauses, sentences, split_text
from ingest.clean import CleanText, clean_pages, is_page_number
from ingest.structure import extract_meta, parse_clauses
from tests.corpus_fixtures import NATIONAL_PDF, SHANGHAI_PDF, parse_doc

NOTICE = """上海市经济和信息化委员会
上海市教育委员会
文件
沪经信技〔2025〕365 号
上海市经济和信息化委员会上海市教育委员会关于印发
《上海市中试平台管理办法》的通知
各区经委：
现将《上海市中试平台管理办法》印发给你们，请认真组织实施。
上海市经济和信息化委员会上海市教育委员会
2025年5月30日
上海市中试平台管理办法
为贯彻落实《制造业中试创新发展实施意见》（工信部联科〔2024〕11号）要求，制定本办法。
一、主要目标
到2027年，建成20家左右市级中试平台。"""


def outline(text: str, title: str | None = None) -> list[tuple[tuple[str, ...], str, str]]:
    return [(c.path, c.kind, c.text) for c in parse_clauses(text, title)]


def squash(text: str) -> str:
    return re.sub(r"\s", "", text)


# ---------------------------------------------------------------- metadata


def test_extract_meta_of_a_notice():
    meta = extract_meta(NOTICE)
    assert meta.title == "上海市中试平台管理办法"
    assert meta.doc_number == "沪经信技〔2025〕365号"
    assert meta.issuers == ("上海市经济和信息化委员会", "上海市教育委员会")
    assert meta.date == "2025-05-30"
    assert meta.jurisdiction == "shanghai"
    assert meta.implements == "工信部联科〔2024〕11号"


def test_extract_meta_of_a_state_council_notice():
    text = (
        "国务院办公厅关于印发《制造业中试发展行动方案》的通知\n国办发〔2024〕9号\n各省、自治区、直辖市人民政府：\n"
        "现将《制造业中试发展行动方案》印发给你们。\n国务院办公厅\n2024年2月1日"
    )
    meta = extract_meta(text)
    assert (meta.title, meta.doc_number, meta.date) == ("制造业中试发展行动方案", "国办发〔2024〕9号", "2024-02-01")
    assert meta.issuers == ("国务院办公厅",)  # one issuer, not 国务院 + 办公厅
    assert (meta.jurisdiction, meta.implements) == ("national", None)


@pytest.mark.parametrize(
    "issuer, jurisdiction",
    [
        ("湖北省经济和信息化厅", "湖北省"),
        ("苏州市人民政府", "苏州市"),
        ("浦东新区科技和经济委员会", "浦东新区"),
        ("北京市经济和信息化局", "beijing"),
        ("国家市场监督管理总局", "national"),  # 市场 is not a 市
        ("工业和信息化部", "national"),
    ],
)
def test_a_local_issuer_gives_the_jurisdiction(issuer, jurisdiction):
    text = (
        f"{issuer}关于印发《中试平台建设若干措施》的通知\n测发〔2025〕1号\n各有关单位：\n"
        f"现将《中试平台建设若干措施》印发给你们。\n{issuer}\n2025年3月1日"
    )
    meta = extract_meta(text)
    assert (meta.issuers, meta.jurisdiction) == ((issuer,), jurisdiction)


def test_extract_meta_without_a_notice_uses_the_first_line_or_fallback():
    text = "关于推进中试发展的若干措施\n一、总体要求\n支持中试平台建设。"
    meta = extract_meta(text)
    assert (meta.title, meta.doc_number, meta.issuers, meta.date) == ("关于推进中试发展的若干措施", None, (), None)
    assert meta.jurisdiction == "national"
    assert extract_meta(text, fallback_title="PDF标题").title == "PDF标题"


# ---------------------------------------------------------------- heading tree


def test_notice_becomes_header_and_title_is_skipped():
    assert outline(NOTICE, "上海市中试平台管理办法") == [
        (("印发通知",), "header", NOTICE[: NOTICE.index("2025年5月30日") + len("2025年5月30日")]),
        (("序言",), "preamble", "为贯彻落实《制造业中试创新发展实施意见》（工信部联科〔2024〕11号）要求，制定本办法。"),
        (("一、主要目标",), "clause", "一、主要目标\n到2027年，建成20家左右市级中试平台。"),
    ]


def test_chapters_and_articles():
    text = (
        "第一章 总则\n第一条 为规范中试平台管理，制定本办法。\n第二条 本办法适用于本市中试平台。\n第二章 认定\n"
        "第三条 申请认定应当具备下列条件：\n（一）具有独立法人资格；\n（二）具有中试场地。\n"
        "第四条 市经济信息化委负责认定。"
    )
    assert outline(text) == [
        (("第一章 总则", "第一条 为规范中试平台管理，制定本办法"), "clause", "第一条 为规范中试平台管理，制定本办法。"),
        (("第一章 总则", "第二条 本办法适用于本市中试平台"), "clause", "第二条 本办法适用于本市中试平台。"),
        (
            ("第二章 认定", "第三条 申请认定应当具备下列条件：", "（一）具有独立法人资格；"),
            "clause",
            "（一）具有独立法人资格；",
        ),
        (("第二章 认定", "第三条 申请认定应当具备下列条件：", "（二）具有中试场地"), "clause", "（二）具有中试场地。"),
        (("第二章 认定", "第四条 市经济信息化委负责认定"), "clause", "第四条 市经济信息化委负责认定。"),
    ]


def test_numbered_levels_nest():
    text = (
        "一、主要目标\n到2027年，建成20家市级中试平台。\n二、重点任务\n（一）建设中试平台\n支持链主企业共建中试平台。\n"
        "1.建设产业链中试平台\n围绕产业链建设。\n（1）集成电路领域\n开展测试评价。\n（2）人工智能领域\n建设模型训练平台。\n"
        "2.支持公共服务机构。鼓励第三方机构牵头建设。\n（二）完善服务体系\n支持开放共享。\n三、保障措施\n加强组织领导。"
    )
    a, b, one = "二、重点任务", "（一）建设中试平台", "1.建设产业链中试平台"
    assert outline(text) == [
        (("一、主要目标",), "clause", "一、主要目标\n到2027年，建成20家市级中试平台。"),
        ((a, b), "clause", "（一）建设中试平台\n支持链主企业共建中试平台。"),
        ((a, b, one), "clause", "1.建设产业链中试平台\n围绕产业链建设。"),
        ((a, b, one, "（1）集成电路领域"), "clause", "（1）集成电路领域\n开展测试评价。"),
        ((a, b, one, "（2）人工智能领域"), "clause", "（2）人工智能领域\n建设模型训练平台。"),
        ((a, b, "2.支持公共服务机构"), "clause", "2.支持公共服务机构。鼓励第三方机构牵头建设。"),
        ((a, "（二）完善服务体系"), "clause", "（二）完善服务体系\n支持开放共享。"),
        (("三、保障措施",), "clause", "三、保障措施\n加强组织领导。"),
    ]


def test_interpretation_questions_and_items():
    text = (
        "关于印发《实施意见》的通知\n工信部联科〔2024〕11号\n各有关单位：\n现印发给你们。\n工业和信息化部\n2024年1月16日\n"
        "解读：《实施意见》\n近日，工业和信息化部发布《实施意见》。\n一、《实施意见》出台的背景？\n中试是研发到生产的必由之路。\n"
        "二、《实施意见》有哪些考虑？\n提出多种平台建设模式。\n一是龙头企业建设中试平台。按照国际经验开展协同设计。\n"
        "二是布局建设公共服务机构。耗费巨大。\n抄送：各省工业和信息化主管部门。"
    )
    q1, q2 = "一、《实施意见》出台的背景？", "二、《实施意见》有哪些考虑？"
    got = outline(text)
    assert [(path, kind) for path, kind, _ in got] == [
        (("印发通知",), "header"),
        (("解读",), "preamble"),
        (("解读", q1), "clause"),
        (("解读", q2), "clause"),
        (("解读", q2, "一是龙头企业建设中试平台"), "clause"),
        (("解读", q2, "二是布局建设公共服务机构"), "clause"),
        (("版记",), "trailer"),
    ]
    assert got[1][2] == "解读：《实施意见》\n近日，工业和信息化部发布《实施意见》。"
    assert got[4][2] == "一是龙头企业建设中试平台。按照国际经验开展协同设计。"
    assert got[6][2] == "抄送：各省工业和信息化主管部门。"


def test_cross_references_inside_sentences_are_not_headings():
    text = (
        "（一）建设中试平台\n按照本方案（三）的要求建设，依据第五条给予支持，第1.2项和（1）项除外。一是二是之分不作要求。\n"
        "（二）完善服务体系\n支持开放共享。"
    )
    assert outline(text) == [
        (
            ("（一）建设中试平台",),
            "clause",
            "（一）建设中试平台\n按照本方案（三）的要求建设，依据第五条给予支持，第1.2项和（1）项除外。一是二是之分不作要求。",
        ),
        (("（二）完善服务体系",), "clause", "（二）完善服务体系\n支持开放共享。"),
    ]


def test_cross_reference_wrapped_to_a_line_start_is_not_a_heading():
    pages = [
        "（一）推动链主企业建设中试平台\n支持链主企业、行业优质企业联合产业链上下游共建共用中试平台，按照本方案\n"
        "（三）的要求建设，依据本办法第五条的规定给予支持，提供应用场景和试验环境，解决\n第五条所列行业关键共性技术难题。\n"
        " （二）支持专业化公共服务机构牵头建设\n鼓励第三方公共服务机构牵头建设。\n"
    ]
    clean = clean_pages(pages)
    assert [(c.path, c.text) for c in parse_clauses(clean.text)] == [
        (
            ("（一）推动链主企业建设中试平台",),
            "（一）推动链主企业建设中试平台\n支持链主企业、行业优质企业联合产业链上下游共建共用中试平台，"
            "按照本方案（三）的要求建设，依据本办法第五条的规定给予支持，提供应用场景和试验环境，解决第五条所列行业关键共性技术难题。",
        ),
        (
            ("（二）支持专业化公共服务机构牵头建设",),
            "（二）支持专业化公共服务机构牵头建设\n鼓励第三方公共服务机构牵头建设。",
        ),
    ]


# ---------------------------------------------------------------- chunks

LONG = (
    "三、保障措施\n（一）加强组织领导。建立市区两级协调机制，明确责任分工。加大资金支持力度，统筹用好各类专项资金；"
    "强化人才保障，引进培养中试工程师。完善考核评价，定期开展绩效评估！\n（二）加强宣传引导\n营造良好氛围。"
)


def test_sentences_keep_their_punctuation_and_closing_quotes():
    assert sentences("建立机制。加大支持；探索“中试服务券”。强化保障！是否？“揭榜挂帅。”结尾") == [
        "建立机制。",
        "加大支持；",
        "探索“中试服务券”。",
        "强化保障！",
        "是否？",
        "“揭榜挂帅。”",
        "结尾",
    ]


def test_split_text_cuts_only_at_sentence_ends():
    text = "第一句话很长很长。第二句；第三句话很长很长很长。第四句。"
    spans = split_text(text, 15)
    assert [text[a:b] for a, b in spans] == ["第一句话很长很长。第二句；", "第三句话很长很长很长。第四句。"]
    assert split_text(text, 1000) == [(0, len(text))]
    assert split_text("一二三四五六七八九十一二三四五六七八九十。短句。", 5) == [
        (0, 21),
        (21, 24),
    ]  # a long sentence stays whole


def test_long_clause_split_keeps_heading_path_and_offsets():
    clauses = parse_clauses(LONG)
    chunks = chunk_clauses("doc", clauses, CleanText(LONG, (0,)), 40)
    path = ("三、保障措施", "（一）加强组织领导")
    assert [(c.chunk_id, c.path, c.part, c.text) for c in chunks] == [
        ("doc#0000", path, 0, "（一）加强组织领导。建立市区两级协调机制，明确责任分工。"),
        ("doc#0001", path, 1, "加大资金支持力度，统筹用好各类专项资金；强化人才保障，引进培养中试工程师。"),
        ("doc#0002", path, 2, "完善考核评价，定期开展绩效评估！"),
        ("doc#0003", ("三、保障措施", "（二）加强宣传引导"), 0, "（二）加强宣传引导\n营造良好氛围。"),
    ]
    assert all(LONG[c.start : c.end] == c.text and c.pages == (1,) and c.doc_id == "doc" for c in chunks)
    assert all(len(c.text) <= 40 for c in chunks)


def test_header_clause_is_never_split():
    clauses = parse_clauses(NOTICE, "上海市中试平台管理办法")
    chunks = chunk_clauses("n", clauses, CleanText(NOTICE, (0,)), 20)
    assert chunks[0].kind == "header" and chunks[0].text == clauses[0].text and chunks[1].path == ("序言",)


def test_chunk_pages_follow_the_page_map():
    text = "一、主要目标\n到2027年建成20家平台。\n二、重点任务\n支持开放共享。"
    chunks = chunk_clauses("d", parse_clauses(text), CleanText(text, (0, text.index("2027"), text.index("二、"))), 100)
    assert [c.pages for c in chunks] == [(1, 2), (3,)]


# ---------------------------------------------------------------- the real corpus

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


def test_a_signature_after_the_clauses_does_not_make_them_a_notice():
    text = (
        "关于支持中试验证服务的若干措施\n测试发〔2025〕7号\n一、总体要求\n为提升中试验证服务能力，制定本措施。\n"
        "二、支持措施\n（一）按服务合同金额的20%给予奖励，最高不超过300万元。\n测试市经济和信息化委员会\n2025年6月1日"
    )
    assert outline(text) == [
        (("文件信息",), "header", "关于支持中试验证服务的若干措施\n测试发〔2025〕7号"),
        (("一、总体要求",), "clause", "一、总体要求\n为提升中试验证服务能力，制定本措施。"),
        (
            ("二、支持措施", "（一）按服务合同金额的20%给予奖励，最高不超过300万元"),
            "clause",
            "（一）按服务合同金额的20%给予奖励，最高不超过300万元。\n测试市经济和信息化委员会\n2025年6月1日",
        ),
    ]


def test_a_heading_that_runs_on_is_never_cut_inside_a_figure():
    from ingest.structure import MAX_HEADING, split_heading

    text = (
        "（一）" + "对新认定的市级中试基地按照设备投资比例给予补贴" * 2 + "最高补贴金额不超过3000万元具体办法另行制定"
    )
    assert text.index("3000") < MAX_HEADING < text.index("万元")
    heading, _ = split_heading(text, 5)
    assert heading.endswith("不超过…") and "300" not in heading
    with_comma = (
        "（二）对提供中试验证服务的机构按服务合同金额给予奖励，最高不超过300万元，"
        "对新认定的市级中试基地按照设备投资比例给予补贴"
    )
    assert split_heading(with_comma, 5)[0] == "（二）对提供中试验证服务的机构按服务合同金额给予奖励，最高不超过300万元…"


def test_metadata_of_a_notice_signed_after_its_clauses():
    clauses = "\n".join(f"第{n}条 中试平台建设的第{n}项要求。" for n in "一二三四五六七八九十")
    text = (
        f"湖北省经济和信息化厅关于印发《中试平台建设指引》的通知\n鄂经信发〔2025〕3号\n{clauses}\n"
        "湖北省经济和信息化厅\n2025年3月1日"
    )
    meta = extract_meta(text)
    assert (meta.issuers, meta.date, meta.jurisdiction) == (("湖北省经济和信息化厅",), "2025-03-01", "湖北省")
    assert [c.kind for c in parse_clauses(text)][:2] == ["header", "clause"]  # the clauses are no notice


def test_a_cited_doc_number_is_not_the_documents_own():
    text = (
        "苏州市工业和信息化局关于印发《苏州市中试平台建设方案》的通知\n各有关单位：\n"
        "为贯彻落实《制造业中试创新发展实施意见》（工信部联科〔2024〕11号），现印发本方案。\n"
        "一、总体要求\n支持中试。\n苏州市工业和信息化局\n2025年3月1日"
    )
    meta = extract_meta(text)
    assert (meta.doc_number, meta.implements, meta.jurisdiction) == (None, "工信部联科〔2024〕11号", "苏州市")
