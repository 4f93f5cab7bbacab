"""Near misses on the real corpus: a clause on the subject that lacks the detail asked for is shown as the nearest
one, never as the answer; what is covered is answered and what is not is named."""

from __future__ import annotations


def test_a_fee_the_documents_never_set_is_refused_with_the_nearest_clause_labelled(workspace):
    answer = workspace[1].ask("中试平台给企业做检测服务，收费标准是怎么定的？")
    assert answer.refused and "收费标准" in answer.answer.splitlines()[0]
    assert not any(line.startswith("据《") for line in answer.answer.splitlines())  # nothing quoted as the answer


def test_of_two_values_the_covered_one_is_answered_and_the_other_named(workspace):
    answer = workspace[1].ask("新布局建设的中试平台，设备投资补贴比例是多少？最高金额又是多少？")
    assert not answer.refused and "1亿元" in answer.answer and "30%" not in answer.answer
    assert answer.answer.splitlines()[-1].startswith("文件未规定")


def test_chat_words_do_not_hide_what_their_synonyms_find(workspace):
    answer = workspace[1].ask("如果同时引入银行贷款，还另有贴息支持及其额度吗？")
    assert not answer.refused and "2000万元" in answer.answer


def test_a_document_not_on_file_is_not_answered_from_a_clause_that_mentions_it(workspace):
    answer = workspace[1].ask("《制造业中试平台建设指引》里的建设要点具体有哪些？")
    assert answer.refused and "未收录" in answer.answer.splitlines()[0]


def test_another_provinces_rule_compared_with_the_indexed_one_is_refused(workspace):
    answer = workspace[1].ask("江苏省对中试平台的补贴标准是多少？跟上海比哪个高？")
    assert answer.refused and "1亿元" not in answer.answer


def test_a_place_no_document_covers_carries_to_the_next_ask_of_the_message(workspace):
    answer = workspace[1].ask("顺便问下，深圳的中试平台政策是怎么补的？最高补多少？")
    assert answer.refused and "1亿元" not in answer.answer and "深圳" in answer.answer.splitlines()[0]


def test_a_place_an_ask_names_itself_is_not_replaced_by_the_carried_one(workspace):
    answer = workspace[1].ask("深圳的中试平台怎么补？上海新建中试平台最高补多少？")
    assert not answer.refused and "1亿元" in answer.answer


def test_a_target_year_in_full_width_digits_is_checked_like_any_other(workspace):
    answer = workspace[1].ask("上海到２０２６年底要建成几家中试平台？")
    assert answer.refused and "所问年份" in answer.answer.splitlines()[0]


def test_a_choice_neither_side_of_which_the_documents_say_is_not_covered(workspace):
    answer = workspace[1].ask("中试平台补贴是先建后补还是先补后建呀？")
    assert answer.refused and not answer.answer.startswith(("是", "不是"))


def test_a_choice_one_side_of_which_the_clause_says_is_answered_from_it(workspace):
    answer = workspace[1].ask("贴息那个2000万，是一年的额度还是总共的？")
    assert not answer.refused and "累计贴息总额不超过2000万元" in answer.answer


def test_a_list_asked_to_be_sent_that_no_clause_names_is_not_covered(workspace):
    answer = workspace[1].ask("请把市级中试平台的名单发我一份，想看看有没有做新材料的")
    assert answer.refused and "名单" in answer.answer.splitlines()[0]


def test_a_claim_about_what_no_document_mentions_gets_no_yes(workspace):
    answer = workspace[1].ask("这个券过期了还能用吗？")
    assert answer.verdict != "yes" and not answer.answer.startswith("是")
