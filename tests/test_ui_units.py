"""The gradio-free parts of the web app: uploads, credentials, rendering, exports and reply drafts."""

from __future__ import annotations

import csv
import json
import re
from datetime import date, datetime

import pytest

from assistant.core.errors import IngestError
from assistant.core.records import Answer, Chunk, Citation, Document
from assistant.core.settings import Settings
from evals.ratings import numbers_in, to_dataset_item, write_csv, write_jsonl
from ui.views.documents import clause_paths, render_tree
from ui.views.drafting import build_draft, write_draft_files
from ui.views.render import md_text, render_answer
from ui.views.uploads import check_credentials, safe_filename, save_upload

EVIL = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def settings_for(tmp_path, **changes) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        corpus_dir=tmp_path / "corpus",
        admin_user="admin",
        admin_password="s3cret",
        max_file_mb=1.0,
    ).replace(**changes)


def make_answer(doc_text: str = "支持金额最高可达1亿元；补贴比例不超过30%。", refused: bool = False) -> Answer:
    doc = Document(
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
    chunk = Chunk("sh#1", "sh", doc_text, ("四、完善中试发展生态", "（十二）支持布局搭建中试线"), (6,), 10, 20)
    return Answer(
        "新建中试平台补贴多少？",
        "支持金额最高可达1亿元[1]，比例不超过30%。[1]",
        refused,
        [] if refused else [Citation(1, chunk, doc)],
    )


@pytest.mark.parametrize(
    "name, expected",
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\windows\\evil.PDF", "evil.pdf"),
        (".hidden.txt", "hidden.txt"),
        ("a b<script>.txt", "a_b_script.txt"),
        ("上海市方案(2025).pdf", "上海市方案(2025).pdf"),
        ("....", "upload"),
        ("/", "upload"),
    ],
)
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected


def test_save_upload_stays_inside_corpus(tmp_path):
    settings = settings_for(tmp_path)
    src = tmp_path / "in.txt"
    src.write_text("关于中试的通知\n一、总体要求\n内容。", encoding="utf-8")
    stored = save_upload(src, "../../outside.txt", settings)
    assert stored == settings.corpus_dir.resolve() / "outside.txt" and stored.is_file()
    assert not (tmp_path / "outside.txt").exists()
    with pytest.raises(IngestError, match="同名"):
        save_upload(src, "outside.txt", settings)
    src.write_text("更新后的通知\n正文。", encoding="utf-8")
    assert "更新后" in save_upload(src, "outside.txt", settings, replace=True).read_text(encoding="utf-8")
    assert sorted(p.name for p in settings.corpus_dir.iterdir()) == ["outside.txt"], "no temp files left"


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("tool.exe", b"MZ\0\0", "不支持的文件类型"),
        ("empty.txt", b"", "为空"),
        ("big.txt", "中".encode() * 400_000, "超过"),
        ("broken.pdf", b"%PDF-1.4 not really a pdf", "无法读取"),
    ],
)
def test_save_upload_refuses(tmp_path, name, content, reason):
    settings = settings_for(tmp_path)
    src = tmp_path / "upload.bin"
    src.write_bytes(content)
    with pytest.raises(IngestError, match=reason):
        save_upload(src, name, settings)
    assert not settings.corpus_dir.exists() or not any(settings.corpus_dir.iterdir())


def test_credentials(tmp_path):
    settings = settings_for(tmp_path)
    assert check_credentials(settings, "admin", "s3cret")
    assert not check_credentials(settings, "admin", "wrong")
    assert not check_credentials(settings, "", "")
    assert not check_credentials(settings, None, None)
    assert not check_credentials(settings_for(tmp_path, admin_password=None), "admin", "")


def test_render_escapes_user_and_document_text():
    assert "<script>" not in md_text(EVIL)
    rendered = render_answer(make_answer(doc_text=f"正文{EVIL}"))
    assert "<script>" not in rendered and "<img" not in rendered
    assert "&lt;script&gt;" in rendered
    assert "沪经信技〔2025〕365号" in rendered and "第6页" in rendered
    assert "\n\n" not in rendered[rendered.index("<div") :], "the sources must stay one HTML block"
    assert "收录的政策文件未覆盖" in render_answer(make_answer(refused=True))


def test_clause_tree_is_balanced():
    answer = make_answer()
    chunks = [
        answer.citations[0].chunk,
        Chunk("sh#2", "sh", EVIL, ("四、完善中试发展生态", "（十三）推动"), (6,), 20, 30),
        Chunk("sh#0", "sh", "序", ("序言",), (1,), 0, 5),
    ]
    tree = render_tree(answer.citations[0].document, clause_paths(chunks, "sh"))
    assert tree.count("<ul>") == tree.count("</ul>") and tree.count("<li>") == tree.count("</li>")
    assert "<script>" not in tree
    assert tree.index("序言") < tree.index("（十二）") < tree.index("（十三）")
    assert tree.count("四、完善中试发展生态") == 1


