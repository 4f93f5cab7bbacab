"""The kind of value an ask requests, read from its own asking words (an amount, a year, a body that acts), and
whether a quoted sentence holds a value of that kind: one that only names the subject does not answer. Tiny
synthetic inputs."""

from __future__ import annotations

import dataclasses

import pytest

from assistant.answer.analysis import Intent, Lexicon, analyse
from assistant.answer.asks import besides, count_units, only_of
from assistant.answer.candidates import Candidate, quote
from assistant.answer.document_facts import PART_LINE, asked_facts, organs
from assistant.answer.lists import unshared_items
from assistant.answer.normalize import written
from assistant.answer.plan import Planner
from assistant.answer.plans import Outcome, Verdict, asked_again
from assistant.core.records import Chunk, Document
from assistant.core.settings import AnswerTuning
from ingest.facts import extract_facts

ONE = lambda word: 1.0  # noqa: E731  every word is one the documents use
DOCUMENT = Document("d", "某省中试平台实施方案", None, ("某省工业和信息化厅",), None, "other", 1, "d.txt", "h")


@pytest.fixture(scope="module")
def lexicon(tokenizer):
    return Lexicon(tokenizer)


def _plan(lexicon: Lexicon, question: str, sentence: str, idf=lambda word: 1.0):
    chunk = Chunk("c", "d", sentence, ("一、支持措施",), (1,), 0, len(sentence), facts=tuple(extract_facts(sentence)))
    ask = analyse(question, lexicon).asks[0]
    return Planner(lexicon, idf, {}, AnswerTuning()).plan(
        ask, quote([Candidate(sentence, chunk, DOCUMENT, 1.0, 0)]), []
    )


def _intent(lexicon: Lexicon, question: str) -> Intent:
    return analyse(question, lexicon).asks[0].intent


def test_how_much_of_a_reward_asks_for_an_amount(lexicon):
    assert _intent(lexicon, "认定为示范机构后每家奖励多少？") is Intent.AMOUNT
    assert _intent(lexicon, "补贴标准是多少？") is not Intent.AMOUNT  # a standard may be a ratio
    assert _intent(lexicon, "每年奖励多少家？") is not Intent.AMOUNT


def test_a_reward_named_without_a_sum_does_not_answer_how_much(lexicon):
    question = "认定为示范机构后每家奖励多少？"
    assert _plan(lexicon, question, "对认定的示范机构给予奖励。").outcome is Outcome.NOT_COVERED
    assert _plan(lexicon, question, "对认定的示范机构每家奖励50万元。").outcome is Outcome.ANSWERED


def test_a_body_that_acts_is_responsible_not_an_issuer(lexicon):
    assert _intent(lexicon, "核定总投资是由哪家机构审计的？") is Intent.RESPONSIBLE
    assert _intent(lexicon, "效能评估由哪个部门组织？") is Intent.RESPONSIBLE
    assert _intent(lexicon, "这份方案是哪个部门印发的？") is Intent.ISSUER
    assert "issuers" not in asked_facts("效能评估由哪个部门组织？", frozenset())
    assert "issuers" in asked_facts("这份方案是哪个部门印发的？", frozenset())


def test_a_clause_without_a_body_does_not_say_who(lexicon):
    question = "核定总投资是由哪家机构审计的？"
    assert _plan(lexicon, question, "补贴比例不超过核定总投资的30%。").outcome is Outcome.NOT_COVERED
    assert _plan(lexicon, question, "核定总投资由市财政局委托的审计机构审计。").outcome is Outcome.ANSWERED


def test_from_which_year_is_a_date_the_clause_must_hold(lexicon):
    question = "核定总投资是从哪一年的投资开始算？"
    assert _intent(lexicon, question) is Intent.DATE
    assert _plan(lexicon, question, "补贴比例不超过核定总投资的30%。").outcome is Outcome.NOT_COVERED
    assert _plan(lexicon, question, "核定总投资自2024年起计算。").outcome is Outcome.ANSWERED


