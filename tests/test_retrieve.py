"""Dense retrieval inside a filter: post-filtering an unfiltered query gives Chroma's filtered result."""

from __future__ import annotations

import pytest

from assistant.index import Layout, Snapshot
from assistant.retrieve import Query, Retriever
from ingest.pipeline import ingest


@pytest.fixture
def snapshot(settings, embedder, tokenizer):
    assert not ingest(settings, embedder, tokenizer).failed
    snap = Snapshot.load_current(Layout(settings))
    yield snap
    snap.close()


@pytest.mark.parametrize("overfetch", [1, 4])  # with 1, small scopes take the fallback to Chroma's filter
@pytest.mark.parametrize("question", ["中试线支持金额最高可达多少", "中试服务券", "实施意见出台的背景", "抄送"])
@pytest.mark.parametrize("scope, n", [({"jurisdiction": "shanghai"}, 40), ({"jurisdiction": "national"}, 3),
                                      ({"doc_id": "shanghai-pilot-platform-plan-2025"}, 2)])
def test_post_filtered_dense_equals_the_filtered_query(snapshot, settings, embedder, question, scope, n, overfetch,
                                                        monkeypatch):
    monkeypatch.setattr("assistant.retrieve.OVERFETCH", overfetch)
    retriever = Retriever(snapshot, embedder, settings)
    query = Query(question, {}, scope.get("jurisdiction"), scope.get("doc_id"), question)
    vector = embedder.embed([question])[0]
    mask = snapshot.mask(query.jurisdiction, query.doc_id)
    expected = [(snapshot.position[cid], sim) for cid, sim in snapshot.store.query(vector, n, scope)]
    got = retriever._dense(vector, n, query, mask)
    assert [i for i, _ in got] == [i for i, _ in expected]
    assert got and all(mask[i] for i, _ in got)
    assert [s for _, s in got] == pytest.approx([s for _, s in expected])
