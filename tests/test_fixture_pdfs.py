"""PDFs made at test time in layouts unlike the corpus: the cleaner, the heading tree and the metadata
must not be tuned to the two corpus files."""

from __future__ import annotations

import re
from pathlib import Path

import pypdf
import pytest
from reportlab.lib.pagesizes import A4, A5, B5
from reportlab.pdfgen import canvas

import tests.pdf_fixtures as F
from assistant.core.settings import Settings
from ingest.loaders import read_pages
from ingest.parse import parse_file


def source_text(paragraphs: list[str], title: str) -> str:
    """What the cleaner should recover: the typed paragraphs without layout marks, spaces or the title line."""
    out = []
    for p in paragraphs:
        for mark in (F.CENTER, F.RIGHT):
            p = p.removeprefix(mark)
        if p not in (F.PAGE_BREAK, title):
            out.append(re.sub(r"\s", "", p))
    return "\n".join(out)


REGULATION_TEXT = source_text(F.REGULATION, F.REGULATION_TITLE)
PLAN_TEXT = source_text(F.PLAN, F.PLAN_TITLE)


@pytest.fixture(scope="module")
def regulation(tmp_path_factory):
    path = F.regulation_pdf(tmp_path_factory.mktemp("pdf") / "jiangsu-regulation.pdf")
    return path, read_pages(path, 50)[0], parse_file(path, Settings())


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    path = F.plan_pdf(tmp_path_factory.mktemp("pdf") / "beijing-plan.pdf")
    return path, read_pages(path, 50)[0], parse_file(path, Settings())


def test_stsong_light_round_trips_through_pypdf(tmp_path):
    F.register_font()
    line = "上海市中试平台（一）第五条，“AI For Science”沪经信技〔2025〕365号：1.87万亿元；是否？《办法》— 3 —"
    pdf = canvas.Canvas(str(tmp_path / "font.pdf"))
    pdf.setFont(F.FONT, 12)
    pdf.drawString(72, 760, line)
    pdf.showPage()
    pdf.save()
    assert pypdf.PdfReader(str(tmp_path / "font.pdf")).pages[0].extract_text().strip() == line


def test_the_inputs_really_carry_furniture(regulation, plan):
    _, raw, _ = regulation
    assert len(raw) == 4
    for n, page in enumerate(raw, 1):
        lines = page.strip().split("\n")
        assert lines[0] == F.REGULATION_TITLE and lines[-1] == f"第 {n} 页 共 4 页"
    assert any(
        line.startswith("第五条的规定") for page in raw for line in page.split("\n")
    )  # the wrapped cross-reference
    _, raw, _ = plan
    assert len(raw) == 4
    for n, page in enumerate(raw, 1):
        lines = page.strip().split("\n")
        assert lines[0] == F.PLAN_TITLE and lines[-1] == f"- {n} -"


def clean_text_of(path: Path) -> str:
    from ingest.clean import clean_pages

    return clean_pages(read_pages(path, 50)[0]).text


def test_regulation_is_cleaned_to_its_paragraphs(regulation):
    assert clean_text_of(regulation[0]) == REGULATION_TEXT


def test_plan_is_cleaned_to_its_paragraphs(plan):
    assert clean_text_of(plan[0]) == PLAN_TEXT


@pytest.mark.parametrize(
    "layout",
    [
        dict(font_size=12, footer=F.dashed),
        dict(font_size=9, page_size=A4, lines_per_page=12),
        dict(font_size=14, page_size=B5, lines_per_page=7),
    ],
    ids=["12pt-dashed", "9pt-A4", "14pt-B5"],
)
def test_regulation_in_other_layouts(tmp_path, layout):
    path = F.regulation_pdf(tmp_path / "r.pdf", F.regulation_layout(**layout))
    assert len(read_pages(path, 50)[0]) >= 3
    assert clean_text_of(path) == REGULATION_TEXT


@pytest.mark.parametrize(
    "layout",
    [
        dict(font_size=12, margin=60, footer=F.page_of_total, lines_per_page=14),
        dict(font_size=10.5, margin=40, page_size=A5, lines_per_page=12),
        dict(font_size=18, margin=70, lines_per_page=9),
    ],
    ids=["12pt-page-of-total", "10.5pt-A5", "18pt"],
)
def test_plan_in_other_layouts(tmp_path, layout):
    path = F.plan_pdf(tmp_path / "p.pdf", F.plan_layout(**layout))
    assert len(read_pages(path, 50)[0]) >= 3
    assert clean_text_of(path) == PLAN_TEXT


def test_regulation_metadata(regulation):
    doc = regulation[2].document
    assert (doc.title, doc.doc_number, doc.date, doc.jurisdiction, doc.page_count, doc.implements) == (
        "江苏省中试平台管理办法",
        "苏工信规〔2024〕3号",
        "2024-03-08",
        "jiangsu",
        4,
        None,
    )
    assert doc.issuers == ("江苏省工业和信息化厅",)


