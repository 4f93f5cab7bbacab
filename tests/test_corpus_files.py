"""What counts as a corpus file: symbolic links out of the corpus are refused (and an indexed version removed),
broken links are reported, a document that yields no chunk is an error, two explicit paths with one name fail."""

from __future__ import annotations

import re
from pathlib import Path

from assistant.index.build import ingest
from assistant.index.layout import Layout
from tests.corpus_fixtures import NATIONAL_PDF, SHANGHAI_PDF, cli

SECRET = "内部资料：某企业中试项目报价单\n第一条 报价为人民币八百万元，请勿外传。\n"
NOTE = "上海市中试平台补充说明\n第一条 中试服务券补贴比例不超过百分之五十。\n"


def reports(report) -> dict[str, tuple[str, str | None]]:
    return {Path(d.path).name: (d.status, d.reason) for d in report.docs}


def indexed_text(settings) -> str:
    layout = Layout(settings)
    return "\n".join(c.text for c in layout.load_chunks(layout.current())[0])


def test_links_out_of_the_corpus_and_broken_links_are_refused(settings, embedder, tokenizer, tmp_path):
    outside = tmp_path / "private" / "secret.txt"
    outside.parent.mkdir()
    outside.write_text(SECRET, encoding="utf-8")
    (settings.corpus_dir / "leak.txt").symlink_to(outside)
    (settings.corpus_dir / "gone.txt").symlink_to(tmp_path / "deleted.txt")
    (settings.corpus_dir / "note.txt").write_text(NOTE, encoding="utf-8")
    (settings.corpus_dir / "alias.txt").symlink_to("note.txt")  # a link within the corpus is a file of it

    report = ingest(settings, embedder, tokenizer)
    got = reports(report)
    assert got["leak.txt"] == ("failed", f"符号链接指向语料目录之外（{outside}），出于安全考虑不予收录")
    assert got["gone.txt"] == ("failed", f"符号链接指向的文件不存在（{tmp_path / 'deleted.txt'}）")
    assert {got[n][0] for n in ("note.txt", "alias.txt", SHANGHAI_PDF.name, NATIONAL_PDF.name)} == {"new"}
    assert "报价" not in indexed_text(settings)

    done = cli(settings, "ingest")  # the same lines from the CLI
    assert done.returncode == 1
    assert re.search(r"error \S+leak\.txt: 符号链接指向语料目录之外", done.stdout), done.stdout
    assert re.search(r"error \S+gone\.txt: 符号链接指向的文件不存在", done.stdout), done.stdout


def test_an_indexed_file_replaced_by_a_link_out_of_the_corpus_leaves_the_index(settings, embedder, tokenizer, tmp_path):
    inside = settings.corpus_dir / "quote.txt"
    inside.write_text(SECRET, encoding="utf-8")
    assert reports(ingest(settings, embedder, tokenizer))["quote.txt"][0] == "new"
    outside = tmp_path / "secret.txt"
    outside.write_text(SECRET, encoding="utf-8")
    inside.unlink()
    inside.symlink_to(outside)
    report = ingest(settings, embedder, tokenizer)
    statuses = [d.status for d in report.docs if Path(d.path).name == "quote.txt"]
    assert sorted(statuses) == ["failed", "removed"] and report.changed
    assert "报价" not in indexed_text(settings)


def test_a_document_without_chunks_is_an_error(settings, embedder, tokenizer):
    (settings.corpus_dir / "one-line.txt").write_text("关于进一步支持中试平台建设的若干措施（征求意见稿）\n", "utf-8")
    got = reports(ingest(settings, embedder, tokenizer))
    assert got["one-line.txt"] == ("failed", "解析后没有可收录的正文（0 个片段；文件只有一行标题？）")
    assert got[SHANGHAI_PDF.name][0] == got[NATIONAL_PDF.name][0] == "new"


def test_two_explicit_paths_with_one_name(settings, embedder, tokenizer, tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "note.txt").write_text(NOTE, encoding="utf-8")
    report = ingest(settings, embedder, tokenizer, paths=[tmp_path / "a" / "note.txt", tmp_path / "b" / "note.txt"])
    assert [(d.status, d.reason) for d in report.docs] == [
        ("new", None),
        ("failed", "与本次已处理的另一个文件同名，未重复收录"),
    ]
