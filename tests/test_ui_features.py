"""Issue 14 through the running app's API: documents with their contents and validity, 原文定位, official
drafts and their .docx, saved drafts, eval runs kept apart, refused admin actions logged as one line."""

from __future__ import annotations

import logging
import zipfile
from datetime import date

import pytest
from gradio_client.exceptions import AppError

from tests.ui_fixtures import ADMIN, build_env, close_env, connect, running_app

pytestmark = pytest.mark.slow
SH_DOC = "shanghai-pilot-platform-plan-2025.pdf"
NATIONAL_CONTENTS = "收录：印发通知及官方解读（《实施意见》正文未收录）"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    environment = build_env(tmp_path_factory.mktemp("ui-features"))
    yield environment
    close_env(environment)


@pytest.fixture(scope="module")
def url(env):
    with running_app(env) as address:
        yield address


def test_each_document_says_what_it_holds_and_whether_it_is_valid(url, tmp_path):
    client = connect(url, tmp_path)
    table, _ = client.predict(api_name="/documents")
    assert table["headers"][-2:] == ["状态", "收录内容"]
    by_number = {row[1]: row for row in table["data"]}
    assert by_number["工信部联科〔2024〕11号"][-2:] == ["现行有效", NATIONAL_CONTENTS]
    assert by_number["沪经信技〔2025〕365号"][-2:] == ["现行有效", "全文"]
    tree, _, _ = client.predict("national-manufacturing-pilot-opinions-2024.pdf", api_name="/clause_tree")
    assert NATIONAL_CONTENTS in tree and "pa-status-badge" in tree and "pa-tree-node pa-clause-0" in tree


def test_a_refusal_touching_the_missing_text_says_what_is_indexed(url, tmp_path):
    from evals.bench.load import text_of

    client = connect(url, tmp_path)
    messages, _, _ = client.predict("实施意见提出到2027年的目标是什么？", "全部", api_name="/ask")
    reply = text_of(messages[-1])
    assert "未覆盖" in reply and "正文未收录" in reply


def test_the_original_page_of_a_source(env, url, tmp_path):
    from PIL import Image

    client = connect(url, tmp_path)
    chunk = next(c for c in env.assistant.snapshot.chunks if c.doc_id == SH_DOC and "1亿元" in c.text)
    heading, image, text = client.predict(chunk.chunk_id + "|1", api_name="/locate")
    assert "沪经信技〔2025〕365号" in heading and "第6页" in heading and "黄色框" in heading
    assert image["visible"] and not text["visible"]
    assert Image.open(image["value"]).width > 800
    heading, image, _ = client.predict("no-such-chunk", api_name="/locate")
    assert "未找到该条款" in heading and not image["visible"]


def test_official_drafts_their_docx_and_the_saved_list(url, tmp_path):
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    client = connect(url, tmp_path)
    draft, _ = client.predict(
        "您好，我们是北京的企业，北京的中试补贴标准是多少？", "", "全部", "个人", api_name="/draft"
    )
    assert draft.startswith("# 关于“北京的中试补贴标准是多少”的答复意见（草稿）")
    assert "尊敬的来信人：" in draft and "本助手" not in draft and "[1]" not in draft
    assert draft.count("请联系") == 1
    md_path, docx_path = client.predict(draft, api_name="/draft_files")
    document = docx.Document(docx_path)
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    date_line = document.paragraphs[-1]
    assert date_line.text.endswith("日") and date_line.alignment == WD_ALIGN_PARAGRAPH.RIGHT

    note, table = client.predict(draft, "待审核", "张科长", "2026-12-09", api_name="/save_draft")
    assert "已保存草稿" in note and table["data"][0][2:5] == ["待审核", "张科长", "2026-12-09"]
    simple, _ = client.predict("中试服务券最高支持比例是多少？", "", "全部", api_name="/draft")
    note, table = client.predict(simple, "草稿", "", "2026-12-03", api_name="/save_draft")
    assert [row[4] for row in table["data"]][:2] == ["2026-12-03", "2026-12-09"], "listed by due date"
    note, _ = client.predict(simple, "草稿", "", "12/03", api_name="/save_draft")
    assert "YYYY-MM-DD" in note


def test_the_default_due_date_is_one_working_day_or_three(env):
    from ui.tabs.draft_queue import due_for

    friday = date(2026, 12, 4)
    assert due_for(env.settings, False, friday) == date(2026, 12, 7)
    assert due_for(env.settings, True, friday) == date(2026, 12, 9)


def test_every_eval_run_is_kept_with_its_failures_and_a_download(env, url, tmp_path):
    client = connect(url, tmp_path)
    client.predict(*ADMIN, api_name="/login")
    first, _ = client.predict(None, "lexical", api_name="/run_eval")
    second, chart = client.predict(None, "lexical", api_name="/run_eval")
    assert "| 指标 | lexical |" in second and "首位命中率（hit@1）" in second and "答案正确率" in second
    assert chart.endswith(".png")
    runs = sorted(p.name for p in (env.settings.data_dir / "eval-ui" / "runs").iterdir())
    assert len(runs) == 2 and runs[0] != runs[1]
    table, _, failures, archive, choices = client.predict(runs[0], api_name="/eval_run")
    assert [c[1] for c in choices["choices"]] == runs[::-1]
    assert failures["headers"] == ["编号", "类型", "问题", "期望", "实际回答", "证据排名"]
    assert len(failures["data"]) == int(table.split("未通过 ")[1].split(" 题")[0])
    names = zipfile.ZipFile(archive).namelist()
    assert f"{runs[0]}/summary.json" in names and f"{runs[0]}/metrics.png" in names


def test_refused_admin_actions_are_one_log_line_without_a_traceback(url, tmp_path, caplog, capfd):
    client = connect(url, tmp_path)
    client.predict(api_name="/logout")
    with caplog.at_level(logging.INFO, logger="ui"):
        for api_name, args in (("/export_csv", ()), ("/reindex", ()), ("/answer_detail", (1,))):
            with pytest.raises(AppError):
                client.predict(*args, api_name=api_name)
    refused = [r for r in caplog.records if r.name == "ui" and "refused admin action" in r.getMessage()]
    assert len(refused) == 3 and all(r.exc_info is None for r in refused)
    assert "Traceback" not in capfd.readouterr().err