def test_what_conditions_asks_for_conditions_not_for_the_words_meeting_the_conditions(lexicon):
    question = "贴息给符合条件的项目，具体条件是啥？"
    assert _intent(lexicon, question) is Intent.CONDITION
    assert _plan(lexicon, question, "对符合条件的项目给予贴息，累计不超过2000万元。").outcome is Outcome.NOT_COVERED
    assert _plan(lexicon, question, "申请贴息的项目应当具备银行贷款合同。").outcome is Outcome.ANSWERED


def test_an_english_question_keeps_its_place_its_kind_of_value_and_its_threshold(lexicon):
    assert (
        "浙江" in analyse("What subsidies does Zhejiang Province offer for pilot platforms?", lexicon).asks[0].subject
    )
    assert analyse("How much funding does each platform get?", lexicon).asks[0].intent is Intent.AMOUNT
    threshold = analyse("Is there a minimum investment threshold for the equipment subsidy?", lexicon).asks[0]
    assert "申报条件" in [f.topic for f in threshold.facets]
    assert analyse("Which agencies jointly issued the plan?", lexicon).asks[0].intent is Intent.ISSUER
    assert "印发" in analyse("When was the plan printed?", lexicon).asks[0].text


def test_a_proposed_figure_is_checked_against_the_figure_said_of_its_subject(lexicon):
    sentences = ["探索服务券形式补贴支持，最高支持比例不超过50%。", "已建平台的补贴支持比例不超过核定总投资的30%。"]
    candidates = []
    for n, sentence in enumerate(sentences):
        facts = tuple(extract_facts(sentence))
        chunk = Chunk(f"c{n}", "d", sentence, ("一、支持措施",), (1,), 0, len(sentence), facts=facts)
        candidates.append(Candidate(sentence, chunk, DOCUMENT, 1.0 - n / 10, n))
    ask = analyse("服务券最多只能补30%，对吗？", lexicon).asks[0]
    plan = Planner(lexicon, lambda word: 1.0, {}, AnswerTuning()).plan(ask, quote(candidates), [])
    assert plan.verdict is Verdict.NO


def test_a_count_in_another_measure_word_does_not_answer(lexicon):
    question = "这份方案正文一共有多少条？"
    assert count_units(question) == {"条"}
    assert _plan(lexicon, question, "这份方案支持的机构共728家。").outcome is Outcome.NOT_COVERED
    assert _plan(lexicon, question, "这份方案正文共有15条措施。").outcome is Outcome.ANSWERED


def test_a_tax_deduction_is_a_tax_detail_the_clause_must_give(lexicon):
    question = "研发投入能不能享受加计扣除，比例多少？"
    assert "税收优惠" in [f.topic for f in analyse(question, lexicon).asks[0].facets]
    assert _plan(lexicon, question, "研发投入补贴比例不超过30%。").outcome is Outcome.NOT_COVERED


def test_what_percent_asks_for_a_ratio_and_the_last_printer_is_asked_at_length(lexicon):
    assert _intent(lexicon, "服务券最高能补百分之多少？") is Intent.RATIO
    assert "printed" in asked_facts("那份通知最后是以哪个单位的名义印发的？", frozenset())


def test_a_list_of_named_banks_needs_a_clause_that_names_a_bank(lexicon):
    question = "贷款贴息是跟哪几家银行合作的？"
    assert (
        _plan(lexicon, question, "鼓励金融机构参与平台建设，对符合条件的项目给予贴息。").outcome is Outcome.NOT_COVERED
    )
    assert _plan(lexicon, question, "贷款贴息与工商银行、建设银行合作开展。").outcome is Outcome.ANSWERED


def test_a_standard_of_support_needs_a_sum_or_a_share(lexicon):
    question = "优秀人才的奖励标准是什么？"
    assert _plan(lexicon, question, "培养善于解决复杂工程问题的优秀人才。").outcome is Outcome.NOT_COVERED
    assert _plan(lexicon, question, "优秀人才按其年薪的10%给予奖励。").outcome is Outcome.ANSWERED


def test_a_body_a_claim_says_a_document_was_copied_to_is_the_claim_not_the_subject():
    assert "市财政局" in organs("方案抄送了市财政局，是吧？")


def test_a_spoken_form_is_read_as_the_documents_write_it(lexicon):
    assert written("已经建成的平台") == "已建成的平台"
    assert "实施进展" in [f.topic for f in analyse("目前已经认定了多少家？", lexicon).asks[0].facets]
    assert written("认定啥时候开始报？有啥条件？咋申请？") == "认定什么时候开始报？有什么条件？怎么申请？"
    assert analyse("认定啥时候开始报？", lexicon).asks[0].intent is Intent.DATE


