"""Reply drafts (issue 14): only the cited clauses, an official not-covered reply, a clean title, the officer's
salutation, plain-text copy, the GB/T 9704 .docx, and saved drafts with status, reviewer and due date."""

from __future__ import annotations

import re
import zipfile
from datetime import date

import pytest

from assistant.core.records import Answer, Chunk, Citation, Document, Hit
from ui.views.drafting import (
    build_draft,
    clean_title,
    contact_of,
    is_complex,
    plain_text,
    quoted_part,
    salutation,
    write_draft_files,
)

SH = Document(
    "sh",
    "上海市中试平台创新发展实施方案",
    "沪经信技〔2025〕365号",
    ("上海市经济和信息化委员会", "上海市教育委员会"),
    "2025-05-30",
    "shanghai",
    7,
    "sh.pdf",
    "h",
)
TWELVE = Chunk(
    "sh#14",
    "sh",
    "（十二）支持布局搭建中试线\n针对新布局建设的中试平台，支持金额最高可达1亿元；投入较大的中试线，通过一事一议的方式专题研究。"
    "针对已建且需进一步提升能级的中试平台，补贴支持比例不超过核定总投资的30%，支持金额不超过5000万元。",
    ("四、完善中试发展生态", "（十二）支持布局搭建中试线"),
    (6,),
    0,
    100,
)
FIFTEEN = Chunk(
    "sh#17",
    "sh",
    "（十五）支持资源开放共享\n探索“中试服务券”形式补贴支持，最高支持比例不超过50%。",
    ("四、完善中试发展生态", "（十五）支持资源开放共享"),
    (7,),
    200,
    260,
)
BUILT = (
    "据《上海市中试平台创新发展实施方案》四、（十二）："
    "针对已建且需进一步提升能级的中试平台，补贴支持比例不超过核定总投资的30%，支持金额不超过5000万元。[1]"
)
REFUSAL = (
    "现有政策文件中未找到关于北京的中试政策的规定。本助手收录的是《制造业中试创新发展实施意见》、《上海市中试平台创新发展实施方案》。\n"
    "可参考的相关条款：[1]《上海市中试平台创新发展实施方案》四、（十二）支持布局搭建中试线；[2]《上海市中试平台创新发展实施方案》一、主要目标。\n"
    "如需进一步了解，请咨询当地工业和信息化主管部门。"
)


def test_a_draft_quotes_only_the_cited_clauses_cut_to_the_quoted_sentences():
    answer = Answer("已建的平台补贴多少？", BUILT, False, [Citation(1, TWELVE, SH), Citation(2, FIFTEEN, SH)])
    text = build_draft(answer, today=date(2026, 12, 2))
    assert "[2]" not in text and "50%" not in text, "a citation the answer does not use is not quoted"
    quoted = [line for line in text.splitlines() if line.startswith("> ")]
    assert quoted[0].startswith("> [1] 《上海市中试平台创新发展实施方案》（沪经信技〔2025〕365号）")
    assert "> （十二）支持布局搭建中试线" in quoted and "5000万元" in quoted[-1]
    assert "1亿元" not in text, "the 新建 sentence of the same clause is left out"
    assert "……" in quoted[-1]
    assert quoted_part(TWELVE.text, "完全是另一种说法") == TWELVE.text


def test_a_not_covered_draft_is_an_official_reply():
    hit = Hit(TWELVE, SH, 1.0, 1)
    answer = Answer(
        "您好，我们是北京的企业，北京的中试补贴标准是多少？", REFUSAL, True, [Citation(1, TWELVE, SH)], [hit]
    )
    text = build_draft(answer, "北京某某科技有限公司", today=date(2026, 12, 2), kind="单位")
    assert text.startswith("# 关于“北京的中试补贴标准是多少”的答复意见（草稿）")
    assert "未找到可直接引用的条款" in text and "未作出具体规定" in text
    assert "本助手" not in text and "收录的是" not in text and "可参考的相关条款" not in text
    assert not re.search(r"\[\d+\]", text), "no dangling markers"
    contacts = re.findall(r"请(?:联系|咨询)([^。]+)。", text)
    assert contacts == ["当地工业和信息化主管部门"], "one contact"
    assert "2026年12月2日" in text
    assert contact_of(Answer("q", "无", True, [], [hit])) == "上海市经济和信息化委员会"
    assert contact_of(Answer("q", "无", True)) == "相关主管部门"


@pytest.mark.parametrize(
    "question, title",
    [
        ("新建中试平台采购设备最高补贴多少？", "新建中试平台采购设备最高补贴多少"),
        ("您好，请问我们公司是做新能源电池的，想问一下“中试服务券”怎么申请？", "中试服务券怎么申请"),
        (
            "你好！我公司位于浦东新区。新建中试平台采购设备最高补贴多少？另外已建的呢？",
            "新建中试平台采购设备最高补贴多少",
        ),
        ("我公司计划新建中试平台，采购设备能获得多少补贴？", "我公司计划新建中试平台，采购设备能获得多少补贴"),
        ("《实施意见》提出哪些目标", "《实施意见》提出哪些目标"),
        ("请问“《实施意见》的目标？", "《实施意见》的目标"),
        (
            "上海市中试平台创新发展实施方案中关于支持资源开放共享的规定，以及中试服务券的申请方式是怎样的？",
            "上海市中试平台创新发展实施方案中关于支持资源开放共享的规定",
        ),
    ],
)
def test_the_title_comes_from_the_cleaned_ask(question, title):
    assert clean_title(question) == title
    assert len(clean_title(question)) <= 30


