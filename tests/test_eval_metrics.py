"""The eval's per-item measures on tiny predictions."""

from __future__ import annotations

from evals.metrics import answer_verdict, crag, crag_abstention_right, unsupported_numbers


def test_a_figure_no_cited_text_holds_is_unsupported():
    cited = ["支持金额最高可达1亿元；投入较大的中试线，通过一事一议的方式专题研究。"]
    assert unsupported_numbers("最高可达1亿元[1]", cited) == []
    assert unsupported_numbers("最高可达3亿元[1]", cited) == ["3"]


def test_an_amount_restated_in_english_units_is_the_cited_figure():
    cited = ["支持金额最高可达1亿元"]
    assert unsupported_numbers("According to the documents: up to 1亿元 (100 million yuan) [1]", cited) == []
    assert unsupported_numbers("up to 3亿元 (300 million yuan) [1]", cited) == ["3"]


def test_the_verdict_is_the_answers_own_field_or_its_opening_word():
    assert answer_verdict({"verdict": "no", "answer": "是。"}) == "no"
    assert answer_verdict({"answer": "不是。文件规定……"}) == "no"
    assert answer_verdict({"answer": "是。据《…》"}) == "yes"
    assert answer_verdict({"answer": "据《…》规定……"}) is None


def test_crag_scores_a_refusal_zero_and_an_answered_unanswerable_minus_one():
    assert crag(answerable=True, refused=False, right=True) == 1
    assert crag(answerable=True, refused=True, right=False) == 0
    assert crag(answerable=False, refused=True, right=True) == 0
    assert crag(answerable=False, refused=False, right=False) == -1


def test_the_abstention_reading_of_crag_scores_a_refused_unanswerable_plus_one():
    assert crag_abstention_right(answerable=False, refused=True, right=True) == 1
    assert crag_abstention_right(answerable=True, refused=True, right=False) == 0
    assert crag_abstention_right(answerable=False, refused=False, right=False) == -1
    assert crag_abstention_right(answerable=True, refused=False, right=False) == -1
