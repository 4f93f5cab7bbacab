"""Small typed records passed between the stages: ingest → index → retrieve → answer → ui."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum

JURISDICTION_NAMES = {
    "national": "国家",
    "shanghai": "上海市",
    "beijing": "北京市",
    "tianjin": "天津市",
    "chongqing": "重庆市",
    "guangdong": "广东省",
    "jiangsu": "江苏省",
    "zhejiang": "浙江省",
    "shenzhen": "深圳市",
}


class TermOrigin(Enum):
    """Where a term of a question comes from. Only the question's own words (and, for an elliptical follow-up,
    their synonyms) are what an answer must cover; the others only steer retrieval."""

    OWN = "own"  # a word of the question itself
    SYNONYM = "synonym"  # a synonym of one of its words
    ITEM = "item"  # a word of the list item a follow-up points at ("第一种")
    CONTEXT = "context"  # the previous question, or the asker's situation around the ask
    ANSWER = "answer"  # the previous answer


# how the name of a place ends: 湖北省, 苏州市, 浦东新区, 延边朝鲜族自治州
PLACE_SUFFIXES = ("特别行政区", "自治区", "自治州", "新区", "省", "市", "区", "县")


@dataclass(frozen=True)
class Document:
    doc_id: str
    title: str
    doc_number: str | None
    issuers: tuple[str, ...]
    date: str | None  # ISO date of signature
    jurisdiction: str  # national | shanghai | other place slug
    page_count: int
    source_path: str
    content_hash: str
    status: str = "现行有效"
    source_url: str | None = None
    implements: str | None = None  # 文号 of a higher-level document this one implements
    contents: str | None = None  # what the indexed file holds, when it is not the whole document (sidecar)

    @property
    def place(self) -> str:
        return JURISDICTION_NAMES.get(self.jurisdiction, self.jurisdiction)

    @property
    def citation_title(self) -> str:
        return f"《{self.title}》（{self.doc_number}）" if self.doc_number else f"《{self.title}》"

    def to_dict(self) -> dict:
        data = asdict(self)
        data["issuers"] = list(self.issuers)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Document:
        return cls(**{**data, "issuers": tuple(data.get("issuers", ()))})


@dataclass(frozen=True)
class Clause:
    """A node of a document's heading tree with its own text (heading + body before any child)."""

    path: tuple[str, ...]
    text: str
    start: int
    end: int
    kind: str = "clause"  # header | preamble | clause | trailer


class Comparator(Enum):
    AT_MOST = "at_most"  # 最高, 不超过
    AT_LEAST = "at_least"  # 不低于, 以上
    ABOUT = "about"  # 左右
    EQUAL = "equal"


@dataclass(frozen=True)
class PolicyFact:
    """A figure a clause sets: subject (针对…), measure (支持金额), comparator, value and unit."""

    subject: str
    measure: str
    comparator: Comparator
    kind: str  # assistant.core.figures.Kind value: money (万元) | percent | count
    value: float
    unit: str
    span: str  # the words that state it, e.g. "支持金额不超过5000万元"
    sentence: str

    def to_dict(self) -> dict:
        return {**asdict(self), "comparator": self.comparator.value}

    @classmethod
    def from_dict(cls, data: dict) -> PolicyFact:
        return cls(**{**data, "comparator": Comparator(data["comparator"])})


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    doc_id: str
    text: str
    path: tuple[str, ...]
    pages: tuple[int, ...]
    start: int
    end: int
    kind: str = "clause"
    part: int = 0  # index of the part when a long clause was split
    facts: tuple[PolicyFact, ...] = ()

    @property
    def section(self) -> str:
        return " > ".join(self.path)

    @property
    def page(self) -> int | None:
        return self.pages[0] if self.pages else None

    def to_dict(self) -> dict:
        data = asdict(self)
        data["path"] = list(self.path)
        data["pages"] = list(self.pages)
        data["facts"] = [f.to_dict() for f in self.facts]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Chunk:
        facts = tuple(PolicyFact.from_dict(f) for f in data.get("facts", ()))
        return cls(**{**data, "path": tuple(data["path"]), "pages": tuple(data["pages"]), "facts": facts})


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    document: Document
    score: float
    rank: int
    lexical: float | None = None
    dense: float | None = None


@dataclass(frozen=True)
class Citation:
    marker: int
    chunk: Chunk
    document: Document

    def to_dict(self) -> dict:
        return {
            "marker": self.marker,
            "doc_id": self.chunk.doc_id,
            "doc_title": self.document.title,
            "doc_number": self.document.doc_number,
            "section": self.chunk.section,
            "page": self.chunk.page,
            "text": self.chunk.text,
        }


@dataclass(frozen=True)
class Turn:
    role: str  # user | assistant
    content: str


@dataclass
class Answer:
    question: str
    answer: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    contexts: list[Hit] = field(default_factory=list)
    latency_ms: float = 0.0
    resolved_question: str | None = None
    notice: str | None = None
    mode: str = "extractive"
    verdict: str | None = None  # for a yes/no question: yes | no | not_stated

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "citations": [c.to_dict() for c in self.citations],
            "contexts": [
                {
                    "rank": h.rank,
                    "doc_id": h.chunk.doc_id,
                    "doc_number": h.document.doc_number,
                    "section": h.chunk.section,
                    "page": h.chunk.page,
                    "text": h.chunk.text,
                    "score": round(h.score, 6),
                }
                for h in self.contexts
            ],
            "latency_ms": round(self.latency_ms, 2),
            "resolved_question": self.resolved_question,
            "notice": self.notice,
            "mode": self.mode,
            "verdict": self.verdict,
        }