def test_the_marker_of_the_next_item_is_not_part_of_an_ask(lexicon):
    asks = analyse("想了解：1. 园区会怎么评价？2. 平台能不能上楼？3. 指标有没有保障？", lexicon).asks
    assert [a.text for a in asks][-3:] == ["园区会怎么评价", "平台能不能上楼", "指标有没有保障"]


def test_another_kind_of_value_asked_next_is_an_ask_of_its_own(lexicon):
    asks = analyse("国家意见和上海方案，哪个先出来的？各自日期是多少？", lexicon).asks
    assert [a.intent for a in asks] == [Intent.OTHER, Intent.DATE]
    assert asks[1].text == "国家意见和上海方案，各自日期是多少"
    assert len(analyse("印发后怎么抓好落实？提了哪几条？", lexicon).asks) == 1  # the list asks the same again


def test_which_two_ministries_asks_for_the_issuers(lexicon):
    assert "issuers" in asked_facts("那份实施意见是哪两个部委发的？", frozenset())
    assert _intent(lexicon, "那份实施意见是哪两个部委发的？") is Intent.ISSUER


def test_what_the_asker_already_knows_is_not_the_answer():
    assert besides("人工智能这块除了转化基地，还要建什么平台？") == "转化基地"
    assert besides("还要建什么平台？") == ""
    assert only_of("转化基地", "在人工智能等领域建设产业中试转化基地")
    assert not only_of("企业", "支持高校、研究机构、企业等多元共建")


def test_bodies_joined_by_gen_or_tong_are_each_named():
    assert organs("是工信部跟科技部联合发的，没错吧？") == ["工信部", "科技部"]
    assert organs("是工信部同国家发改委一起发的吧") == ["工信部", "国家发改委"]


def test_how_many_of_a_thing_is_a_count_but_a_few_of_them_in_passing_is_not(lexicon):
    assert _intent(lexicon, "某省计划建几个算力中试平台？") is Intent.COUNT
    assert _intent(lexicon, "这几个领域都支持吗？") is not Intent.COUNT
    assert _intent(lexicon, "我们有几个问题想请教，贴息怎么算？") is not Intent.COUNT
    assert _intent(lexicon, "团队十几个人，能申请吗？") is not Intent.COUNT
    assert _intent(lexicon, "审批能压缩到几个工作日？") is Intent.DURATION


def test_funds_asked_by_their_own_name_are_an_amount(lexicon):
    assert _intent(lexicon, "单个榜单的经费是多少？") is Intent.AMOUNT
    assert _intent(lexicon, "每年安排多少专项资金？") is Intent.AMOUNT
    question = "单个榜单的经费是多少？"
    assert _plan(lexicon, question, "引导企业开展揭榜挂帅技术攻关。").outcome is Outcome.NOT_COVERED
    assert _plan(lexicon, question, "单个榜单的经费不超过200万元。").outcome is Outcome.ANSWERED


def test_a_figure_is_said_of_the_term_asked_about_only_in_its_own_clause(lexicon):
    sentence = "新建中试线的补贴最高可达1亿元；投入较大的中试线，通过一事一议的方式专题研究。"
    rare = {"一事一议": 3.0}  # the rarest term of the first question
    assert _plan(lexicon, "一事一议的中试线补贴最高多少？", sentence, lambda w: rare.get(w, 1.0)).outcome is (
        Outcome.NOT_COVERED
    )
    assert _plan(lexicon, "新建中试线补贴最高多少？", sentence, lambda w: rare.get(w, 1.0)).outcome is Outcome.ANSWERED


