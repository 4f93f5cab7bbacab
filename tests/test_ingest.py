"""Incremental ingest into a real embedded Chroma with the deterministic hash-64 embedder."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

import tests.pdf_fixtures as F
from assistant.core.settings import AnswerTuning
from assistant.index.build import chunk_index_text, ingest
from assistant.index.layout import Layout
from assistant.index.snapshot import Snapshot
from tests.corpus_fixtures import NATIONAL_PDF, SHANGHAI_PDF

SH, NAT = SHANGHAI_PDF.name, NATIONAL_PDF.name  # doc ids: the file names
SH_CHUNKS, NAT_CHUNKS = 19, 20
NOTE = "上海市中试平台补充说明\n第一条 本说明适用于上海市中试平台的认定，中试服务券补贴比例不超过百分之五十。\n"


def run(settings, embedder, tokenizer, paths=None):
    report = ingest(settings, embedder, tokenizer, paths=paths)
    return report, {Path(d.path).name: d for d in report.docs}


def index_state(settings):
    """(generation, manifest entries, chunks by doc, Chroma count) of the published index."""
    layout = Layout(settings)
    gen = layout.current()
    chunks, _ = layout.load_chunks(gen)
    by_doc: dict[str, list] = {}
    for c in chunks:
        by_doc.setdefault(c.doc_id, []).append(c)
    count = layout.open_store(gen, "hash-64", create=False).count()
    return gen, layout.load_manifest(gen).entries, by_doc, count


def search(settings, tokenizer, embedder, query: str, doc_id: str | None = None) -> tuple[list[str], list[str]]:
    """Chunk ids found by BM25 and by the Chroma vector store, best first."""
    snap = Snapshot.load_current(Layout(settings))
    try:
        lexical = [
            snap.chunks[i].chunk_id
            for i, _ in snap.bm25.top(
                tokenizer.query_terms(query, AnswerTuning().synonym_weight), 5, snap.mask(doc_id=doc_id)
            )
        ]
        where = {"doc_id": doc_id} if doc_id else None
        dense = [cid for cid, _ in snap.store.query(embedder.embed([query])[0], 50, where)]
    finally:
        snap.close()
    return lexical, dense


@pytest.fixture
def ingested(settings, embedder, tokenizer):
    report, docs = run(settings, embedder, tokenizer)
    assert report.changed and not report.failed
    return settings


# ---------------------------------------------------------------- incremental ingest


def test_ingest_corpus(ingested, tokenizer, embedder):
    gen, entries, by_doc, count = index_state(ingested)
    assert (Layout(ingested).current_file.read_text(encoding="utf-8"), count) == (gen, SH_CHUNKS + NAT_CHUNKS)
    assert {d: (e.document.doc_number, e.clauses, e.chunks) for d, e in entries.items()} == {
        SH: ("沪经信技〔2025〕365号", 19, SH_CHUNKS),
        NAT: ("工信部联科〔2024〕11号", 16, NAT_CHUNKS),
    }
    assert {d: len(cs) for d, cs in by_doc.items()} == {SH: SH_CHUNKS, NAT: NAT_CHUNKS}
    lexical, dense = search(ingested, tokenizer, embedder, "中试线支持金额最高可达多少", SH)
    assert lexical[0] == f"{SH}#0014" and len(dense) == SH_CHUNKS


def test_first_report(settings, embedder, tokenizer):
    report, docs = run(settings, embedder, tokenizer)
    assert {n: (d.status, d.document.doc_number, d.clauses, d.chunks) for n, d in docs.items()} == {
        SHANGHAI_PDF.name: ("new", "沪经信技〔2025〕365号", 19, SH_CHUNKS),
        NATIONAL_PDF.name: ("new", "工信部联科〔2024〕11号", 16, NAT_CHUNKS),
    }
    assert report.generation == Layout(settings).current()


def test_second_ingest_is_a_no_op(ingested, embedder, tokenizer):
    before = index_state(ingested)
    dirs = sorted(p.name for p in Layout(ingested).root.iterdir())
    report, docs = run(ingested, embedder, tokenizer)
    assert (report.changed, report.generation) == (False, before[0])
    assert {d.status for d in docs.values()} == {"unchanged"}
    assert index_state(ingested)[0] == before[0] and sorted(p.name for p in Layout(ingested).root.iterdir()) == dirs


def test_changed_file_is_reingested_alone(ingested, embedder, tokenizer):
    gen0, entries0, by_doc0, _ = index_state(ingested)
    F.plan_pdf(ingested.corpus_dir / SHANGHAI_PDF.name)  # new content under the old name
    report, docs = run(ingested, embedder, tokenizer)
    assert (docs[SHANGHAI_PDF.name].status, docs[NATIONAL_PDF.name].status) == ("updated", "unchanged")
    gen, entries, by_doc, count = index_state(ingested)
    assert report.changed and gen == report.generation != gen0
    assert entries[SH].document.doc_number == "京科发〔2024〕15号" and entries[SH].file_hash != entries0[SH].file_hash
    assert entries[NAT] == entries0[NAT] and by_doc[NAT] == by_doc0[NAT]
    assert count == NAT_CHUNKS + len(by_doc[SH]) and len(by_doc[SH]) == docs[SHANGHAI_PDF.name].chunks == 9
    assert all("上海" not in c.text for c in by_doc[SH])  # nothing left of the old version
    assert not (Layout(ingested).root / gen0).exists()


def test_removed_file_leaves_the_index(ingested, embedder, tokenizer):
    (ingested.corpus_dir / NATIONAL_PDF.name).unlink()
    report, docs = run(ingested, embedder, tokenizer)
    assert docs[NATIONAL_PDF.name].status == "removed" and docs[SHANGHAI_PDF.name].status == "unchanged"
    gen, entries, by_doc, count = index_state(ingested)
    assert (set(entries), set(by_doc), count) == ({SH}, {SH}, SH_CHUNKS)
    assert search(ingested, tokenizer, embedder, "中试", NAT)[1] == []


def test_new_txt_is_picked_up(ingested, embedder, tokenizer):
    (ingested.corpus_dir / "note.txt").write_text(NOTE, encoding="utf-8")
    report, docs = run(ingested, embedder, tokenizer)
    assert {n: d.status for n, d in docs.items()} == {
        "note.txt": "new",
        SHANGHAI_PDF.name: "unchanged",
        NATIONAL_PDF.name: "unchanged",
    }
    gen, entries, by_doc, count = index_state(ingested)
    assert count == SH_CHUNKS + NAT_CHUNKS + 1 and entries["note.txt"].document.jurisdiction == "shanghai"
    assert [c.path for c in by_doc["note.txt"]] == [
        ("第一条本说明适用于上海市中试平台的认定，中试服务券补贴比例不超过百分之五十",)
    ]
    assert search(ingested, tokenizer, embedder, "中试服务券补贴比例", "note.txt")[0] == ["note.txt#0000"]


def test_explicit_paths_add_without_removing(ingested, embedder, tokenizer, tmp_path):
    extra = tmp_path / "elsewhere.txt"
    extra.write_text(NOTE, encoding="utf-8")
    report, docs = run(ingested, embedder, tokenizer, paths=[extra])
    assert [d.status for d in docs.values()] == ["new"]
    assert set(index_state(ingested)[1]) == {SH, NAT, "elsewhere.txt"}


# ---------------------------------------------------------------- bad input


def corrupt(path: Path) -> None:
    path.write_bytes(bytes(random.Random(7).randrange(256) for _ in range(4096)))


def truncated(path: Path) -> None:
    data = SHANGHAI_PDF.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def encrypted(path: Path) -> None:
    F.plain_pdf(path, ["　　加密文件的正文内容，需要密码才能阅读。"] * 3, password="secret")


def zero_bytes(path: Path) -> None:
    path.write_bytes(b"")


def textless(path: Path) -> None:
    F.textless_pdf(path)


def garbage(path: Path) -> None:
    F.garbage_pdf(path, "上海市中试平台创新发展实施方案，支持金额最高可达一亿元。" * 4)


def oversized(path: Path) -> None:
    """51 MB, over the default 50 MB limit (sparse, so it costs no disk space)."""
    with open(path, "wb") as fh:
        fh.truncate(51 * 1024 * 1024)


BROKEN = {
    "corrupt": (corrupt, r"^PDF 文件损坏或不完整（\w+）$"),
    "truncated": (truncated, r"^PDF 文件损坏或不完整（\w+）$"),
    "encrypted": (encrypted, r"^PDF 已加密，需要密码才能打开$"),
    "zero-byte": (zero_bytes, r"^文件为空（0 字节）$"),
    "text-less": (textless, r"^没有文字层（扫描件或纯图片文件？），请先做文字识别（OCR）$"),
    "garbage": (garbage, r"^文字层解码为乱码（\d+% 的字符无法识别）$"),
    "over the size limit": (oversized, r"^文件 51\.0 MB，超过 50 MB 的上限$"),
}


@pytest.mark.parametrize("kind", BROKEN)
def test_broken_file_fails_alone(settings, embedder, tokenizer, kind):
    make, reason = BROKEN[kind]
    make(settings.corpus_dir / "broken.pdf")
    report, docs = run(settings, embedder, tokenizer)
    assert docs["broken.pdf"].status == "failed" and re.search(reason, docs["broken.pdf"].reason)
    assert report.failed == [docs["broken.pdf"]]
    assert docs[SHANGHAI_PDF.name].status == docs[NATIONAL_PDF.name].status == "new"
    _, entries, _, count = index_state(settings)
    assert set(entries) == {SH, NAT} and count == SH_CHUNKS + NAT_CHUNKS


def test_encrypted_pdf_with_empty_user_password_is_read(settings, embedder, tokenizer):
    path = settings.corpus_dir / "owner-only.pdf"
    F.write_pdf(
        path,
        ["　　只设置了所有者密码的文件，任何人都可以打开阅读。"],
        F.PdfLayout(),
        encrypt=F.pdfencrypt.StandardEncryption("", ownerPassword="owner", canModify=0),
    )
    report, docs = run(settings, embedder, tokenizer)
    assert docs["owner-only.pdf"].status == "new" and docs["owner-only.pdf"].chunks == 1


@pytest.mark.parametrize("kind", BROKEN)
def test_broken_replacement_keeps_the_indexed_version(ingested, embedder, tokenizer, kind):
    make, reason = BROKEN[kind]
    gen0, entries0, by_doc0, count0 = index_state(ingested)
    make(ingested.corpus_dir / SHANGHAI_PDF.name)
    report, docs = run(ingested, embedder, tokenizer)
    assert docs[SHANGHAI_PDF.name].status == "failed" and re.search(reason, docs[SHANGHAI_PDF.name].reason)
    assert (report.changed, report.generation) == (False, gen0) and index_state(ingested) == (
        gen0,
        entries0,
        by_doc0,
        count0,
    )
    # another change builds a new generation: the old Shanghai entry is carried over as it was
    (ingested.corpus_dir / "note.txt").write_text(NOTE, encoding="utf-8")
    report, docs = run(ingested, embedder, tokenizer)
    assert docs[SHANGHAI_PDF.name].status == "failed" and docs["note.txt"].status == "new"
    gen, entries, by_doc, count = index_state(ingested)
    assert gen != gen0 and entries[SH] == entries0[SH] and by_doc[SH] == by_doc0[SH] and count == count0 + 1
    lexical, dense = search(ingested, tokenizer, embedder, "中试线支持金额最高可达多少", SH)
    assert lexical[0] == f"{SH}#0014" and sorted(dense) == sorted(c.chunk_id for c in by_doc0[SH])


def test_restored_file_is_unchanged_again(ingested, embedder, tokenizer):
    original = (ingested.corpus_dir / SHANGHAI_PDF.name).read_bytes()
    truncated(ingested.corpus_dir / SHANGHAI_PDF.name)
    run(ingested, embedder, tokenizer)
    (ingested.corpus_dir / SHANGHAI_PDF.name).write_bytes(original)
    report, docs = run(ingested, embedder, tokenizer)
    assert docs[SHANGHAI_PDF.name].status == "unchanged" and not report.changed


def test_gbk_txt_is_decoded(settings, embedder, tokenizer):
    (settings.corpus_dir / "gbk.txt").write_bytes(NOTE.encode("gbk"))
    report, docs = run(settings, embedder, tokenizer)
    assert docs["gbk.txt"].status == "new"
    chunk = index_state(settings)[2]["gbk.txt"][0]
    assert chunk.text == NOTE.split("\n")[1].replace(" ", "")
    assert docs["gbk.txt"].document.title == "上海市中试平台补充说明"


def test_unsupported_or_missing_explicit_paths_fail_clearly(ingested, embedder, tokenizer, tmp_path):
    rtf = tmp_path / "notes.rtf"
    rtf.write_text(NOTE, encoding="utf-8")
    report, docs = run(ingested, embedder, tokenizer, paths=[rtf, tmp_path / "missing.pdf"])
    assert docs["notes.rtf"].status == "failed"
    assert docs["notes.rtf"].reason == "不支持的文件类型“.rtf”，仅支持 .pdf、.txt、.md、.docx"
    assert (docs["missing.pdf"].status, docs["missing.pdf"].reason) == ("failed", "不是文件（不存在，或是目录）")
    assert not report.changed and set(index_state(ingested)[1]) == {SH, NAT}


# ---------------------------------------------------------------- sidecar metadata


def test_sidecar_overrides_metadata(ingested, embedder, tokenizer):
    side = ingested.corpus_dir / f"{SHANGHAI_PDF.stem}.meta.json"
    side.write_text(
        json.dumps(
            {"jurisdiction": "national", "status": "已废止", "source_url": "https://sheitc.sh.gov.cn/x.html"},
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    report, docs = run(ingested, embedder, tokenizer)
    doc = docs[SHANGHAI_PDF.name]
    assert doc.status == "updated" and docs[NATIONAL_PDF.name].status == "unchanged"
    assert (doc.document.jurisdiction, doc.document.status, doc.document.source_url) == (
        "national",
        "已废止",
        "https://sheitc.sh.gov.cn/x.html",
    )
    assert doc.document.doc_number == "沪经信技〔2025〕365号"  # fields not in the sidecar keep their parsed value
    assert index_state(ingested)[1][SH].document == doc.document
    snap = Snapshot.load_current(Layout(ingested))
    try:
        assert int(snap.mask(jurisdiction="shanghai").sum()) == 0
        assert (
            len(snap.store.query(embedder.embed(["中试"])[0], 100, {"jurisdiction": "national"}))
            == SH_CHUNKS + NAT_CHUNKS
        )
    finally:
        snap.close()


@pytest.mark.parametrize(
    "content, reason",
    [
        ('{"jurisdiction": "national", "owner": "x"}', "未知的元数据字段 ['owner']"),
        ("null", "元数据 JSON 必须是一个对象"),
        ('[{"status": "已废止"}]', "元数据 JSON 必须是一个对象"),
        ('{"issuers": 5}', "元数据字段 'issuers' 必须是名称列表"),
        ('{"date": 20240101}', "元数据字段 ['date'] 必须是字符串"),
        ("{not json", "元数据 JSON 无效"),
    ],
)
def test_bad_sidecar_fails_that_file_only(ingested, embedder, tokenizer, content, reason):
    (ingested.corpus_dir / f"{SHANGHAI_PDF.stem}.meta.json").write_text(content, encoding="utf-8")
    report, docs = run(ingested, embedder, tokenizer)
    assert docs[SHANGHAI_PDF.name].status == "failed" and docs[SHANGHAI_PDF.name].reason.startswith(reason)
    assert docs[NATIONAL_PDF.name].status == "unchanged" and SH in index_state(ingested)[1]


# ---------------------------------------------------------------- stored vectors


def assert_vectors_match(settings, embedder) -> None:
    """vectors.npy row i is the embedding of chunk i, and Chroma holds the same vector for it."""
    layout = Layout(settings)
    gen = layout.current()
    chunks, _ = layout.load_chunks(gen)
    docs = {d: e.document for d, e in layout.load_manifest(gen).entries.items()}
    vectors = layout.load_vectors(gen)
    expected = embedder.embed([chunk_index_text(c, docs[c.doc_id]) for c in chunks])
    assert vectors.shape == expected.shape and abs(vectors - expected).max() < 1e-6
    snap = Snapshot.load_current(layout)
    try:
        for i in random.Random(3).sample(range(len(chunks)), 8):
            assert snap.store.query(vectors[i], 1)[0][0] == chunks[i].chunk_id
    finally:
        snap.close()


def test_incremental_ingest_carries_vectors_over(ingested, embedder, tokenizer):
    F.plan_pdf(ingested.corpus_dir / SHANGHAI_PDF.name)  # the national document's rows are kept
    (ingested.corpus_dir / "note.txt").write_text(NOTE, encoding="utf-8")
    run(ingested, embedder, tokenizer)
    assert_vectors_match(ingested, embedder)


def test_generation_without_vectors_is_embedded_again(ingested, embedder, tokenizer):
    layout = Layout(ingested)
    (layout.gen_dir(layout.current()) / "vectors.npy").unlink()  # as written before vectors.npy existed
    (ingested.corpus_dir / "note.txt").write_text(NOTE, encoding="utf-8")
    report, docs = run(ingested, embedder, tokenizer)
    assert docs[SHANGHAI_PDF.name].status == "unchanged" and report.changed
    assert_vectors_match(ingested, embedder)


class CountingEmbedder:
    """The fake embedder, counting the texts it embeds."""

    def __init__(self, inner):
        self.inner, self.name, self.texts = inner, inner.name, 0

    def embed(self, texts):
        self.texts += len(texts)
        return self.inner.embed(texts)


def test_a_changed_dictionary_re_tokenizes_without_re_embedding(ingested, embedder, tokenizer):
    from assistant.index.lexical import ChineseTokenizer, load_synonyms

    layout = Layout(ingested)
    old_chunks, old_token_lists = layout.load_chunks(layout.current())
    old_tokens = dict(zip([x.chunk_id for x in old_chunks], old_token_lists))
    changed = ChineseTokenizer(synonyms={**load_synonyms(), "利益绑定": ["利益捆绑"]})
    assert changed.fingerprint != tokenizer.fingerprint
    counting = CountingEmbedder(embedder)
    report, docs = run(ingested, counting, changed)
    assert report.changed and {d.status for d in docs.values()} == {"unchanged"} and counting.texts == 0
    manifest = layout.load_manifest(layout.current())
    assert manifest.tokenizer == changed.fingerprint
    chunks, tokens = layout.load_chunks(layout.current())
    assert tokens == [changed.tokens(chunk_index_text(c, manifest.entries[c.doc_id].document)) for c in chunks]
    bound = next(i for i, c in enumerate(chunks) if "利益绑定" in c.text)
    assert "利益绑定" in tokens[bound] and "利益绑定" not in old_tokens[chunks[bound].chunk_id]
    assert_vectors_match(ingested, embedder)
    assert run(ingested, counting, changed)[0].changed is False  # and then it is a no-op again
