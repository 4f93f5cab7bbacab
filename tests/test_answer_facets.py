"""The requested facet: an ask that requests a detail (a fee, a deadline, who leads, a figure in tonnes) is
covered only by a quoted sentence that gives that detail, on tiny synthetic inputs."""

from __future__ import annotations

import dataclasses

import pytest

from assistant.answer.analysis import Intent, Lexicon, analyse
from assistant.answer.asks import Facet, FacetScope, asked_years, list_heads, without_yardstick
from assistant.answer.candidates import Candidate, quote
from assistant.answer.followup import definition_phrases
from assistant.answer.plan import Planner
from assistant.answer.plans import Outcome
from assistant.core.records import Chunk, Document
from assistant.core.settings import AnswerTuning
from assistant.retrieval.scope import carried_titles, unindexed_title
from ingest.facts import extract_facts

DOCUMENT = Document("d", "某省中试平台实施方案", None, ("某省工业和信息化厅",), None, "other", 1, "d.txt", "h")


@pytest.fixture(scope="module")
def lexicon(tokenizer):
    return Lexicon(tokenizer)


def _planner(lexicon: Lexicon) -> Planner:
    return Planner(lexicon, lambda word: 1.0, {}, AnswerTuning())


def _quoting(sentence: str):
    chunk = Chunk("c", "d", sentence, ("一、支持措施",), (1,), 0, len(sentence), facts=tuple(extract_facts(sentence)))
    return quote([Candidate(sentence, chunk, DOCUMENT, 1.0, 0)])


def _planned(lexicon: Lexicon, question: str, sentence: str):
    return _planner(lexicon).plan(analyse(question, lexicon).asks[0], _quoting(sentence), [])


def _topics(lexicon: Lexicon, question: str) -> list[list[str]]:
    return [[f.topic for f in ask.facets] for ask in analyse(question, lexicon).asks]


def test_a_facet_is_answered_only_by_its_own_words():
    fee = Facet("收费标准", ("收费",), ("收费", "价格"))
    assert fee.answered_by("检测服务收费按成本核定")
    assert not fee.answered_by("支持平台对外提供检测服务")


def test_the_facet_comes_from_the_part_that_asks_not_from_the_background(lexicon):
    assert "收费标准" in _topics(lexicon, "平台对外服务的收费标准是多少？")[0]
    assert "核定口径" not in _topics(lexicon, "投入特别大，超出一般补贴口径的，怎么处理？")[0]


def test_every_asking_segment_of_a_clause_requests_its_facet(lexicon):
    assert _topics(lexicon, "服务券的有效期多久，延期怎么办？") == [["有效期", "延期续期"]]


def test_the_askers_ownership_counts_only_when_asking_whether_they_may(lexicon):
    facet = next(f for f in lexicon.facets if f.topic == "外资企业")
    assert facet.scope is FacetScope.MESSAGE
    assert "外资企业" in _topics(lexicon, "我们是一家德资企业，能不能申请设备补贴？")[0]
    assert "外资企业" not in _topics(lexicon, "我们是一家德资企业，设备补贴最高多少？")[0]


def test_a_clause_on_the_subject_without_the_detail_does_not_cover_the_ask(lexicon):
    plan = _planned(lexicon, "平台对外服务的收费标准是多少？", "支持平台对外提供检测服务，开放试验能力。")
    assert plan.outcome is Outcome.NOT_COVERED
    assert "收费标准" in plan.missing


def test_a_clause_that_gives_the_detail_covers_the_ask(lexicon):
    plan = _planned(lexicon, "平台对外服务的收费标准是多少？", "平台对外服务收费按成本价格核定。")
    assert plan.outcome is Outcome.ANSWERED


def test_a_figure_in_a_unit_the_clause_never_uses_is_not_covered(lexicon):
    plan = _planned(lexicon, "优质项目的能耗指标能单列多少吨标准煤？", "对优质项目强化土地、能耗等要素保障。")
    assert plan.outcome is Outcome.NOT_COVERED


def test_a_vague_count_does_not_answer_how_many(lexicon):
    ask = analyse("市级中试平台认定几家？", lexicon).asks[0]
    assert _planner(lexicon).plan(ask, _quoting("开展市级中试平台认定，组织申报一批中试平台。"), []).outcome is (
        Outcome.NOT_COVERED
    )
    assert _planner(lexicon).plan(ask, _quoting("开展市级中试平台认定，认定20家中试平台。"), []).outcome is (
        Outcome.ANSWERED
    )


def test_a_value_said_to_be_another_is_an_ask_of_its_own(lexicon):
    asks = analyse("对新建平台，设备投资的补贴比例是多少？最高金额又是多少？", lexicon).asks
    assert [a.intent for a in asks] == [Intent.RATIO, Intent.AMOUNT]
    assert asks[1].text == "对新建平台，最高金额又是多少"  # of what the second is asked
    assert len(analyse("按多大比例补贴？是百分之几？", lexicon).asks) == 1