def test_a_date_claimed_of_a_part_is_checked_against_the_date_the_part_states(lexicon):
    text = "解读\n发布时间：2024-01-23 07:55\n近日，某部发布《实施意见》。"
    sentence = "近日，某部发布《实施意见》。"
    chunk = Chunk("c", "d", text, ("解读",), (1,), 0, len(text))
    dated = dataclasses.replace(DOCUMENT, date="2024-01-16")
    composition = quote([Candidate(sentence, chunk, dated, 1.0, 0)])
    planner = Planner(lexicon, lambda word: 1.0, {}, AnswerTuning())
    right = planner.plan(analyse("解读是2024年1月23日发布的吗？", lexicon).asks[0], composition, [])
    wrong = planner.plan(analyse("解读是2024年1月16日发布的吗？", lexicon).asks[0], composition, [])
    assert (right.verdict, wrong.verdict) == (Verdict.YES, Verdict.NO)
    assert right.facts[0].span == "发布时间：2024-01-23"


def test_a_body_asked_of_a_term_is_looked_for_in_the_sentences_that_say_the_term(lexicon):
    sentences = ["已建平台的补贴比例不超过核定总投资的30%。", "鼓励第三方公共服务机构牵头建设中试平台。"]
    candidates = [
        Candidate(s, Chunk(f"c{n}", "d", s, ("一、支持措施",), (1,), 0, len(s)), DOCUMENT, 1.0 - n / 10, n)
        for n, s in enumerate(sentences)
    ]
    ask = analyse("核定总投资是由哪家第三方机构来审的？", lexicon).asks[0]
    assert ask.intent is Intent.RESPONSIBLE
    rare = {"核定总投资": 3.0}
    plan = Planner(lexicon, lambda w: rare.get(w, 1.0), {}, AnswerTuning()).plan(ask, quote(candidates), [])
    assert plan.outcome is Outcome.NOT_COVERED


def test_an_ask_that_speaks_of_the_subject_before_it_shares_its_fate(lexicon):
    before = _plan(lexicon, "某省计划培育几家专利服务机构？", "培育一批专利服务机构。")
    each = _plan(lexicon, "每家奖励多少？", "对认定的示范机构每家奖励50万元。")
    number = _plan(lexicon, "它的文号是多少？", "某省工信厅〔2024〕5号")
    assert before.outcome is Outcome.NOT_COVERED and each.outcome is Outcome.ANSWERED
    assert asked_again(each, before, lexicon, ONE)
    assert not asked_again(number, before, lexicon, ONE)
    named = _plan(lexicon, "示范机构奖励多少？", "对认定的示范机构每家奖励50万元。")
    assert not asked_again(named, before, lexicon, ONE)
    compared = _plan(lexicon, "跟某市比哪个力度大？", "对认定的示范机构每家奖励50万元，加大支持力度。")
    assert asked_again(compared, before, lexicon, ONE)


def test_a_word_the_dictionary_cuts_into_characters_is_one_subject_word(lexicon, tokenizer):
    assert tokenizer.unknown_words("安评能不能简化") == ["安评"]
    assert tokenizer.unknown_words("这个解读是哪天发的，谁来建？") == []  # words of their own, one by one
    assert "安评" in analyse("安评能不能简化？", lexicon).asks[0].subject


def test_a_threshold_to_qualify_is_a_detail_the_clause_must_give(lexicon):
    question = "项目总投资至少要多少，才有资格申请补贴？"
    assert "最低门槛" in [f.topic for f in analyse(question, lexicon).asks[0].facets]
    assert _plan(lexicon, question, "新建平台的补贴最高可达1亿元。").outcome is Outcome.NOT_COVERED
    assert _plan(lexicon, question, "项目总投资不低于2000万元的，可以申请补贴。").outcome is Outcome.ANSWERED


def test_a_claim_is_checked_on_its_content_words_not_on_filler(lexicon):
    plan = _plan(lexicon, "方案里是不是有支持“工业上楼”的内容？", "支持中试平台“工业上楼”，简化审批流程。")
    assert plan.verdict is Verdict.YES


def test_a_field_a_list_leaves_out_is_no_even_when_no_document_names_it(lexicon):
    sentence = "在新能源智能网联汽车、民用航空、人工智能等重点领域，建设产业中试转化基地。"
    unknown = {"生物医药": 0.0}
    plan = _plan(lexicon, "是不是要在生物医药领域建设转化基地？", sentence, lambda w: unknown.get(w, 1.0))
    assert plan.verdict is Verdict.NO


