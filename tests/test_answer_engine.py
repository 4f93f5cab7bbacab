"""The typed answer spine: figures, policy facts, question analysis, plan and render, on tiny inputs and on
the real corpus (the examples of the answer-engine issue)."""

from __future__ import annotations

import pytest

from assistant.answer.analysis import Intent, Lexicon, analyse
from assistant.answer.normalize import figures_as_written
from assistant.core.figures import Kind, figures
from assistant.core.records import Comparator
from ingest.facts import extract_facts


def test_figures_are_comparable_values():
    found = {
        (f.kind, f.value)
        for f in figures("最高1个亿，不超过5000万元，比例30%，百分之五十，〔2024〕11号，2024年1月16日，20家")
    }
    assert (Kind.MONEY, 10000.0) in found
    assert (Kind.MONEY, 5000.0) in found
    assert (Kind.PERCENT, 30.0) in found and (Kind.PERCENT, 50.0) in found
    assert (Kind.DOC_NUMBER, "2024-11") in found and (Kind.DATE, "2024-01-16") in found
    assert (Kind.COUNT, 20.0) in found


def test_a_batch_or_a_part_of_unstated_size_is_not_a_count():
    assert [f.kind for f in figures("支持建设了一批创新平台，其中一部分已开放")] == []
    assert [(f.kind, f.value, f.unit) for f in figures("分两批认定，共3批")] == [
        (Kind.COUNT, 2, "批"),
        (Kind.COUNT, 3, "批"),
    ]


def test_chinese_and_english_figures_are_written_as_the_documents_write_them():
    assert figures_as_written("能补一个亿吗，百分之五十") == "能补1亿吗，50%"
    assert figures_as_written("capped at 20 million yuan") == "capped at 2000万元"


def test_subsidy_clause_yields_its_facts_with_subject_measure_and_comparator():
    facts = extract_facts(
        "针对已建且需进一步提升能级的中试平台，补贴支持比例不超过核定总投资的30%，支持金额不超过5000万元。"
    )
    assert [(f.subject, f.measure, f.comparator, f.kind, f.value) for f in facts] == [
        ("已建且需进一步提升能级的中试平台", "补贴支持比例", Comparator.AT_MOST, "percent", 30.0),
        ("已建且需进一步提升能级的中试平台", "支持金额", Comparator.AT_MOST, "money", 5000.0),
    ]


def test_any_subsidy_clause_in_the_usual_style_yields_facts():
    facts = extract_facts("对认定的省级平台，按项目总投资的20%给予补助，最高不超过500万元。")
    assert [(f.kind, f.value, f.comparator) for f in facts] == [
        ("percent", 20.0, Comparator.EQUAL),
        ("money", 500.0, Comparator.AT_MOST),
    ]
    assert {f.subject for f in facts} == {"认定的省级平台"}


@pytest.fixture(scope="module")
def lexicon(tokenizer):
    return Lexicon(tokenizer)


def test_greeting_and_company_background_are_not_the_ask(lexicon):
    analysis = analyse("你好，我们是一家做新材料的企业，想新建一个中试平台，买设备政府能补多少钱？", lexicon)
    assert [a.intent for a in analysis.asks] == [Intent.AMOUNT]
    assert "你好" not in analysis.asks[0].text and "新建" in analysis.asks[0].text
    assert analysis.context.startswith("我们是一家做新材料的企业")


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("中试服务劵的比例", "中试服务券"), ("服务卷最高比例", "服务券"), ("中式是什么", "中试"), ("人定条件", "认定")],
)
def test_misspelled_domain_words_are_repaired(lexicon, typed, meant):
    assert meant in analyse(typed, lexicon).normalized


def test_words_that_only_look_alike_are_not_repaired(lexicon):
    assert analyse("全链条服务能力是什么？", lexicon).normalized == "全链条服务能力是什么？"


def test_a_message_with_several_asks_is_split(lexicon):
    analysis = analyse("新建中试平台能拿多少钱？另外贴息怎么算？", lexicon)
    assert [a.text for a in analysis.asks] == ["新建中试平台能拿多少钱", "另外贴息怎么算"]


def test_yes_no_ask_carries_the_figure_it_proposes(lexicon):
    (ask,) = analyse("已建平台提升能级，是不是最高也能补1个亿？", lexicon).asks
    assert ask.yes_no and [(f.kind, f.value) for f in ask.proposed] == [(Kind.MONEY, 10000.0)]


def test_english_question_becomes_a_chinese_ask(lexicon):
    analysis = analyse("Does Shanghai give vouchers for using pilot lines?", lexicon)
    assert analysis.english and "中试服务券" in analysis.asks[0].text and analysis.asks[0].yes_no


def test_tag_questions_are_yes_no_and_question_words_are_not(lexicon):
    assert analyse("解读说我国算力总规模全球第一？", lexicon).asks[0].yes_no
    assert analyse("上海计划到2027年建成30家左右市级中试平台，没记错吧？", lexicon).asks[0].yes_no
    assert not analyse("新布局的中试平台按多大比例补贴？", lexicon).asks[0].yes_no
    assert not analyse("那已建的呢？", lexicon).asks[0].yes_no


