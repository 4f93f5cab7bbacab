"""Doc ids are file names with their extension: files that share a stem are separate documents, and an index
built when ids were stems migrates on the next ingest without embedding anything again."""

from __future__ import annotations

import json
import re
from pathlib import Path

from assistant.index.build import ingest
from assistant.index.layout import Layout
from assistant.index.snapshot import Snapshot
from tests.corpus_fixtures import NATIONAL_PDF, SHANGHAI_PDF

NOTES = {
    "x.txt": "上海市中试平台补充说明\n第一条 中试服务券补贴比例不超过百分之五十。\n",
    "x.md": "# 上海市中试平台申报指南\n第一条 申报材料包括申请书和可行性报告。\n",
    "a b.txt": "中试平台绩效评价办法\n第一条 绩效评价每年开展一次，结果向社会公开。\n",
    "a-b.txt": "中试平台安全管理规定\n第一条 中试平台应当建立安全生产责任制度。\n",
}
IDS = {"x.txt": "x.txt", "x.md": "x.md", "a b.txt": "a%20b.txt", "a-b.txt": "a-b.txt"}


class CountingEmbedder:
    def __init__(self, inner):
        self.inner, self.name, self.texts = inner, inner.name, 0

    def embed(self, texts):
        self.texts += len(texts)
        return self.inner.embed(texts)


def statuses(report) -> dict[str, str]:
    return {Path(d.path).name: d.status for d in report.docs}


def published(settings):
    layout = Layout(settings)
    generation = layout.current()
    chunks, _ = layout.load_chunks(generation)
    return generation, layout.load_manifest(generation).entries, chunks


def assert_store_matches(settings) -> None:
    """Each chunk's stored vector finds that chunk's id in the generation's Chroma store."""
    layout = Layout(settings)
    snapshot = Snapshot.load_current(layout)
    try:
        vectors = layout.load_vectors(snapshot.generation)
        for i, chunk in enumerate(snapshot.chunks):
            assert snapshot.store.query(vectors[i], 1)[0][0] == chunk.chunk_id
    finally:
        snapshot.close()


def test_files_that_share_a_stem_are_separate_documents(settings, embedder, tokenizer):
    for name, text in NOTES.items():
        (settings.corpus_dir / name).write_text(text, encoding="utf-8")
    report = ingest(settings, embedder, tokenizer)
    assert set(statuses(report).values()) == {"new"} and len(report.docs) == 6
    _, entries, chunks = published(settings)
    assert {IDS[n]: entries[IDS[n]].document.source_path for n in NOTES} == {IDS[n]: n for n in NOTES}
    texts = {c.doc_id: c.text for c in chunks if c.doc_id in IDS.values()}
    assert texts == {IDS[n]: NOTES[n].split("\n")[1].replace(" ", "") for n in NOTES}
    counting = CountingEmbedder(embedder)
    again = ingest(settings, counting, tokenizer)  # no flipping between the two: nothing changed
    assert not again.changed and set(statuses(again).values()) == {"unchanged"} and counting.texts == 0


def _old_id(source_path: str) -> str:
    """How doc ids were made before they kept the extension."""
    return re.sub(r"[^\w\-.]+", "-", Path(source_path).stem).strip("-") or "document"


def make_stem_ids(settings) -> None:
    """Rewrite the published generation's manifest and chunks as an index built when doc ids were stems (the
    next ingest reads only these files and vectors.npy of a base generation, never its Chroma store)."""
    layout = Layout(settings)
    folder = layout.gen_dir(layout.current())
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["documents"]:
        entry["document"]["doc_id"] = _old_id(entry["document"]["source_path"])
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    rows = [json.loads(line) for line in (folder / "chunks.jsonl").read_text(encoding="utf-8").splitlines()]
    with open(folder / "chunks.jsonl", "w", encoding="utf-8") as out:
        for row in rows:
            row["doc_id"] = _old_id(row["doc_id"])
            row["chunk_id"] = row["doc_id"] + "#" + row["chunk_id"].rpartition("#")[2]
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def test_an_index_with_stem_ids_migrates_without_embedding_again(settings, embedder, tokenizer):
    (settings.corpus_dir / "x.txt").write_text(NOTES["x.txt"], encoding="utf-8")
    ingest(settings, embedder, tokenizer)
    make_stem_ids(settings)
    old_generation, old_entries, old_chunks = published(settings)
    assert set(old_entries) == {"x", SHANGHAI_PDF.stem, NATIONAL_PDF.stem}
    (settings.corpus_dir / "x.md").write_text(NOTES["x.md"], encoding="utf-8")  # collided with x.txt before

    counting = CountingEmbedder(embedder)
    report = ingest(settings, counting, tokenizer)
    assert statuses(report) == {
        "x.txt": "unchanged",
        "x.md": "new",
        SHANGHAI_PDF.name: "unchanged",
        NATIONAL_PDF.name: "unchanged",
    }
    generation, entries, chunks = published(settings)
    assert report.changed and generation == report.generation != old_generation
    assert set(entries) == {"x.txt", "x.md", SHANGHAI_PDF.name, NATIONAL_PDF.name}
    assert all(e.document.doc_id == d for d, e in entries.items())
    assert counting.texts == entries["x.md"].chunks == 1, "only the new file is embedded"
    renamed = {c.chunk_id: c.text for c in chunks if c.doc_id != "x.md"}
    assert renamed == {_new_chunk_id(c.chunk_id, old_entries): c.text for c in old_chunks}
    assert_store_matches(settings)
    assert not ingest(settings, counting, tokenizer).changed and counting.texts == 1


def _new_chunk_id(old_chunk_id: str, old_entries) -> str:
    old_id, _, number = old_chunk_id.rpartition("#")
    return old_entries[old_id].document.source_path + "#" + number
