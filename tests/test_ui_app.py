"""The web app end to end through its API (gradio_client), on a real index and a temp SQLite DB."""

from __future__ import annotations

import asyncio
import csv
import inspect
import json
from pathlib import Path

import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError

from evals.bench.load import text_of
from tests.ui_fixtures import ADMIN, build_env, close_env, connect, running_app

pytestmark = pytest.mark.slow

QUESTION = "新建中试平台采购设备最高补贴多少？"
SH_NUMBER = "沪经信技〔2025〕365号"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    environment = build_env(tmp_path_factory.mktemp("ui-app"))
    yield environment
    close_env(environment)


@pytest.fixture(scope="module")
def url(env):
    with running_app(env) as address:
        yield address


def test_multi_turn_chat_with_sources_and_feedback(env, url, tmp_path):
    client = connect(url, tmp_path)
    messages, box, status = client.predict(QUESTION, "全部", api_name="/ask")
    assert box == ""
    assert [m["role"] for m in messages] == ["user", "assistant"]
    first = text_of(messages[-1])
    assert "1亿元" in first
    assert SH_NUMBER in first.split("pa-sources", 1)[1], "文号 must be in the sources block"
    assert "<details" in first and "第6页" in first
    assert "记录编号" in status

    messages, _, _ = client.predict("那已建的呢？", "全部", api_name="/ask")
    assert len(messages) == 4
    assert "30%" in text_of(messages[-1])

    note, comment_box = client.predict("没帮助", "希望列出申报流程", api_name="/feedback")
    assert "已记录" in note and comment_box == ""
    rows = env.repo.list_answers()
    followup = next(r for r in rows if r["question"] == "那已建的呢？")
    assert followup["session_id"] == next(r for r in rows if r["question"] == QUESTION)["session_id"]
    assert followup["settings"]["retriever"] == env.settings.retriever
    assert [(f["thumb"], f["comment"]) for f in env.repo.feedback_for(followup["id"])] == [("down", "希望列出申报流程")]

    cleared, _, _ = client.predict(api_name="/clear")
    assert cleared == []
    messages, _, status = client.predict("北京的中试补贴标准是多少？", "全部", api_name="/ask")
    assert len(messages) == 2
    assert "未覆盖" in text_of(messages[-1]) and "不在收录" in status
    assert env.repo.list_answers()[0]["session_id"] != followup["session_id"], "a new chat is a new session"


def test_the_chat_is_one_update_unless_an_llm_writes_the_answer(env):
    from assistant.llm.chat import ChatModel
    from ui.tabs.chat_flow import THINKING, api_asker, at_once, page_asker

    assert env.settings.local_storage
    for asker in (api_asker, page_asker):
        handler = asker(env.assistant, env.repo)
        assert inspect.iscoroutinefunction(handler), "answered on the event loop, in one update"
        messages, box, state, *_ = asyncio.run(handler(QUESTION, "全部", None))
        assert (
            box == "" and [m["role"] for m in messages] == ["user", "assistant"] and "1亿元" in messages[1]["content"]
        )
        assert state["turns"][0]["content"] == QUESTION and state["messages"] == messages
    threaded = at_once(lambda *_: iter([("placeholder",), ("answer",)]), on_loop=False)  # a store on the network
    assert not inspect.iscoroutinefunction(threaded) and threaded(QUESTION, "全部", None) == ("answer",)
    saved = env.assistant.chat
    env.assistant.chat = ChatModel(env.settings.replace(llm_base_url="http://127.0.0.1:9/v1", llm_model="fake"))
    try:
        for asker in (api_asker, page_asker):
            handler = asker(env.assistant, env.repo)
            assert inspect.isgeneratorfunction(handler), "an LLM's answer is shown as it grows"
            first = next(handler(QUESTION, "全部", None))
            assert [m["content"] for m in first[0]][-1] == THINKING
    finally:
        env.assistant.chat = saved


