"""Asks about the documents themselves: their dates asked in the words people use, two documents' dates at once,
and the same asked in English. Tiny synthetic inputs."""

from __future__ import annotations

import re

import pytest

from assistant.answer.analysis import Intent, Lexicon, analyse, translate
from assistant.answer.document_facts import asked_facts
from assistant.answer.followup import switch_document
from assistant.answer.overview import is_broad
from assistant.core.records import Turn
from assistant.core.settings import AnswerTuning


@pytest.fixture(scope="module")
def lexicon(tokenizer):
    return Lexicon(tokenizer)


def test_when_a_document_came_out_asks_for_its_date_not_its_outline():
    question = "国家的实施意见和上海的实施方案分别是什么时候出的？"
    assert "signed" in asked_facts(question, frozenset())
    assert not is_broad(question, ["实施意见", "实施方案"], ["实施意见 国家", "实施方案 上海"])


def test_how_long_between_two_dates_is_an_ask_of_its_own(lexicon):
    asks = analyse("两份文件的成文日期分别是哪天，中间隔了多久？", lexicon).asks
    assert [a.text for a in asks] == ["两份文件的成文日期分别是哪天", "中间隔了多久"]
    assert len(analyse("国家文件发文和上海方案成文，中间隔了多久？", lexicon).asks) == 1


def test_an_english_date_ask_keeps_its_document_and_its_verb(lexicon):
    assert translate("When was the official interpretation of the opinions published?", lexicon) == (
        "什么时候解读实施意见发布？"
    )


def test_a_switch_asks_the_question_before_of_the_place_now_named_without_the_title_it_named():
    places = {"shanghai": re.compile("上海"), "national": re.compile("国家")}
    history = [Turn("user", "制造业中试创新发展实施意见文号是多少？"), Turn("assistant", "工信部联科〔2024〕11号")]
    titles = ["制造业中试创新发展实施意见", "上海市中试平台创新发展实施方案"]
    assert switch_document("上海那个呢？", history, places, AnswerTuning(), titles) == "上海文号是多少？"
    assert switch_document("上海那个的补贴呢？", history, places, AnswerTuning(), titles) is None


def test_which_bodies_or_commissions_sent_it_asks_for_its_issuers(lexicon):
    assert asked_facts("那个方案是哪几个单位发的？", frozenset()) == ["issuers"]
    assert asked_facts("上海的方案是哪几个委办发的？", frozenset()) == ["issuers"]
    assert analyse("上海的方案是哪几个委办发的？", lexicon).asks[0].intent is Intent.ISSUER


def test_who_led_the_issuing_is_read_as_leading_not_as_hair(tokenizer):
    assert "牵头" in tokenizer.tokens("是不是市发改委牵头发的？")