def test_a_year_end_claimed_for_the_issue_is_checked_against_the_date_signed(lexicon):
    sentence = "为推动中试发展，制定本方案。"
    chunk = Chunk("c", "d", sentence, ("序言",), (1,), 0, len(sentence))
    dated = dataclasses.replace(DOCUMENT, date="2024-01-16")
    ask = analyse("这份方案是2023年底发的吧？", lexicon).asks[0]
    plan = Planner(lexicon, lambda w: 1.0, {}, AnswerTuning()).plan(
        ask, quote([Candidate(sentence, chunk, dated, 1.0, 0)]), []
    )
    assert plan.verdict is Verdict.NO and "2024年1月16日" in plan.facts[0].span


def test_a_pronoun_or_a_word_for_in_all_is_no_word_a_clause_must_say(tokenizer):
    assert tokenizer.tokens("那它们的试验经费一共多少？") == ["试验", "经费"]


def test_who_issued_a_part_and_when_is_the_line_the_part_opens_with():
    parts = frozenset({"解读"})
    assert asked_facts("这个解读是哪个部门发布的？", parts) == ["part"]
    assert asked_facts("解读是工信部哪个司发布的？", parts) == ["part"]
    assert asked_facts("这份方案是哪个部门印发的？", parts) == ["issuers"]
    line = PART_LINE.search("解读：某意见\n发布时间：2024-01-23 07:55来源：科技司\n近日，某部发布。")
    assert line is not None and line.group(0) == "发布时间：2024-01-23 07:55来源：科技司"


def test_a_value_asked_with_no_subject_of_its_own_leans_on_the_ask_before(lexicon):
    before = _plan(lexicon, "补贴是一次性拨付还是分期拨？", "新建平台的补贴最高可达1亿元。")
    first = _plan(lexicon, "首期拨多少比例？", "已建平台的补贴支持比例不超过30%。", lambda word: 0.0)
    assert first.outcome is Outcome.ANSWERED  # no subject word the documents use: any ratio would do
    assert asked_again(first, before, lexicon, lambda word: 0.0)
    assert not asked_again(first, before, lexicon, ONE)


def test_a_duty_the_quoted_clause_does_not_set_is_no(lexicon):
    sentence = "鼓励第三方公共服务机构牵头建设中试平台。"
    plan = _plan(lexicon, "方案是不是规定中试平台必须由国有企业牵头建设？", sentence)
    assert (plan.verdict, plan.duty) == (Verdict.NO, "必须由国有企业牵头建设")
    supported = _plan(lexicon, "高校必须参与共建吗？", "支持高校、研究机构、企业等多元共建。")
    assert supported.verdict is Verdict.NO  # supported, not required
    bound = _plan(lexicon, "是不是必须由公共服务机构牵头建设？", "中试平台必须由公共服务机构牵头建设。")
    assert bound.verdict is not Verdict.NO
    asked = _plan(lexicon, "服务中小企业的比例有没有硬性要求？", sentence)
    assert asked.duty == ""


def test_a_duty_claimed_beside_a_figure_is_checked_as_a_duty_and_an_only_cap_as_a_figure(lexicon):
    sentence = "新建平台采购设备给予补贴，支持金额最高可达1亿元。"
    plan = _plan(lexicon, "是不是必须注册满三年才能申请最高1亿元的新建平台补贴？", sentence)
    assert (plan.verdict, plan.duty) == (Verdict.NO, "必须注册满三年才能申请最高1亿元的新建平台补贴")
    capped = _plan(lexicon, "服务券最高只能补30%吧？", "探索服务券形式补贴支持，最高支持比例不超过50%。")
    assert (capped.verdict, capped.duty) == (Verdict.NO, "")
    assert [f.value for f in capped.facts] == [50.0]


def test_a_detail_given_of_another_subject_does_not_answer(lexicon):
    question = "认定的评价指标体系是怎么设计的？"
    assert "评价指标" in [f.topic for f in analyse(question, lexicon).asks[0].facets]
    rare = {"认定": 3.0, "设计": 3.0}
    other = _plan(lexicon, question, "将园区服务企业数量等指标体系纳入资源利用效率评价。", lambda w: rare.get(w, 1.0))
    assert other.outcome is Outcome.NOT_COVERED


