"""What a question asks for, and the domain lists an answer is checked against (assistant/resources)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from assistant.answer.rule_files import resource_rows, resource_words, word_pattern

NUMERIC_ASK = word_pattern("asks.numeric_ask")
NOT_NUMERIC = word_pattern("asks.not_numeric")
MONEY_STRICT = word_pattern("asks.money_strict")
SUBSIDY_ASK = word_pattern("asks.subsidy_ask")
MONEY_ANSWER = re.compile(r"\d[\d.]*\s*[万亿]*元")
MONEY_CONTEXT = word_pattern("asks.money_context")
LIST_HEAD = word_pattern("asks.list_head")
YEAR = re.compile(r"(?:19|20)\d{2}(?=年)")
BESIDES = word_pattern("asks.besides")
COMPARED_WITH = word_pattern("asks.compared_with")
PAST_YEAR = re.compile(
    r"(?:已于|已在|已经在|早在)\s*(?:19|20)\d{2}年|(?:19|20)\d{2}年(?:就|已经?|便)|"
    r"(?:19|20)\d{2}年(?:建成|建好|成立|注册|投产|落户|开始|启动)"
)
DATE_ASK = word_pattern("asks.date_ask")
DATED = re.compile(r"\d{4}(?:-\d{1,2}-\d{1,2}|年\d{1,2}月)")
COUNT_UNIT = word_pattern("asks.count_unit")
COUNT_ASK = word_pattern("asks.count_ask")
COUNTED = re.compile(
    r"(?<!第)(?:[\d.]+|[一二两三四五六七八九十百千]+)(?:万|亿)?(?:多|余)?(?:项|个|家|种|条|批|类|所|座)"
)
VAGUE_COUNT = {"一批", "一个", "一类", "一种", "一项", "一条", "一点"}
NUMBER = re.compile(r"\d")
BARE_NUMBER = re.compile(r"[\d.%]+")  # checked by the money and year rules, not evidence of the topic
DEFINING = word_pattern("asks.defining")
TAG_QUESTION = word_pattern("asks.tag_question")
COMPARE = word_pattern("asks.compare")
TENTHS = re.compile(r"[一二三四五六七八九十两几\d]$")  # "四成都不到" speaks of 四成, not of 成都
META_WORDS = frozenset(
    "文号 发文字号 编号 落款 日期 哪天 时间 部门 单位 发文单位 发文机关 联合 印发 发布 发 主送 抄送 "
    "下发 范围 之一 通知 签发 出台 天 号 几家 哪家 哪几家 几个 哪几个 哪些 谁 附件 附 附了 附上 后面 什么 "
    "成文 机关 机构 收文 对象 要求 原话 最后 写成 牵头 两个 两家".split()
)
CN_DATE = "{0}年{1}月{2}日"
NOT_ISSUERS = word_pattern("asks.not_issuers")
# a body asked as the one that does something other than issuing ("由哪个部门组织评估"): not the issuers
ACTING = word_pattern("asks.acting")


def list_heads(question: str) -> set[str]:
    """The words that name what a list ask enumerates ("还有哪些主体可以参与" → 主体): the clause names the items
    (高校、研究机构), seldom the category."""
    return set(LIST_HEAD.findall(question))


def count_units(question: str) -> set[str]:
    """The measure words a question counts in ("正文有多少条？" → 条): a count in another (728家) does not answer."""
    return set(COUNT_UNIT.findall(question))


def besides(question: str) -> str:
    """What the asker already knows and asks beyond ("除了转化基地，还要建什么" → 转化基地), or ""."""
    found = BESIDES.search(question)
    return found.group(1) if found else ""


def only_of(known: str, sentence: str) -> bool:
    """The sentence says what the asker knows, not as one item of a list ("高校、研究机构、企业" is a list the
    asker's 企业 is one of: it names the others)."""
    return known in sentence and not re.search(f"、{re.escape(known)}|{re.escape(known)}、", sentence)


def without_yardstick(question: str) -> str:
    """The question without what it only compares with: in "某省的标准，和上海相比哪个多" 上海 is not asked about."""
    return COMPARED_WITH.sub("", question)


def asked_years(question: str) -> list[str]:
    """The years a question asks about, not those of the asker's own past ("早在2019年就投产了")."""
    return YEAR.findall(PAST_YEAR.sub("", question))


class FacetScope(Enum):
    ASK = "ask"  # said in the part of a message that asks
    MESSAGE = "message"  # said anywhere in the message, the asker's background too ("我们是外资企业，能申请吗？")


@dataclass(frozen=True)
class Facet:
    """A detail an ask may request (a deadline, a fee, who verifies) and the words a sentence that gives it
    holds."""

    topic: str
    asks: tuple[str, ...]
    answers: tuple[str, ...]
    scope: FacetScope = FacetScope.ASK

    def answered_by(self, text: str) -> bool:
        lowered = text.lower()
        return any(a in lowered for a in self.answers)


def facets() -> list[Facet]:
    return [
        Facet(
            row[0],
            tuple(row[1].lower().split(",")),
            tuple(row[2].lower().split(",")),
            FacetScope(row[3] if len(row) > 3 else "ask"),
        )
        for row in resource_rows("facets.txt")
    ]


def places() -> dict[str, str]:
    """Place → the place it lies in ("浦东新区" → "上海"), or "" for a province, city or country."""
    out: dict[str, str] = {}
    for line in resource_words("places.txt", lines=True):
        parent, _, names = line.rpartition(">")
        out.update({name: parent.strip() for name in names.split()})
    return out


def contrasts() -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    return [(tuple(a.split(",")), tuple(b.split(","))) for a, b in resource_rows("contrasts.txt")]


def mentions(text: str, words: tuple[str, ...]) -> bool:
    return any(w in text for w in words)


def whole(terms) -> list[str]:
    """The terms that are not a piece of another one: jieba also cuts "中小企业" into "中小", "小企业"."""
    terms = list(terms)
    longest_first = sorted(set(terms), key=len, reverse=True)
    return [t for t in terms if not _inside_longer(t, longest_first)]


def _inside_longer(term: str, longest_first: list[str]) -> bool:
    for other in longest_first:
        if len(other) <= len(term):
            return False
        if term in other:
            return True
    return False