def test_plan_metadata(plan):
    doc = plan[2].document
    assert (doc.title, doc.doc_number, doc.date, doc.jurisdiction, doc.page_count, doc.implements) == (
        "北京市中试基地建设实施方案",
        "京科发〔2024〕15号",
        "2024-06-12",
        "beijing",
        4,
        "工信部联科〔2024〕11号",
    )
    assert doc.issuers == ("北京市科学技术委员会", "北京市经济和信息化局")


def test_regulation_chapters_and_articles(regulation):
    ch1, ch2, ch3 = "第一章总则", "第二章认定条件", "第三章支持措施"
    art3 = "第三条申请认定的中试平台应当具备下列条件："
    chunks = regulation[2].chunks
    assert [(c.kind, c.path) for c in chunks] == [
        ("header", ("印发通知",)),
        ("clause", (ch1, "第一条为规范本省中试平台的认定和管理，促进科技成果转化和产业化，制定本办法")),
        ("clause", (ch1, "第二条本办法所称中试平台，是指为科技成果进行二次开发、小批量试生产和工艺验证提供服务的平台")),
        ("clause", (ch2, art3, "（一）在本省注册，具有独立法人资格；")),
        ("clause", (ch2, art3, "（二）具有开展中试服务所需的场地、仪器设备和专业人员；")),
        ("clause", (ch2, art3, "（三）近三年内未发生重大安全、环保事故")),
        (
            "clause",
            (
                ch2,
                "第四条符合本办法第三条规定条件的中试平台，经省工业和信息化厅组织评审认定后，按照本办法第五条的规定给予支持",
            ),
        ),
        ("clause", (ch3, "第五条对认定的中试平台，按照中试线设备投资给予补贴，支持金额最高可达1亿元")),
        ("clause", (ch3, "第六条本办法自2024年4月1日起施行，有效期五年")),
    ]
    assert chunks[0].text == REGULATION_TEXT[: REGULATION_TEXT.index("2024年3月8日") + len("2024年3月8日")]
    assert chunks[6].text == (
        "第四条符合本办法第三条规定条件的中试平台，经省工业和信息化厅组织评审认定后，按照本办法第五条的规定给予支持。"
    )
    assert chunks[7].text == "第五条对认定的中试平台，按照中试线设备投资给予补贴，支持金额最高可达1亿元。"


def test_plan_numbered_levels(plan):
    task, base = "二、重点任务", "（一）建设中试基地"
    one = (task, base, "1.建设产业中试基地")
    chunks = plan[2].chunks
    assert [(c.kind, c.path, c.text) for c in chunks[1:]] == [
        ("preamble", ("序言",), "为贯彻落实《制造业中试创新发展实施意见》（工信部联科〔2024〕11号），制定本方案。"),
        ("clause", ("一、总体要求",), "一、总体要求\n到2026年，在本市重点产业领域建成10家左右市级中试基地。"),
        ("clause", one, "1.建设产业中试基地。支持龙头企业围绕产业链建设中试基地。"),
        ("clause", one + ("（1）集成电路领域",), "（1）集成电路领域。开展工艺验证和小批量试生产。"),
        ("clause", one + ("（2）生物医药领域",), "（2）生物医药领域。开展工艺放大和质量研究。"),
        ("clause", (task, base, "2.建设公共中试基地"), "2.建设公共中试基地。鼓励第三方机构牵头建设公共中试基地。"),
        (
            "clause",
            (task, "（二）完善服务体系"),
            "（二）完善服务体系\n支持中试基地开放共享，对外提供服务的，按服务收入的20%给予奖励。",
        ),
        (
            "clause",
            ("三、保障措施",),
            "三、保障措施\n加强组织领导，建立市区两级协调机制。加大资金支持，统筹用好各类专项资金；"
            "强化人才保障，引进培养中试工程师。完善考核评价，定期开展绩效评估。",
        ),
    ]
    assert (chunks[0].kind, chunks[0].path) == ("header", ("印发通知",))
    assert chunks[0].text.endswith("北京市科学技术委员会北京市经济和信息化局\n2024年6月12日")


def test_plan_long_clause_is_split_at_sentence_ends(plan):
    chunks = parse_file(plan[0], Settings(chunk_max_chars=40)).chunks
    parts = [c for c in chunks if c.path == ("三、保障措施",)]
    assert [(c.part, c.text) for c in parts] == [
        (0, "三、保障措施\n加强组织领导，建立市区两级协调机制。"),
        (1, "加大资金支持，统筹用好各类专项资金；强化人才保障，引进培养中试工程师。"),
        (2, "完善考核评价，定期开展绩效评估。"),
    ]


def test_fixture_chunk_pages_match_the_pdf(regulation, plan):
    for _, raw, parsed in (regulation, plan):
        pages = [re.sub(r"\s", "", p) for p in raw]
        for c in parsed.chunks:
            body = re.sub(r"\s", "", c.text)
            assert body[:6] in pages[c.pages[0] - 1] and body[-6:] in pages[c.pages[-1] - 1], (c.chunk_id, c.pages)
            assert not re.search(r"第\d+页共\d+页|-\d+-", body)
    assert [c.pages for c in plan[2].chunks if c.path == ("三、保障措施",)] == [(3, 4)]
