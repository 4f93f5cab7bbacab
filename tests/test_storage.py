"""The app database repository on a temporary SQLite file."""

from datetime import timedelta

import pytest

from assistant.app.repository import RecordNotFound, Repository, utcnow

CITATION = {"marker": 1, "doc_number": "沪经信技〔2025〕365号", "section": "四、 > （十二）", "text": "最高可达1亿元"}


@pytest.fixture
def repo(tmp_path):
    repository = Repository(f"sqlite:///{tmp_path / 'nested' / 'app.db'}")
    yield repository
    repository.close()


def test_log_and_read_back(repo):
    qa_id = repo.log_answer(
        "s1",
        "新建中试平台补贴多少？",
        "最高可达1亿元[1]",
        False,
        [CITATION],
        {"retriever": "hybrid", "jurisdiction": None},
    )
    row = repo.get(qa_id)
    assert row["question"] == "新建中试平台补贴多少？"
    assert row["refused"] is False
    assert row["citations"] == [CITATION]
    assert row["settings"] == {"retriever": "hybrid", "jurisdiction": None}
    assert row["rating"] is None
    with pytest.raises(RecordNotFound):
        repo.get(qa_id + 100)


def test_feedback_validates(repo):
    qa_id = repo.log_answer("s1", "问", "答", False)
    repo.add_feedback(qa_id, "up", " 很有用 ")
    repo.add_feedback(qa_id, "down")
    assert [(f["thumb"], f["comment"]) for f in repo.feedback_for(qa_id)] == [("up", "很有用"), ("down", "")]
    with pytest.raises(ValueError):
        repo.add_feedback(qa_id, "sideways")
    with pytest.raises(RecordNotFound):
        repo.add_feedback(9999, "up")


def test_ratings_latest_wins_and_accuracy(repo):
    a = repo.log_answer("s1", "问一", "答一", False)
    b = repo.log_answer("s1", "问二", "答二", False)
    c = repo.log_answer("s2", "问三", "答三", True)
    repo.rate(a, "wrong", "数字错了")
    repo.rate(a, "correct", "复核后正确")
    repo.rate(b, "partial")
    with pytest.raises(ValueError):
        repo.rate(c, "excellent")
    assert [r["id"] for r in repo.list_answers()] == [c, b, a]
    assert [r["id"] for r in repo.list_answers(unrated_only=True)] == [c]
    assert repo.get(a)["rating"] == "correct" and repo.get(a)["note"] == "复核后正确"
    stats = repo.accuracy()
    assert stats["total"] == 3 and stats["rated"] == 2
    assert stats["accuracy"] == pytest.approx(0.5)
    assert stats["lenient_accuracy"] == pytest.approx(0.75)
    rated = repo.rated()
    assert [r["id"] for r in rated] == [a, b]
    assert rated[1]["history"] == [{"role": "user", "content": "问一"}, {"role": "assistant", "content": "答一"}]
    assert repo.history(c) == []


def test_purge_older_than(repo):
    old = repo.log_answer("s1", "旧问题", "旧答案", False)
    repo.add_feedback(old, "up")
    repo.rate(old, "correct")
    later = utcnow() + timedelta(days=10)
    new = repo.log_answer("s1", "新问题", "新答案", False)
    assert repo.purge_older_than(30) == 0
    assert repo.purge_older_than(5, now=later) == 2
    assert repo.list_answers() == []
    assert repo.feedback_for(old) == [] and repo.feedback_for(new) == []
    with pytest.raises(ValueError):
        repo.purge_older_than(-1)


def test_failed_write_rolls_back(repo):
    qa_id = repo.log_answer("s1", "问", "答", False)
    with pytest.raises(RecordNotFound):
        repo.rate(qa_id + 1, "correct")
    assert repo.accuracy()["rated"] == 0


def test_reopen_keeps_data(tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    first = Repository(url)
    qa_id = first.log_answer("s", "问", "答", False)
    first.close()
    second = Repository(url)
    try:
        assert second.get(qa_id)["answer"] == "答"
    finally:
        second.close()