def test_a_tag_question_before_a_comma_closes_its_ask(lexicon):
    asks = analyse("服务券的补贴比例最高是30%对吧，跟已建平台升级那个一样？", lexicon).asks
    assert len(asks) == 2 and asks[0].yes_no and [f.text for f in asks[0].proposed] == ["30%"]
    assert "已建" in asks[1].text


def test_years_of_a_run_are_counts_that_compare():
    assert [(f.kind, f.value) for f in figures("连续五年")] == [(Kind.COUNT, 5.0)]
    assert [(f.kind, f.value) for f in figures("到2027年")] == [(Kind.YEAR, 2027.0)]


def test_an_english_message_with_two_questions_is_two_asks(lexicon):
    analysis = analyse("Who is the Shanghai plan addressed to, and what file is attached to the notice?", lexicon)
    assert len(analysis.asks) == 2 and "主送" in analysis.asks[0].text and "附件" in analysis.asks[1].text


@pytest.mark.parametrize(
    "question, sides",
    [
        ("补贴是一次性拨付还是分期拨付？", (("一次", "一次性"), ("分期",))),
        ("是先建后补还是先补后建呀？", (("建后补",), ("补后建",))),  # past the shared 先
        ("这个券是发给企业，还是发给平台？", (("企业",), ("平台",))),
    ],
)
def test_a_choice_is_asked_by_the_words_of_its_two_sides_and_is_no_yes_no(lexicon, question, sides):
    (ask,) = analyse(question, lexicon).asks
    assert ask.alternatives == sides and not ask.yes_no


def test_still_is_no_choice(lexicon):
    (ask,) = analyse("我们还是要先申报认定吗？", lexicon).asks
    assert ask.alternatives is None and ask.yes_no


def test_the_other_side_of_a_choice_asked_apart_joins_the_ask_before(lexicon):
    (ask,) = analyse("贴息利率是按LPR打几折？还是全额贴息？", lexicon).asks
    assert ask.alternatives is not None and "全额" in ask.alternatives[1] and not ask.yes_no


def test_still_followed_by_more_of_the_message_is_no_choice(lexicon):
    asks = analyse("这词听了好多回了还是懵的，你给我讲讲中试到底是什么？", lexicon).asks
    assert all(a.alternatives is None for a in asks)


def test_a_year_before_which_a_target_is_due_is_proposed(lexicon):
    (ask,) = analyse("上海是要在2025年底前建成20家左右市级中试平台吗？", lexicon).asks
    assert (Kind.YEAR, 2025.0) in [(f.kind, f.value) for f in ask.proposed]


def test_a_connective_opening_a_sentence_is_no_subject_and_a_self_describing_figure_has_none():
    (fact,) = extract_facts("然而，当前规上工业企业中仅有37.3%开展了研究与试验活动。")
    assert fact.subject == "" and fact.span == "当前规上工业企业中仅有37.3%"
    targets = extract_facts("到2027年，在本市重点产业领域建成20家左右市级中试平台。")
    assert [f.subject for f in targets] == ["到2027年"]


def test_a_request_to_send_something_is_no_yes_no(lexicon):
    (ask,) = analyse("合作金融机构名单能发一下吗？", lexicon).asks
    assert not ask.yes_no and lexicon.request.search(ask.text)


def test_a_lead_in_announcing_the_points_and_the_item_markers_are_not_asks(lexicon):
    asks = analyse("想确认两点：一是文号是多少；二是哪天印发的。", lexicon).asks
    assert [a.text for a in asks] == ["文号是多少", "哪天印发的"]


def test_half_and_tenths_are_written_as_percentages():
    assert figures_as_written("一半以上，三成，半数") == "50%以上，30%，50%"
    assert figures_as_written("能补几成？一成不变") == "能补几成？一成不变"


@pytest.mark.parametrize(
    "question, kinds",
    [
        ("上海方案是2024年出台的吧？", [Kind.YEAR]),  # a date claim
        ("上海的目标里是不是有一条：到2027年争创3家？", [Kind.YEAR, Kind.COUNT]),  # "一条" proposes nothing
        ("投资五百万的项目有戏吗？", []),  # the asker's own figure
    ],
)
def test_what_a_yes_no_ask_proposes(lexicon, question, kinds):
    (ask,) = analyse(question, lexicon).asks
    assert [f.kind for f in ask.proposed] == kinds


def test_a_request_to_be_told_asks_and_a_clause_opened_by_also_is_an_ask_of_its_own(lexicon):
    asks = analyse("麻烦告诉我上海中试方案的文号，还有经信委负责这个的联系人和电话", lexicon).asks
    assert [a.intent for a in asks] == [Intent.DOC_NUMBER, Intent.OTHER]
    assert asks[0].text == "上海中试方案的文号" and "联系人" in asks[1].text
    only = analyse("现就以下事项咨询：一、新建中试线补贴上限为多少？", lexicon).asks
    assert len(only) == 1 and "补贴上限" in only[0].text


def test_an_english_sentence_that_tells_is_background_and_a_bare_check_takes_the_claim_before(lexicon):
    analysis = analyse(
        "Our company is a foreign-invested maker. What is the maximum subsidy for a new pilot line?", lexicon
    )
    assert "外资" in analysis.context and not analysis.asks[0].facets
    claim = analyse("I heard the voucher covers up to 70% of the cost. Is that right?", lexicon).asks[0]
    assert claim.yes_no and [f.text for f in claim.proposed] == ["70%"]
