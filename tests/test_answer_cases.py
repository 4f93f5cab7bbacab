"""Answers to the kinds of questions the answer engine was rebuilt for (greetings, typos, several asks, yes/no
claims, English, follow-ups, documents named by number), on the real corpus."""

from __future__ import annotations

import pytest

from evals.runner import run_eval
from tests.corpus_fixtures import ROOT


def test_false_premise_gets_no_with_the_documents_figure(workspace):
    answer = workspace[1].ask("已建平台提升能级，是不是最高也能补1个亿？")
    assert answer.verdict == "no" and answer.answer.startswith("不是。")
    assert "5000万元" in answer.answer and "1亿元是新布局建设的中试平台" in answer.answer


def test_greeting_and_background_do_not_block_the_answer(workspace):
    answer = workspace[1].ask("你好，我们是一家做新材料的企业，想新建一个中试平台，买设备政府能补多少钱？")
    assert not answer.refused and "1亿元" in answer.answer


def test_a_typo_in_a_domain_word_is_repaired(workspace):
    answer = workspace[1].ask("中试服务劵的比例上限多少")
    assert not answer.refused and "50%" in answer.answer and "30%" not in answer.answer


def test_one_uncovered_part_does_not_refuse_the_whole_message(workspace):
    answer = workspace[1].ask("上海新建中试平台能拿多少钱？另外贴息怎么算？")
    assert not answer.refused and "1亿元" in answer.answer and "贴息的计算方法" in answer.answer.splitlines()[-1]


def test_english_question_is_answered_with_both_forms_of_the_figure(workspace):
    answer = workspace[1].ask("What is the maximum subsidy for pilot lines at newly established pilot platforms?")
    assert not answer.refused
    assert "1亿元 (100 million yuan)" in answer.answer.splitlines()[0]


def test_a_detail_the_clause_does_not_hold_is_not_covered(workspace):
    answer = workspace[1].ask("新布局的中试平台，中试线设备投资按多大比例补贴？")
    assert answer.refused and "比例" in answer.answer.splitlines()[0]


SUBSIDY_TURN = [
    {"role": "user", "content": "上海新建中试平台补贴多少？"},
    {"role": "assistant", "content": "最高1亿元。"},
]
NUMBER_TURN = [
    {"role": "user", "content": "上海方案的文号是多少？"},
    {"role": "assistant", "content": "沪经信技〔2025〕365号"},
]


def test_a_document_fact_asked_in_a_follow_up_answers_for_the_document_in_context(workspace):
    answer = workspace[1].ask("那这个方案是哪几家单位发的？", SUBSIDY_TURN)
    assert not answer.refused and "上海市教育委员会" in answer.answer and "1亿元" not in answer.answer


def test_naming_another_document_in_a_follow_up_switches_to_it(workspace):
    answer = workspace[1].ask("国家那份呢？", NUMBER_TURN)
    assert not answer.refused and "工信部联科〔2024〕11号" in answer.answer


def test_a_definition_leads_with_the_defining_sentence(workspace):
    answer = workspace[1].ask("中试指的是什么？")
    assert "过渡性试验" in answer.answer.splitlines()[0]