def test_a_year_of_the_askers_own_past_is_not_asked_about():
    assert asked_years("企业已于2023年建成中试平台，2025年的补贴比例是多少？") == ["2025"]
    assert asked_years("2019年成立的企业，到2027年要建多少家？") == ["2027"]
    assert asked_years("平台2021年就建好了，现在提升能级能补多少？") == []
    assert asked_years("2026年的申报几月开始？") == ["2026"]


def test_subject_words_are_said_whatever_the_case(lexicon):
    ask = analyse("上海AI方面点名了哪两个方向？", lexicon).asks[0]
    assert "ai" in ask.subject
    assert _planner(lexicon).subject_share_in(ask, "推动AI For Science在中试平台的深度应用") > 0


def test_the_category_a_list_ask_enumerates_is_not_required_of_the_clause():
    assert list_heads("除了企业，还有哪些主体可以参与共建？") == {"主体"}
    assert list_heads("上海方案鼓励加大投入吗？") == set()


def test_a_colloquial_definition_ask_is_a_definition(lexicon, tokenizer):
    assert analyse("中试到底是啥意思？", lexicon).asks[0].intent is Intent.DEFINITION
    assert definition_phrases("中试到底是啥意思？", tokenizer) == ("中试是",)


@pytest.mark.parametrize("question", ["解读里怎么定义“中试”的？", "如何界定中试？", "文件对中试如何定义？"])
def test_how_a_term_is_defined_asks_for_its_definition(lexicon, tokenizer, question):
    assert analyse(question, lexicon).asks[0].intent is Intent.DEFINITION
    assert definition_phrases(question, tokenizer) == ("中试是",)


def test_a_list_ask_followed_by_whether_it_concerns_the_asker_is_two_asks(lexicon):
    asks = analyse("要重点突破哪些关键技术，和我们业务有没有关系？", lexicon).asks
    assert [(a.intent, a.yes_no) for a in asks] == [(Intent.LIST, False), (Intent.OTHER, True)]
    assert len(analyse("哪些企业可以申请，需要满足什么条件？", lexicon).asks) == 1


def test_what_a_document_not_on_file_holds_is_not_answered():
    documents = [DOCUMENT]
    assert unindexed_title("《中试平台建设指引》里的建设要点有哪些？", documents) == "中试平台建设指引"
    assert unindexed_title("《实施方案》里的补贴标准是多少？", documents) is None  # a part of an indexed title
    assert unindexed_title("上海方案落实的是《中试平台建设指引》吗？", documents) is None  # not asked what it holds
    assert unindexed_title("中试平台建设指引是哪天发布的？", documents) == "中试平台建设指引"  # by its genre
    assert unindexed_title("某省方案是哪天发布的？", documents) is None  # an indexed document's genre


def test_an_ask_pointing_into_a_document_not_on_file_named_before_asks_what_it_holds():
    asks = ["中试平台建设指引在哪下载", "里面的建设要点有哪些", "补贴最高多少"]
    assert carried_titles(asks, [DOCUMENT]) == ["", "《中试平台建设指引》", ""]
    assert carried_titles(["某省方案在哪下载", "里面的建设要点有哪些"], [DOCUMENT]) == ["", ""]


def test_an_english_second_question_after_a_preposition_is_an_ask_of_its_own(lexicon):
    asks = analyse("Which two ministries issued the opinions, and on what date?", lexicon).asks
    assert [a.intent for a in asks] == [Intent.ISSUER, Intent.DATE]


def test_an_english_definition_ask_is_a_definition(lexicon):
    assert analyse("How does the interpretation define pilot testing?", lexicon).asks[0].intent is Intent.DEFINITION


def test_whether_asked_on_the_way_to_a_figure_needs_the_figure(lexicon):
    ask = analyse("方案有没有提出产值目标，是多少亿元？", lexicon).asks[0]
    assert ask.yes_no
    plan = _planner(lexicon).plan(ask, _quoting("到2027年，建成20家左右市级中试平台。"), [])
    assert plan.outcome is Outcome.NOT_COVERED and plan.verdict is None


def test_whether_a_duration_is_stated_needs_the_duration_but_background_years_ask_none(lexicon):
    plan = _planned(lexicon, "方案里有没有说多久能办下来？", "对优质项目简化审批流程。")
    assert plan.outcome is Outcome.NOT_COVERED
    told = analyse("老师傅搞中试十几年了，想评高级职称有没有门路？", lexicon).asks[0]
    talent = _quoting("支持中试人才通过绿色通道申报高级职称。")
    assert _planner(lexicon).plan(told, talent, []).outcome is Outcome.VERDICT


def test_a_place_only_compared_with_is_not_asked_about():
    assert without_yardstick("浙江的补贴标准是多少，跟上海比哪个高") == "浙江的补贴标准是多少，哪个高"
    assert without_yardstick("上海和浙江的补贴标准分别是多少") == "上海和浙江的补贴标准分别是多少"


