"""The coverage model: its arithmetic, its training, the shipped weights against the features, and what it does on
the real corpus."""

from __future__ import annotations

import dataclasses
import json
import shutil

import numpy as np
import pytest

from assistant.answer.coverage import CoverageModel
from assistant.service import Assistant
from evals.coverage_model import fit, train
from tests.corpus_fixtures import ROOT


def test_the_probability_is_the_logistic_of_the_weighted_features():
    model = CoverageModel(("a", "b"), (2.0, -1.0), 0.5)
    assert model.probability({"a": 1.0, "b": 3.0}) == pytest.approx(1 / (1 + np.exp(0.5)))
    assert model.probability({}) == pytest.approx(1 / (1 + np.exp(-0.5)))  # a feature not given counts 0


def test_fit_separates_what_one_feature_tells_apart():
    rng = np.random.default_rng(7)
    signal = rng.integers(0, 2, 200)
    x = np.column_stack([signal + rng.normal(0, 0.1, 200), rng.normal(5, 2, 200)])  # the second is noise
    weights, bias = fit(x, signal.astype(float), l2=1.0)
    p = 1 / (1 + np.exp(-(x @ weights + bias)))
    assert ((p > 0.5) == signal.astype(bool)).mean() > 0.95
    assert abs(weights[0]) > 10 * abs(weights[1])


def test_the_shipped_model_reads_exactly_the_features_the_answerer_computes(workspace):
    assistant = workspace[1]
    asked = assistant.coverage_features("新建中试平台买设备最多补多少？")
    assert asked and set(asked[0]) == set(CoverageModel.shipped().names)


def test_two_details_no_document_gives_are_both_not_covered(workspace):
    answer = workspace[1].ask("长三角综合性中试服务平台最后落在哪个城市？谁来运营？")
    assert answer.refused and "1亿元" not in answer.answer


def test_with_the_model_turned_off_the_nearby_clause_answers_again(workspace, tmp_path):
    settings, assistant = workspace
    shutil.copytree(settings.data_dir, tmp_path / "data")  # an embedded index is opened by one Assistant
    off = settings.replace(data_dir=tmp_path / "data", answer=dataclasses.replace(settings.answer, coverage_doubt=1.0))
    question = "长三角综合性中试服务平台准备建在哪个城市？由谁牵头？"
    unjudged = Assistant(off, None, assistant.tokenizer)
    try:
        assert not unjudged.ask(question).refused
        (doubted_ask,) = unjudged.coverage_features(question)
    finally:
        unjudged.close()
    assert CoverageModel.shipped().probability(doubted_ask) > settings.answer.coverage_doubt


def test_the_shipped_model_is_what_the_eval_sets_train(workspace, tmp_path):
    settings, _ = workspace
    shutil.copytree(settings.data_dir, tmp_path / "data")
    shipped = json.loads((ROOT / "assistant" / "resources" / "coverage_model.json").read_text(encoding="utf-8"))
    paths = [ROOT / "evals" / "sets" / name for name in shipped["trained_on"]]
    trained = train(settings.replace(data_dir=tmp_path / "data"), paths, shipped["l2"])
    assert trained["names"] == shipped["names"]
    assert trained["weights"] == pytest.approx(shipped["weights"], abs=1e-3)
    assert trained["bias"] == pytest.approx(shipped["bias"], abs=1e-3)


def test_a_claimed_duty_the_quote_does_not_set_is_answered_no_however_doubtful(workspace, tmp_path):
    settings, assistant = workspace
    shutil.copytree(settings.data_dir, tmp_path / "data")
    doubting = settings.replace(
        data_dir=tmp_path / "data", answer=dataclasses.replace(settings.answer, coverage_doubt=0.0)
    )
    sceptic = Assistant(doubting, None, assistant.tokenizer)
    try:
        duty = sceptic.ask("是不是企业必须在上海注册满三年才能申请新建中试平台的补贴？")
        nearby = sceptic.ask("新建中试平台的补贴最高多少？")
    finally:
        sceptic.close()
    assert not duty.refused and duty.answer.startswith("不是")
    assert nearby.refused  # every other answered ask is doubted at 0
