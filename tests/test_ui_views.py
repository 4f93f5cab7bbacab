"""The gradio-free views of issue 14: chat notes and markers, Chinese messages, review records in local time,
eval runs, the original page with the clause marked."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from assistant.core.records import Answer, Chunk, Citation, Document, Hit
from tests.browser_fixtures import yellow_pixels
from tests.corpus_fixtures import SHANGHAI_PDF
from ui.views.evaluation import failure_rows, keep_latest, list_runs, metric_table, new_run, zip_run
from ui.views.locate import locate, match_spans, merge_lines
from ui.views.messages import chinese_reason
from ui.views.records import local_time, render_record, review_headers, review_rows
from ui.views.render import contents_note, followup_note, link_markers, md_text, render_answer, scope_note

NATIONAL = Document(
    "national",
    "制造业中试创新发展实施意见",
    "工信部联科〔2024〕11号",
    ("工业和信息化部",),
    "2024-01-16",
    "national",
    8,
    "national.pdf",
    "h",
    contents="收录：印发通知及官方解读（《实施意见》正文未收录）",
)


def shanghai_doc(**changes) -> Document:
    from dataclasses import replace

    return replace(_SHANGHAI, **changes)


_SHANGHAI = Document(
    "shanghai-pilot-platform-plan-2025",
    "上海市中试平台创新发展实施方案",
    "沪经信技〔2025〕365号",
    ("上海市经济和信息化委员会",),
    "2025-05-30",
    "shanghai",
    7,
    SHANGHAI_PDF.name,
    "h",
)


TWELVE = (
    "（十二）支持布局搭建中试线\n针对新布局建设的中试平台，加大支持力度，中试线所需采购的仪器设备等投资，"
    "通过补贴方式给予支持，支持金额最高可达1亿元；投入较大的中试线，通过一事一议的方式专题研究。"
)


def chunk(text: str = TWELVE, pages=(6,), chunk_id="shanghai-pilot-platform-plan-2025#0014", start=0) -> Chunk:
    return Chunk(
        chunk_id,
        "shanghai-pilot-platform-plan-2025",
        text,
        ("四、完善中试发展生态", "（十二）"),
        pages,
        start,
        start + len(text),
    )


# ---- chat ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question, resolved, note",
    [
        ("中试服务券最高支持比例是多少？", None, None),
        (
            "中试服务券最高支持比例是多少？",
            "中试服务券最高支持比例是多少（接上文：新建中试平台采购设备最高补贴多少？）",
            None,
        ),
        (
            "那已建的呢？",
            "那已建的呢（接上文：新建中试平台采购设备最高补贴多少？）",
            "理解为：接上一问“新建中试平台采购设备最高补贴多少”",
        ),
        (
            "它的文号是多少？",
            "上海市中试平台创新发展实施方案的文号是多少？",
            "理解为：上海市中试平台创新发展实施方案的文号是多少",
        ),
        ("补贴上限呢？", "已建平台的补贴上限", "理解为：已建平台的补贴上限"),
        ("新建平台补贴多少？", "新建平台补贴多少", None),
    ],
)
def test_the_follow_up_note_only_when_resolution_changed_the_question(question, resolved, note):
    assert followup_note(question, resolved) == note
    if note:
        assert len(note) <= 34


def test_markers_link_only_to_existing_sources_and_sources_carry_their_keys():
    escaped = md_text("见[1]与[3]，[中试验证](javascript:alert(2))")
    linked = link_markers(escaped, [1, 2])
    assert linked.count('class="pa-ref pa-ref-1"') == 1 and "pa-ref-3" not in linked and r"\[3\]" in linked
    assert r"\[中试验证\]\(javascript:alert\(2\)\)" in linked and "href" not in linked
    answer = Answer("新建平台补贴多少？", "最高1亿元。[1]", False, [Citation(1, chunk(), shanghai_doc())])
    rendered = render_answer(answer)
    assert 'class="pa-source pa-src-1"' in rendered
    assert 'class="pa-open pa-chunk-shanghai-pilot-platform-plan-2025#0014"' in rendered
    assert "data-" not in rendered, "the chatbot's sanitiser drops data-* attributes"


def test_a_refusal_names_the_scope_and_what_a_partial_document_holds():
    hit = Hit(chunk(), NATIONAL, 1.0, 1)
    refusal = Answer("实施意见提出到2027年的目标是什么？", "现有政策文件中未找到……", True, [], [hit])
    assert (
        scope_note(refusal, "shanghai")
        == "当前政策范围为“上海”，只查找了上海的文件。可点击下方“在全部文件中重新查找”。"
    )
    assert scope_note(refusal, None) is None
    assert (
        contents_note(refusal)
        == "说明：《制造业中试创新发展实施意见》收录：印发通知及官方解读（《实施意见》正文未收录）。"
    )
    answered = Answer("q", "a[1]", False, [Citation(1, chunk(), NATIONAL)])
    assert scope_note(answered, "shanghai") is None and contents_note(answered) is None
    rendered = render_answer(refusal, "shanghai")
    assert "当前政策范围为“上海”" in rendered and "正文未收录" in rendered


@pytest.mark.parametrize(
    "reason, chinese",
    [
        (
            "corrupt or truncated PDF (PdfStreamError: Stream has ended unexpectedly)",
            "PDF 文件已损坏或不完整，无法读取",
        ),
        ("encrypted PDF: a password is required to read it", "PDF 文件已加密，需要密码才能读取"),
        ("empty file (0 bytes)", "文件为空（0 字节）"),
        ("file is 51.0 MB, over the 50 MB limit", "文件 51.0 MB，超过 50 MB 的上限"),
        (
            "no text layer (a scanned or image-only document?); OCR it first",
            "文件中没有可提取的文字（扫描件需先做文字识别）",
        ),
        ("text layer decodes to garbage (45% unreadable characters)", "文字层无法正常解码（45% 为乱码）"),
        ("something nobody translated yet", "文件无法解析（详细原因见服务器日志）"),
        ("语料库中已有同名文件", "语料库中已有同名文件"),
    ],
)
def test_ingest_reasons_are_said_in_chinese(reason, chinese):
    assert chinese_reason(reason) == chinese


# ---- review -------------------------------------------------------------------------------------


def record(**changes) -> dict:
    return {
        "id": 9,
        "created_at": datetime(2026, 12, 1, 19, 30),  # stored UTC
        "session_id": "s",
        "question": "那已建的呢？",
        "answer": "补贴支持比例不超过核定总投资的30%。[1]",
        "refused": False,
        "rating": "wrong",
        "note": "把新建与已建弄混",
        "settings": {"retriever": "hybrid", "jurisdiction": "shanghai", "resolved_question": "已建平台的补贴上限"},
        "citations": [],
        **changes,
    }


def test_review_times_are_local_and_the_detail_shows_the_earlier_turns():
    assert local_time(datetime(2026, 12, 1, 19, 30), "Asia/Shanghai").strftime("%m-%d %H:%M") == "12-02 03:30"
    assert local_time(datetime(2026, 12, 1, 19, 30, tzinfo=UTC), "Asia/Shanghai").hour == 3
    assert review_headers("Asia/Shanghai")[1] == "时间（北京时间）"
    assert review_rows([record()], "Asia/Shanghai")[0][:3] == [9, "12-02 03:30", "那已建的呢？"]
    history = [
        {"role": "user", "content": "新建中试平台采购设备最高补贴多少？"},
        {"role": "assistant", "content": "支持金额最高可达1亿元。" * 40},
    ]
    detail = render_record(record(), [], history, "Asia/Shanghai")
    assert "2026-12-02 03:30 北京时间" in detail
    assert detail.index("此前的对话") < detail.index("新建中试平台采购设备最高补贴多少") < detail.index("**问题：**")
    assert "**结合上文理解为：** 已建平台的补贴上限" in detail and "…" in detail
    assert "当前评审：**错误**" in detail


# ---- eval runs ----------------------------------------------------------------------------------

SUMMARY = {
    "dataset_items": 2,
    "retrievers": {"lexical": {"hit@1": 0.5, "answer_correct": 1.0, "latency_p95_ms": 12.25, "llm_answered": None}},
    "failures": {
        "lexical": [
            {
                "id": "un-1",
                "type": "unanswerable",
                "question": "北京补多少？",
                "expected": "refusal",
                "evidence": [],
                "answer": "最高1亿元。",
                "refused": False,
                "rank": None,
                "unsupported": [],
            }
        ]
    },
}


def test_eval_runs_are_kept_apart_with_chinese_labels_and_their_failures(tmp_path):
    import json

    labels = {"hit@1": "首位命中率", "answer_correct": "答案正确率"}
    table = metric_table(SUMMARY, labels, ("hit@1", "answer_correct", "latency_p95_ms", "llm_answered"))
    assert table.splitlines()[0] == "| 指标 | lexical |"
    assert "| 首位命中率（hit@1） | 0.500 |" in table and "| 延迟P95" not in table and "latency_p95_ms | 12.2" in table
    assert "llm_answered" not in table
    assert failure_rows(SUMMARY) == [["un-1", "unanswerable", "北京补多少？", "应拒答", "最高1亿元。", "—"]]
    now = datetime(2026, 12, 1, 19, 30, tzinfo=UTC)
    first, second = new_run(tmp_path, "Asia/Shanghai", now), new_run(tmp_path, "Asia/Shanghai", now)
    assert (first.name, second.name) == ("20261202-033000", "20261202-033000-2")
    for run in (first, second):
        (run.folder / "summary.json").write_text(json.dumps(SUMMARY), encoding="utf-8")
        (run.folder / "summary.md").write_text(f"# {run.name}", encoding="utf-8")
    keep_latest(second)
    assert (tmp_path / "eval-ui" / "summary.md").read_text(encoding="utf-8") == "# 20261202-033000-2"
    runs = list_runs(tmp_path, "Asia/Shanghai")
    assert [r.name for r in runs] == ["20261202-033000-2", "20261202-033000"]
    assert runs[0].label() == "2026-12-02 03:30:00 · lexical · 2 题"
    archive = zip_run(first.folder, tmp_path)
    assert sorted(zipfile.ZipFile(archive).namelist()) == ["20261202-033000/summary.json", "20261202-033000/summary.md"]


def test_the_chart_speaks_chinese_when_a_cjk_font_is_found(tmp_path):
    from evals.report import chart, cjk_font

    results = {"lexical": {"summary": {"hit@1": 0.9, "answer_correct": 0.8}}}
    font = chart(tmp_path / "metrics.png", results, 180)
    assert font == cjk_font() and (tmp_path / "metrics.png").stat().st_size > 10_000
    if Path("/usr/share/fonts/opentype/noto").is_dir():  # Debian fonts-noto-cjk (make browser installs it)
        assert font is not None and "CJK" in font


# ---- 原文定位 -------------------------------------------------------------------------------------


def test_a_clause_is_found_on_its_page_whitespace_and_line_breaks_aside():
    page = (
        "上一条的结尾。\r\n（十二）支持布局搭建中试线\r\n"
        "针对新布局建设的中试平台，加大支持力度，中试线所需\r\n采购的仪器设备"
    )
    spans = match_spans(
        page, "（十二）支持布局搭建中试线\n针对新布局建设的中试平台，加大支持力度，中试线所需采购的仪器设备"
    )
    assert (
        len(spans) == 1
        and page[spans[0][0] : spans[0][1]].startswith("（十二）")
        and page.endswith(page[spans[0][0] : spans[0][1]])
    )
    assert match_spans(page, "完全不相干的一句话") == []
    assert merge_lines([(80, 700, 110, 720), (112, 700, 300, 720), (80, 670, 200, 690)]) == [
        (80, 700, 300, 720),
        (80, 670, 200, 690),
    ]


def test_the_original_pdf_page_is_rendered_with_the_clause_marked(tmp_path):
    from PIL import Image

    corpus = SHANGHAI_PDF.parent
    found = locate(shanghai_doc(), chunk(), corpus, tmp_path, 50)
    assert found.image is not None and found.boxes >= 4 and "黄色框" in found.heading and "第6页" in found.heading
    image = Image.open(found.image)
    assert image.width > 800 and yellow_pixels(image) > 5_000
    missing = locate(shanghai_doc(source_path="gone.pdf"), chunk(), corpus, tmp_path, 50)
    assert missing.image is None and "不在语料目录" in missing.heading
    escape = locate(shanghai_doc(source_path="../../etc/passwd"), chunk(), corpus, tmp_path, 50)
    assert escape.image is None and not escape.text_html


def test_a_text_source_is_shown_with_the_clause_marked(tmp_path):
    from ingest.clean import clean_pages

    (tmp_path / "措施.txt").write_text(
        "关于中试的措施\n第一条 总则。\n第二条 补贴最高300万元。\n<script>x</script>\n", encoding="utf-8"
    )
    text = clean_pages(["关于中试的措施\n第一条 总则。\n第二条 补贴最高300万元。\n<script>x</script>\n"]).text
    start = text.index("第二条")
    doc = shanghai_doc(source_path="措施.txt")
    found = locate(doc, chunk("第二条补贴最高300万元。", (1,), "x#1", start), tmp_path, tmp_path, 50)
    assert '<mark id="pa-mark" class="pa-mark">第二条补贴最高300万元。</mark>' in found.text_html
    assert "<script>" not in found.text_html and "&lt;script&gt;" in found.text_html