def test_a_new_session_builds_block_configs_when_they_are_read(env, url, tmp_path):
    from gradio.state_holder import StateHolder

    from assistant.cli.commands import review_tools
    from ui.app import build_app
    from ui.gradio_sessions import GradioSession, LazySession

    app = build_app(env.assistant, env.repo, review_tools(), workdir=tmp_path)
    holder = StateHolder()
    holder.set_blocks(app)
    lazy, full = holder["a-session"], GradioSession(app)
    assert isinstance(lazy, LazySession) and vars(lazy).keys() == vars(full).keys()
    assert len(lazy.config_values) == 0, "nothing built before it is read"
    assert dict(lazy.config_values.items()) == full.config_values  # gradio lists them all for a deep link
    messages, _, _ = connect(url, tmp_path).predict(QUESTION, "全部", api_name="/ask")
    assert "1亿元" in text_of(messages[-1])


def test_sessions_are_separate_and_text_is_escaped(env, url, tmp_path):
    first, second = connect(url, tmp_path / "a"), connect(url, tmp_path / "b")
    first.predict(QUESTION, "上海", api_name="/ask")
    messages, _, _ = second.predict("<script>alert(1)</script>中试服务券最高支持比例是多少？", "全部", api_name="/ask")
    assert len(messages) == 2, "another session's history must not leak in"
    user_text = text_of(messages[0])
    assert "<script>" not in user_text and "&lt;script&gt;" in user_text
    with pytest.raises(AppError):
        second.predict("   ", "全部", api_name="/ask")
    sessions = {r["session_id"] for r in env.repo.list_answers()[:2]}
    assert len(sessions) == 2
    assert env.repo.list_answers()[1]["settings"]["jurisdiction"] == "shanghai"