def test_a_claim_to_pass_a_cap_the_clause_sets_is_no(lexicon):
    sentence = "已建平台的补贴支持比例不超过30%，支持金额不超过5000万元。"
    assert _plan(lexicon, "已建平台补贴能超过5000万元吗？", sentence).verdict is Verdict.NO
    assert _plan(lexicon, "已建平台补贴最高5000万元吗？", sentence).verdict is Verdict.YES
    assert _plan(lexicon, "我们投入远超过5000万元，已建平台补贴最高5000万元吗？", sentence).verdict is Verdict.YES


def test_a_figure_claimed_with_more_is_its_lower_end(lexicon):
    sentence = "当前规上工业企业中仅有37.3%开展了研究与试验活动。"
    assert _plan(lexicon, "是不是只有三成多的企业开展了研究与试验活动？", sentence).verdict is Verdict.YES
    assert _plan(lexicon, "是不是只有两成多的企业开展了研究与试验活动？", sentence).verdict is Verdict.NO
    assert _plan(lexicon, "是不是只有三成的企业开展了研究与试验活动？", sentence).verdict is Verdict.NO


def test_a_field_claimed_of_these_fields_is_checked_against_the_list(lexicon):
    sentence = "在新能源汽车、民用航空、人工智能等重点领域，建设产业中试转化基地。"
    plan = _plan(lexicon, "要在集成电路这些领域建设产业中试转化基地，是吗？", sentence)
    assert plan.verdict is Verdict.NO


def test_lists_called_the_same_that_differ_are_no_with_what_one_lacks(lexicon):
    other = Document("n", "某部中试指导意见", None, ("某部",), None, "national", 1, "n.txt", "h")
    here = "培养懂产品、懂制造、懂工艺、懂安全的复合型人才。"
    there = "培养懂产品、懂制造、懂安全的人才队伍。"
    candidates = [
        Candidate(text, Chunk(doc.doc_id, doc.doc_id, text, ("一、",), (1,), 0, len(text)), doc, 1.0, n)
        for n, (text, doc) in enumerate([(here, DOCUMENT), (there, other)])
    ]
    ask = analyse("某省方案的人才要求跟某部的一样吧？", lexicon).asks[0]
    plan = Planner(lexicon, ONE, {}, AnswerTuning()).plan(ask, quote(candidates), [])
    assert plan.verdict is Verdict.NO
    assert [(u.document, u.items, u.other) for u in plan.unshared] == [
        ("某省中试平台实施方案", ("懂工艺",), "某部中试指导意见")
    ]


def test_edge_items_of_two_lists_match_by_their_shared_end():
    here, there = ("培养懂产品", "懂制造", "懂试验", "懂安全的人才"), ("懂产品", "懂制造", "懂试验", "懂安全的队伍")
    assert unshared_items(here, there) == ()
    assert unshared_items((*here[:3], "懂工艺", here[3]), there) == ("懂工艺",)
    assert unshared_items(("甲", "乙", "丙"), ("丁", "戊", "己")) is None  # not parallel


def test_a_claim_for_every_case_against_a_clause_that_limits_it_is_no(lexicon):
    sentence = "对符合条件的项目给予贴息政策支持。"
    unknown = lambda word: 0.0 if word in ("只要", "享受") else 1.0  # noqa: E731  words no document uses
    assert _plan(lexicon, "是不是只要是中试项目都能享受贴息政策？", sentence, unknown).verdict is Verdict.NO
    assert _plan(lexicon, "中试项目能享受贴息政策吗？", sentence, unknown).verdict is not Verdict.NO


def test_an_item_claimed_of_a_list_named_first_is_checked_against_it(lexicon):
    sentence = "在新能源汽车、民用航空、人工智能等重点领域，建设产业中试转化基地。"
    assert _plan(lexicon, "产业中试转化基地的重点领域里有集成电路吧？", sentence).verdict is Verdict.NO


def test_levels_are_counted_and_a_lower_bound_with_yishang_holds(lexicon):
    assert _plan(lexicon, "建立的是三级培育机制吗？", "建立国家级、市级的两级培育机制。").verdict is Verdict.NO
    share = "试验经费支出占全国试验经费支出的73.92%。"
    assert _plan(lexicon, "试验经费支出占全国七成以上吧？", share).verdict is Verdict.YES