def test_numbers_in_ignores_markers_doc_numbers_and_dates():
    text = "据沪经信技〔2025〕365号[1]，2025年5月30日起，最高1亿元，比例30%，不超过5000万元。[2]"
    assert numbers_in(text) == ["1亿元", "30%", "5000万元"]


def row(rating, refused=False, history=None, **extra):
    answer = make_answer(refused=refused)
    return {
        "id": 7,
        "created_at": datetime(2025, 1, 2, 3, 4, 5),
        "session_id": "s",
        "question": answer.question,
        "answer": answer.answer,
        "refused": refused,
        "rating": rating,
        "note": "n",
        "rated_at": None,
        "settings": {"retriever": "hybrid", "jurisdiction": None},
        "citations": [c.to_dict() for c in answer.citations],
        "history": history or [],
        **extra,
    }


def test_dataset_items_follow_the_rating():
    item = to_dataset_item(row("correct"))
    assert item == {
        "id": "ui-7",
        "question": "新建中试平台补贴多少？",
        "history": [],
        "answerable": True,
        "gold_evidence": item["gold_evidence"],
        "key_facts": [["1亿元"], ["30%"]],
        "gold_doc": "沪经信技〔2025〕365号",
        "type": "numeric",
    }
    assert all(8 <= len(e) <= 25 for e in item["gold_evidence"]) and "1亿元" in item["gold_evidence"][0]
    assert to_dataset_item(row("wrong")) is None
    assert to_dataset_item(row("citation-wrong")) is None
    assert to_dataset_item(row("partial", refused=True)) is None
    assert to_dataset_item(row("correct", refused=True)) == {
        "id": "ui-7",
        "question": "新建中试平台补贴多少？",
        "history": [],
        "answerable": False,
        "gold_evidence": [],
        "key_facts": [],
        "gold_doc": None,
        "type": "unanswerable",
    }
    turns = [
        {"role": "user", "content": f"问{i}"} if i % 2 == 0 else {"role": "assistant", "content": f"答{i}"}
        for i in range(6)
    ]
    multi = to_dataset_item(row("partial", history=turns))
    assert multi["type"] == "multi-turn" and len(multi["history"]) == 4 and multi["history"][0]["role"] == "user"


def test_csv_and_jsonl_files(tmp_path):
    rows = [row("correct"), row("wrong")]
    assert write_csv(rows, tmp_path / "r.csv") == 2
    with open(tmp_path / "r.csv", encoding="utf-8-sig", newline="") as fh:
        assert [r["rating"] for r in csv.DictReader(fh)] == ["correct", "wrong"]
    assert write_jsonl(rows, tmp_path / "r.jsonl") == 1
    assert json.loads((tmp_path / "r.jsonl").read_text(encoding="utf-8"))["id"] == "ui-7"


def test_reply_draft(tmp_path):
    import docx

    text = build_draft(make_answer(), "某某科技有限公司", today=date(2025, 7, 1))
    assert text.startswith("# 关于“新建中试平台补贴多少”的答复意见（草稿）")
    assert "某某科技有限公司：" in text
    assert "> [1] 《上海市中试平台创新发展实施方案》（沪经信技〔2025〕365号）四、完善中试发展生态（十二）" in text
    assert "以上答复依据《上海市中试平台创新发展实施方案》（沪经信技〔2025〕365号）。" in text
    assert "请联系政策发文部门：上海市经济和信息化委员会。" in text
    assert "2025年7月1日" in text and not re.search(r"\$\{?\w+", text)
    refused = build_draft(make_answer(refused=True))
    # issue 14: the default salutation is neutral (it was "尊敬的企业负责人", wrong for a citizen); the officer
    # chooses 单位 or 个人 (tests/test_ui_drafting.py)
    assert "\n您好：\n" in refused and "企业负责人" not in refused
    assert "未找到可直接引用的条款" in refused and "相关主管部门" in refused
    md_path, docx_path = write_draft_files(text, tmp_path, Settings().max_draft_chars)
    assert md_path.read_text(encoding="utf-8") == text
    paragraphs = [p.text for p in docx.Document(str(docx_path)).paragraphs]
    assert paragraphs[0].startswith("关于“新建中试平台补贴多少”") and any("1亿元" in p for p in paragraphs)
