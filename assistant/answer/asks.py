"""What a question asks for, and the domain lists an answer is checked against (assistant/resources)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from importlib import resources

NUMERIC_ASK = re.compile(r"多少|几[成家个年项%]|百分之几|上限|比例|金额|额度|多大|占比")
NOT_NUMERIC = re.compile(r"怎么办|如何|怎么|哪些|什么办法")
MONEY_STRICT = re.compile(r"多少钱|金额|多少万|几万|额度|资金量")
SUBSIDY_ASK = re.compile(r"补贴|补助|资助|奖励|扶持|补多少|给多少|支持多少")
MONEY_ANSWER = re.compile(r"\d[\d.]*\s*[万亿]*元")
MONEY_CONTEXT = re.compile(r"补贴|支持金额|资助|补助|贴息|支持比例|奖励|扶持")
LIST_HEAD = re.compile(r"(?:哪些|哪几[个种类项家条]?|哪[一两三四五六七八九十][个种类项家条])([\u4e00-\u9fff]{2})")
YEAR = re.compile(r"(?:19|20)\d{2}(?=年)")
BESIDES = re.compile(r"除了([^，,。？?]{2,12}?)(?:以外|之外)?[，,]?(?:还|也|另外)")
COMPARED_WITH = re.compile(r"(?:跟|和|与|同)[^，,。？?]{1,6}?(?:相比|比较|比)")
PAST_YEAR = re.compile(
    r"(?:已于|已在|已经在|早在)\s*(?:19|20)\d{2}年|(?:19|20)\d{2}年(?:就|已经?|便)|"
    r"(?:19|20)\d{2}年(?:建成|建好|成立|注册|投产|落户|开始|启动)"
)
DATE_ASK = re.compile(r"哪天|哪一天|日期|几月|几号|何时|什么时候|什么时间|发布时间|几点")
DATED = re.compile(r"\d{4}(?:-\d{1,2}-\d{1,2}|年\d{1,2}月)")
COUNT_UNIT = re.compile(r"(?<!哪)(?:多少|几)([项家种条批所座名人])")  # the measure word a count is asked in
COUNT_ASK = re.compile(r"(?<!哪)(?:多少|几)(?:项|家|种|条|批|所|座)|多少个")  # not 哪几个部门, 几个亿
COUNTED = re.compile(
    r"(?<!第)(?:[\d.]+|[一二两三四五六七八九十百千]+)(?:万|亿)?(?:多|余)?(?:项|个|家|种|条|批|类|所|座)"
)
VAGUE_COUNT = {"一批", "一个", "一类", "一种", "一项", "一条", "一点"}
NUMBER = re.compile(r"\d")
BARE_NUMBER = re.compile(r"[\d.%]+")  # checked by the money and year rules, not evidence of the topic
DEFINING = re.compile(r"^[^，。]{1,12}?(?:是指|指的是|是把|是将|即|是一种|是一类|称为|是对)")
TAG_QUESTION = re.compile(r"(?:是吗|对吗|对吧|是吧|没错吧|没记错吧|对不对|是不是|吧|吗)[？?]?$")  # checks a claim
COMPARE = re.compile(r"区别|对比|比较|分别|两份|异同|都")
TENTHS = re.compile(r"[一二三四五六七八九十两几\d]$")  # "四成都不到" speaks of 四成, not of 成都
META_WORDS = frozenset(
    "文号 发文字号 编号 落款 日期 哪天 时间 部门 单位 发文单位 发文机关 联合 印发 发布 发 主送 抄送 "
    "下发 范围 之一 通知 签发 出台 天 号 几家 哪家 哪几家 几个 哪几个 哪些 谁 附件 附 附了 附上 后面 什么 "
    "成文 机关 机构 收文 对象 要求 原话 最后 写成 牵头 两个 两家".split()
)
CN_DATE = "{0}年{1}月{2}日"
NOT_ISSUERS = re.compile(r"抄送|发给|主送|下发给|印发给")
# a body asked as the one that does something other than issuing ("由哪个部门组织评估"): not the issuers
ACTING = re.compile(r"(?:部门|单位|机构|家)[^，。？?]{0,4}?(?:组织|负责|核定|审核|认定|评估|实施|受理|管理|审批|审计)")


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


def _lines(name: str) -> list[str]:
    text = resources.files("assistant.resources").joinpath(name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def resource_rows(name: str) -> list[list[str]]:
    """The " | "-separated rows of a resource file, without comments."""
    return [[part.strip() for part in line.split(" | ")] for line in _lines(name)]


def resource_words(name: str, lines: bool = False) -> list[str]:
    """The lines (or the whitespace-separated words) of a resource file, without comments."""
    rows = _lines(name)
    return rows if lines else [w for line in rows for w in line.split()]


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
    text = resources.files("assistant.resources").joinpath("places.txt").read_text(encoding="utf-8")
    out: dict[str, str] = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
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