def test_the_salutation_is_the_officers_choice_with_a_neutral_default():
    assert salutation() == "您好"
    assert salutation("", "单位") == "贵单位" and salutation("", "个人") == "尊敬的来信人"
    assert salutation("上海某某科技有限公司", "单位") == "上海某某科技有限公司"
    answer = Answer("新建平台补贴多少？", "最高1亿元。[1]", False, [Citation(1, TWELVE, SH)])
    assert "\n尊敬的来信人：\n" in build_draft(answer, kind="个人")
    assert "\n您好：\n" in build_draft(answer) and "企业负责人" not in build_draft(answer)


def test_copy_gives_plain_text():
    answer = Answer("已建的平台补贴多少？", BUILT, False, [Citation(1, TWELVE, SH)])
    plain = plain_text(build_draft(answer, "某公司", today=date(2026, 12, 2)))
    assert plain.startswith("关于“已建的平台补贴多少”的答复意见（草稿）\n")
    assert not re.search(r"^\s*[#>]", plain, re.M) and "**" not in plain
    assert "\n　　（十二）支持布局搭建中试线\n" in plain


def test_complex_replies_are_those_with_several_documents_or_many_clauses():
    other = Document(
        "n",
        "制造业中试创新发展实施意见",
        "工信部联科〔2024〕11号",
        ("工业和信息化部",),
        None,
        "national",
        8,
        "n.pdf",
        "h",
    )
    one = Answer("q", "a[1]", False, [Citation(1, TWELVE, SH)])
    two_docs = Answer("q", "a[1] b[2]", False, [Citation(1, TWELVE, SH), Citation(2, FIFTEEN, other)])
    assert not is_complex(one) and is_complex(two_docs)
    assert is_complex(Answer("问" * 200, "a[1]", False, [Citation(1, TWELVE, SH)]))


def test_the_docx_follows_gb_t_9704(tmp_path):
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn

    answer = Answer("已建的平台补贴多少？", BUILT, False, [Citation(1, TWELVE, SH)])
    text = build_draft(answer, "某某科技有限公司", today=date(2026, 12, 2))
    _, path = write_draft_files(text, tmp_path)
    document = docx.Document(str(path))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297), "A4"
    margins = [
        round(m.mm) for m in (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    ]
    assert margins == [37, 35, 28, 26]
    paragraphs = document.paragraphs
    title = paragraphs[0]
    assert title.text == "关于“已建的平台补贴多少”的答复意见（草稿）"
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER and title.style.name != "Heading 1"
    east_asia = title.runs[0].element.rPr.rFonts.get(qn("w:eastAsia"))
    assert east_asia == "方正小标宋简体" and title.runs[0].font.size.pt == 22
    body = next(p for p in paragraphs if "5000万元" in p.text and not p.text.startswith("[1]"))
    assert body.runs[0].element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert all(r.font.size.pt == 16 for r in body.runs) and body.paragraph_format.first_line_indent.pt == 32
    date_line, signature = paragraphs[-1], paragraphs[-2]
    assert date_line.text == "2026年12月2日" and signature.text == "【答复单位】"
    assert date_line.alignment == WD_ALIGN_PARAGRAPH.RIGHT and signature.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    fonts = zipfile.ZipFile(path).read("word/fontTable.xml").decode("utf-8")
    assert '<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>' in fonts
    assert '<w:font w:name="方正小标宋简体"><w:altName w:val="华文中宋"/>' in fonts
    assert "仿宋_GB2312、仿宋、FangSong" in document.core_properties.comments
    assert "PAGE" in zipfile.ZipFile(path).read("word/footer1.xml").decode("utf-8")


# ---- saved drafts -------------------------------------------------------------------------------


def test_working_days_skip_the_weekend():
    from assistant.app.drafts import add_working_days

    friday = date(2026, 12, 4)
    assert add_working_days(friday, 1) == date(2026, 12, 7)
    assert add_working_days(friday, 3) == date(2026, 12, 9)
    assert add_working_days(date(2026, 12, 1), 1) == date(2026, 12, 2)


def test_saved_drafts_are_listed_by_due_date(tmp_path):
    from assistant.app.drafts import DraftStore
    from assistant.app.repository import RecordNotFound, Repository

    repo = Repository(f"sqlite:///{tmp_path / 'app.db'}")
    try:
        store = DraftStore(repo.engine)
        late = store.save(None, title="甲", text="t", status="草稿", due=date(2026, 12, 9), complex_reply=True)
        soon = store.save(None, title="乙", text="t", status="待审核", reviewer="张科长", due=date(2026, 12, 2))
        done = store.save(None, title="丙", text="t", status="已审核", due=date(2026, 12, 1))
        assert [d["id"] for d in store.listed()] == [soon, late]
        assert [d["id"] for d in store.listed(open_only=False)] == [done, soon, late]
        store.save(late, title="甲", text="改过", status="已审核", reviewer="李处长", due=date(2026, 12, 9))
        saved = store.get(late)
        assert (saved["text"], saved["status"], saved["reviewer"], saved["complex"]) == (
            "改过",
            "已审核",
            "李处长",
            True,
        )
        assert [d["id"] for d in store.listed()] == [soon]
        with pytest.raises(ValueError):
            store.save(None, title="丁", text="t", status="作废")
        with pytest.raises(RecordNotFound):
            store.save(999, title="戊", text="t", status="草稿")
    finally:
        repo.close()