# evals/sets/blind1–22.jsonl were each written blind from the source texts by someone who saw no code. First scores
# (fully right, README and the issue notes): blind1 0.505 on the old answerer, blind2 0.716, blind3 0.665, blind4
# 0.717 (then 0.783 after a round it did not steer), blind5 0.763, blind6 0.872, blind7 0.842, blind8 0.837,
# blind9 0.860, blind10 0.828, blind11 0.811, blind12 0.824, blind13 0.832; blind14 0.862, blind15 0.856 and blind16
# 0.839 on the code before the session that wrote them, 0.873, 0.872 and 0.850 on that session's final code;
# blind17 0.861 on the code before the session that wrote it; blind18 0.906 and blind19 0.917 on that session's
# final code, which never saw them; blind20 0.889 and blind21 0.903 on the code before the session that used them;
# blind22 0.906 on that session's final code, which never saw it. After its first score each set but blind22 became
# a development set whose failures the rules were read against; blind18, blind19 and blind22 do not train the
# coverage model. They are regression sets now: the floors and ceilings sit just past the values measured when they
# were last set, never under those of the session before.
# blind2's false-refusal ceiling rose once (0.02 → 0.029, two answers) when the coverage doubt went from 0.8 to 0.6.
BLIND_FLOORS = {
    "blind1.jsonl": {
        "fully_right": 0.93,
        "answer_correct": 0.93,
        "verdict_accuracy": 0.94,
        "unanswerable_refusal": 0.94,
    },
    "blind2.jsonl": {
        "fully_right": 0.96,
        "answer_correct": 0.96,
        "verdict_accuracy": 0.97,
        "unanswerable_refusal": 0.96,
    },
    "blind3.jsonl": {
        "fully_right": 0.97,
        "answer_correct": 0.98,
        "verdict_accuracy": 0.95,
        "unanswerable_refusal": 0.98,
    },
    "blind4.jsonl": {
        "fully_right": 0.92,
        "answer_correct": 0.91,
        "verdict_accuracy": 0.96,
        "unanswerable_refusal": 0.95,
    },
    "blind5.jsonl": {
        "fully_right": 0.86,
        "answer_correct": 0.87,
        "verdict_accuracy": 0.93,
        "unanswerable_refusal": 0.88,
    },
    "blind6.jsonl": {
        "fully_right": 0.93,
        "answer_correct": 0.94,
        "verdict_accuracy": 0.92,
        "unanswerable_refusal": 0.94,
    },
    "blind7.jsonl": {
        "fully_right": 0.91,
        "answer_correct": 0.91,
        "verdict_accuracy": 0.96,
        "unanswerable_refusal": 0.94,
    },
    "blind8.jsonl": {
        "fully_right": 0.90,
        "answer_correct": 0.88,
        "verdict_accuracy": 0.96,
        "unanswerable_refusal": 0.94,
    },
    "blind9.jsonl": {
        "fully_right": 0.89,
        "answer_correct": 0.90,
        "verdict_accuracy": 0.92,
        "unanswerable_refusal": 0.90,
    },
    "blind10.jsonl": {
        "fully_right": 0.90,
        "answer_correct": 0.93,
        "verdict_accuracy": 1.00,
        "unanswerable_refusal": 0.83,
    },
    "blind11.jsonl": {
        "fully_right": 0.88,
        "answer_correct": 0.88,
        "verdict_accuracy": 0.96,
        "unanswerable_refusal": 0.88,
    },
    "blind12.jsonl": {
        "fully_right": 0.91,
        "answer_correct": 0.92,
        "verdict_accuracy": 1.00,
        "unanswerable_refusal": 0.88,
    },
    "blind13.jsonl": {
        "fully_right": 0.91,
        "answer_correct": 0.92,
        "verdict_accuracy": 0.96,
        "unanswerable_refusal": 0.88,
    },
    "blind14.jsonl": {
        "fully_right": 0.93,
        "answer_correct": 0.96,
        "verdict_accuracy": 1.00,
        "unanswerable_refusal": 0.87,
    },
    "blind15.jsonl": {
        "fully_right": 0.93,
        "answer_correct": 0.92,
        "verdict_accuracy": 0.92,
        "unanswerable_refusal": 0.98,
    },
    "blind16.jsonl": {
        "fully_right": 0.92,
        "answer_correct": 0.92,
        "verdict_accuracy": 0.92,
        "unanswerable_refusal": 0.96,
    },
    "blind17.jsonl": {
        "fully_right": 0.95,
        "answer_correct": 0.96,
        "verdict_accuracy": 0.92,
        "unanswerable_refusal": 0.96,
    },
    "blind18.jsonl": {
        "fully_right": 0.93,
        "answer_correct": 0.93,
        "verdict_accuracy": 0.96,
        "unanswerable_refusal": 0.94,
    },
    "blind19.jsonl": {
        "fully_right": 0.93,
        "answer_correct": 0.95,
        "verdict_accuracy": 0.88,
        "unanswerable_refusal": 0.94,
    },
    "blind20.jsonl": {
        "fully_right": 0.93,
        "answer_correct": 0.92,
        "verdict_accuracy": 0.88,
        "unanswerable_refusal": 0.96,
    },
    "blind21.jsonl": {
        "fully_right": 0.92,
        "answer_correct": 0.91,
        "verdict_accuracy": 0.96,
        "unanswerable_refusal": 0.94,
    },
    "blind22.jsonl": {
        "fully_right": 0.90,
        "answer_correct": 0.89,
        "verdict_accuracy": 0.96,
        "unanswerable_refusal": 0.94,
    },
}
BLIND_CEILINGS = {
    "blind1.jsonl": {"false_refusal": 0.017},
    "blind2.jsonl": {"false_refusal": 0.017},
    "blind3.jsonl": {"false_refusal": 0.008},
    "blind4.jsonl": {"false_refusal": 0.022},
    "blind5.jsonl": {"false_refusal": 0.015},
    "blind6.jsonl": {"false_refusal": 0.033},
    "blind7.jsonl": {"false_refusal": 0.032},
    "blind8.jsonl": {"false_refusal": 0.025},
    "blind9.jsonl": {"false_refusal": 0.041},
    "blind10.jsonl": {"false_refusal": 0.033},
    "blind11.jsonl": {"false_refusal": 0.064},
    "blind12.jsonl": {"false_refusal": 0.025},
    "blind13.jsonl": {"false_refusal": 0.04},
    "blind14.jsonl": {"false_refusal": 0.016},
    "blind15.jsonl": {"false_refusal": 0.041},
    "blind16.jsonl": {"false_refusal": 0.049},
    "blind17.jsonl": {"false_refusal": 0.009},
    "blind18.jsonl": {"false_refusal": 0.034},
    "blind19.jsonl": {"false_refusal": 0.025},
    "blind20.jsonl": {"false_refusal": 0.033},
    "blind21.jsonl": {"false_refusal": 0.025},
    "blind22.jsonl": {"false_refusal": 0.055},
}