def test_a_value_asked_of_its_own_detail_is_an_ask_of_its_own(lexicon):
    asks = analyse("到2027年要建多少家市级平台？目前已经认定了多少家？", lexicon).asks
    assert len(asks) == 2 and [f.topic for f in asks[1].facets] == ["实施进展"]


def test_the_term_defined_is_the_quoted_one_not_where_it_is_looked_up(tokenizer):
    assert definition_phrases("国家解读里对“服务券”是怎么定义的？", tokenizer) == ("服务券是",)
    assert definition_phrases("解读里对中试平台是怎么定义的？", tokenizer) == ("中试平台是",)
    assert definition_phrases("中试到底是个什么概念？", tokenizer) == ("中试是",)
    assert definition_phrases("老听人说“中试中试”，中试到底是啥意思？", tokenizer) == ("中试是",)


def test_whether_a_requirement_is_set_is_not_covered_by_a_clause_that_sets_none(lexicon):
    ask = analyse("设备采购有没有本地化率的要求？", lexicon).asks[0]
    plan = _planner(lexicon).plan(ask, _quoting("平台采购的仪器设备等投资，通过补贴方式给予支持。"), [])
    assert plan.outcome is Outcome.NOT_COVERED
    set_one = _planner(lexicon).plan(ask, _quoting("平台采购的仪器设备应当符合本地化率要求。"), [])
    assert set_one.outcome is Outcome.VERDICT


def test_a_requirement_told_before_the_existence_ask_is_not_asked_about(lexicon):
    plan = _planned(
        lexicon, "国家要求政策衔接，平台设备采购有没有补贴？", "平台采购的仪器设备等投资，通过补贴方式给予支持。"
    )
    assert plan.outcome is Outcome.VERDICT


def test_a_claim_about_a_place_no_document_covers_is_not_covered(lexicon):
    ask = analyse("服务券能不能拿到某省去用？", lexicon).asks[0]
    quoted = _quoting("探索服务券形式补贴支持，最高支持比例不超过50%。")
    elsewhere = dataclasses.replace(quoted, unindexed="某省")
    assert _planner(lexicon).plan(ask, elsewhere, []).outcome is Outcome.NOT_COVERED
    assert _planner(lexicon).plan(ask, quoted, []).outcome is Outcome.VERDICT


def test_how_a_score_is_given_is_a_detail_of_its_own(lexicon):
    ask = analyse("平台认定的打分细则是怎样的？", lexicon).asks[0]
    assert [f.topic for f in ask.facets] == ["评分规则"]
    assert _planner(lexicon).plan(ask, _quoting("开展市级中试平台认定。"), []).outcome is Outcome.NOT_COVERED


def test_a_question_particle_before_a_comma_closes_its_ask(lexicon):
    asks = analyse("建成后可以申报认定吗，认定的评分标准是什么？", lexicon).asks
    assert [a.text for a in asks] == ["建成后可以申报认定吗", "认定的评分标准是什么"]


def test_a_figure_of_a_subject_without_a_domain_term_is_said_where_its_rarest_word_is(lexicon):
    ask = analyse("合同研发外包模式能给多少奖励？", lexicon).asks[0]
    assert ask.intent is Intent.AMOUNT
    rare = {"合同": 1.2, "研发": 1.0, "模式": 1.0}
    planner = Planner(lexicon, lambda w: rare.get(w, 0.5), {}, AnswerTuning())
    assert planner.plain_key(ask) == "合同"
    plan = planner.plan(
        ask, _quoting("对研发模式给予奖励，新建平台支持金额最高可达1亿元；发展合同研发外包等模式。"), []
    )
    assert plan.outcome is Outcome.NOT_COVERED
    told = planner.plan(ask, _quoting("对合同研发外包模式给予奖励，最高100万元。"), [])
    assert told.outcome is Outcome.ANSWERED


def test_an_amount_asked_before_its_instrument_is_an_amount(lexicon):
    assert analyse("引进专家给每人多少补贴？", lexicon).asks[0].intent is Intent.AMOUNT
    assert analyse("一事一议的补贴最高能到多少？", lexicon).asks[0].intent is Intent.AMOUNT


def test_chat_fillers_are_not_what_is_asked(lexicon, tokenizer):
    assert analyse("上海方案的文号是啥来着？", lexicon).asks[0].text == "上海方案的文号是什么"
    assert "另外" not in tokenizer.tokens("另外，上海方案的文号是多少？")
    assert "三家" not in analyse("要争创几家国家级平台，三家还是五家？", lexicon).asks[0].subject


def test_a_choice_of_figures_is_answered_by_a_clause_giving_one(lexicon):
    ask = analyse("要争创几家国家级中试平台，三家还是五家？", lexicon).asks[0]
    plan = _planner(lexicon).plan(ask, _quoting("到2027年，争创3家国家级中试平台。"), [])
    assert plan.outcome is Outcome.ANSWERED
    assert _planner(lexicon).plan(ask, _quoting("到2027年，争创4家国家级中试平台。"), []).outcome is Outcome.NOT_COVERED