def test_admin_rating_and_exports(env, url, tmp_path):
    client = connect(url, tmp_path)
    client.predict(QUESTION, "全部", api_name="/ask")
    with pytest.raises(AppError):
        client.predict(1, "correct", "", False, api_name="/rate")
    status, _ = client.predict("admin", "wrong", api_name="/login")
    assert "错误" in status
    status, password_box = client.predict(*ADMIN, api_name="/login")
    assert "已以管理员" in status and password_box == ""

    table, accuracy = client.predict(True, api_name="/list_answers")
    unrated = [row for row in table["data"] if row[2] == QUESTION]
    assert unrated, table
    qa_id = int(unrated[0][0])
    status, note_box, table, accuracy = client.predict(qa_id, "correct", "数字与原文一致", True, api_name="/rate")
    assert f"#{qa_id}" in status and note_box == ""
    assert qa_id not in [int(row[0]) for row in table["data"]]
    assert "评审准确率" in accuracy
    detail = client.predict(qa_id, api_name="/answer_detail")
    assert "正确" in detail and SH_NUMBER in detail

    csv_path = client.predict(api_name="/export_csv")
    with open(csv_path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert any(r["question"] == QUESTION and r["rating"] == "correct" for r in rows)

    jsonl_path = client.predict(api_name="/export_jsonl")
    items = [json.loads(line) for line in Path(jsonl_path).read_text(encoding="utf-8").splitlines()]
    item = next(i for i in items if i["question"] == QUESTION)
    assert set(item) == {"id", "question", "history", "answerable", "gold_evidence", "key_facts", "gold_doc", "type"}
    assert item["answerable"] is True and item["gold_doc"] == SH_NUMBER and item["type"] == "numeric"
    assert ["1亿元"] in item["key_facts"]

    client.predict(api_name="/logout")
    with pytest.raises(AppError):
        client.predict(api_name="/export_csv")


def test_reply_draft_and_downloads(url, tmp_path):
    import docx

    client = connect(url, tmp_path)
    draft, status = client.predict(QUESTION, "上海某某科技有限公司", "全部", api_name="/draft")
    assert draft.startswith("# 关于“新建中试平台采购设备最高补贴多少”的答复意见")
    assert "上海某某科技有限公司：" in draft
    assert f"《上海市中试平台创新发展实施方案》（{SH_NUMBER}）" in draft
    assert "1亿元" in draft and "\n> " in draft
    assert "请联系政策发文部门：上海市经济和信息化委员会" in draft
    edited = draft.replace("【答复单位】", "上海市某区经济委员会")
    md_path, docx_path = client.predict(edited, api_name="/draft_files")
    assert md_path.endswith(".md") and docx_path.endswith(".docx")
    assert "上海市某区经济委员会" in Path(md_path).read_text(encoding="utf-8")
    text = "\n".join(p.text for p in docx.Document(docx_path).paragraphs)
    assert "上海市某区经济委员会" in text and "1亿元" in text


def test_documents_and_clauses(url, tmp_path):
    client = connect(url, tmp_path)
    table, _ = client.predict(api_name="/documents")
    numbers = {row[1] for row in table["data"]}
    assert {SH_NUMBER, "工信部联科〔2024〕11号"} <= numbers
    tree, _, first_clause = client.predict("shanghai-pilot-platform-plan-2025.pdf", api_name="/clause_tree")
    assert "<li>" in tree and "（十二）支持布局搭建中试线" in tree
    assert first_clause
    section = "四、完善中试发展生态 > （十二）支持布局搭建中试线"
    clause = client.predict("shanghai-pilot-platform-plan-2025.pdf", section, api_name="/clause")
    assert "1亿元" in clause and "第6页" in clause


def test_run_eval_from_the_review_tab(env, url, tmp_path):
    client = connect(url, tmp_path)
    client.predict(*ADMIN, api_name="/login")
    table, chart = client.predict(None, "lexical", api_name="/run_eval")
    assert "| lexical |" in table and "hit@1" in table
    assert chart and chart.endswith(".png")
    assert (env.settings.data_dir / "eval-ui" / "summary.md").is_file()


POLICY_TXT = """关于支持中试验证服务的若干措施
测试发〔2025〕7号
一、总体要求
为提升中试验证服务能力，制定本措施。
二、支持措施
（一）对提供中试验证服务的机构，按服务合同金额的20%给予奖励，最高不超过300万元。
（二）鼓励金融机构开发中试保险产品。
测试市经济和信息化委员会
2025年6月1日
"""


def test_upload_and_reindex(tmp_path_factory, tmp_path):
    environment = build_env(tmp_path_factory.mktemp("ui-upload"))
    try:
        with running_app(environment) as address:
            client = connect(address, tmp_path)
            source = tmp_path / "中试验证措施.txt"
            source.write_text(POLICY_TXT, encoding="utf-8")
            with pytest.raises(AppError):  # admin only
                client.predict(handle_file(str(source)), False, api_name="/upload")
            client.predict(*ADMIN, api_name="/login")
            bad = tmp_path / "tool.exe"
            bad.write_bytes(b"MZ" + b"\0" * 10)
            with pytest.raises(AppError):
                client.predict(handle_file(str(bad)), False, api_name="/upload")
            report = client.predict(handle_file(str(source)), False, api_name="/upload")
            assert "中试验证措施.txt" in report and "新增" in report
            assert (environment.settings.corpus_dir / "中试验证措施.txt").is_file()
            with pytest.raises(AppError):  # same name, no replace → refused
                client.predict(handle_file(str(source)), False, api_name="/upload")
            assert "未变化" in client.predict(api_name="/reindex")
            table, _ = client.predict(api_name="/documents")
            assert len(table["data"]) == 3
            messages, _, _ = client.predict("中试验证服务奖励", "全部", api_name="/ask")
            assert "300万元" in text_of(messages[-1])
    finally:
        close_env(environment)


def test_admin_features_disabled_without_credentials(env, tmp_path):
    from types import SimpleNamespace

    from assistant.service import Assistant
    from ui.tabs.access import ADMIN_DISABLED

    settings = env.settings.replace(admin_user=None, admin_password=None)
    no_admin = SimpleNamespace(
        root=tmp_path,
        settings=settings,
        repo=env.repo,
        assistant=Assistant(settings, env.assistant.embedder, env.assistant.tokenizer),
    )
    try:
        with running_app(no_admin) as address:
            client = connect(address, tmp_path)
            status, _ = client.predict(*ADMIN, api_name="/login")
            assert status == ADMIN_DISABLED
            table, notice = client.predict(False, api_name="/list_answers")
            assert table["data"] == []
            assert notice == ADMIN_DISABLED
            with pytest.raises(AppError):
                client.predict(api_name="/reindex")
    finally:
        no_admin.assistant.close()