@pytest.mark.parametrize("name", sorted(BLIND_FLOORS))
def test_blind_sets_keep_their_floors(workspace, tmp_path, name):
    settings, assistant = workspace
    summary = run_eval(settings, ROOT / "evals" / "sets" / name, tmp_path, "hybrid", assistant=assistant)
    measured = summary["retrievers"]["hybrid"]
    for metric, floor in BLIND_FLOORS[name].items():
        assert measured[metric] >= floor, (metric, measured[metric])
    for metric, ceiling in BLIND_CEILINGS[name].items():
        assert measured[metric] <= ceiling, (metric, measured[metric])


def test_a_question_the_documents_leave_open_gets_the_nearest_rule_as_such(workspace):
    answer = workspace[1].ask("国家文件对中试平台有资金支持吗？")
    assert answer.refused
    nearest = next(line for line in answer.answer.splitlines() if line.startswith("最接近的相关规定"))
    assert "因地制宜制定本地区扶持制造业中试发展政策" in nearest and "并未规定所问内容" in nearest


def test_a_later_ask_of_one_message_keeps_the_document_of_the_earlier(workspace):
    answer = workspace[1].ask("《制造业中试创新发展实施意见》是哪两个部门印发的？发文日期是哪天？")
    assert not answer.refused and "工业和信息化部" in answer.answer and "2024年1月16日" in answer.answer


def test_a_document_named_by_its_number_and_its_attachment(workspace):
    assert "2025年5月30日" in workspace[1].ask("365号文的落款日期是哪天？").answer
    attachment = workspace[1].ask("上海这个通知后面附了什么附件？")
    assert not attachment.refused and "附件：上海市中试平台创新发展实施方案" in attachment.answer


@pytest.mark.parametrize(
    ("question", "verdict"),
    [
        ("上海中试方案的发文单位里有市教委，对不对？", "yes"),
        ("上海的中试方案是市发展改革委牵头印发的吧？", "no"),
        ("《制造业中试创新发展实施意见》是2024年1月23日印发的，对吧？", "no"),
        ("中试服务券最高支持比例好像是30%？", "no"),
        ("上海市中试平台创新发展实施方案是2024年出台的吧？", "no"),
        ("上海方案是2025年出台的吧？", "yes"),
        ("按解读的说法，规上工业企业里已经有一半以上开展了研究与试验活动，对吧", "no"),
        ("上海的目标里是不是有一条：到2027年争创3家国家级中试平台？", "yes"),
    ],
)
def test_claims_about_issuers_dates_shares_and_figures_get_verdicts(workspace, question, verdict):
    assert workspace[1].ask(question).verdict == verdict


def test_a_target_due_by_a_wrong_year_gets_no(workspace):
    answer = workspace[1].ask("上海是要在2025年底前建成20家左右市级中试平台吗？")
    assert answer.verdict == "no" and answer.answer.startswith("不是") and "2027年" in answer.answer


def test_a_wrong_co_issuer_joined_by_gen_gets_no(workspace):
    answer = workspace[1].ask("国家那份《制造业中试创新发展实施意见》是工信部跟科技部联合发的，没错吧？")
    assert answer.verdict == "no" and "国家发展和改革委员会" in answer.answer
