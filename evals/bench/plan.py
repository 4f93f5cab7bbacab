"""What one bench run measures (the plan) and what its stages share (the run)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from assistant.core.settings import Settings
from assistant.index.embeddings import Embedder
from assistant.index.lexical import ChineseTokenizer
from evals.bench.synth import Pool

QUESTION = "新建中试平台采购设备最高补贴多少？"
EXPECT = "1亿元"
# a cold answer that uses the model (measured apart): dense retrieval embeds the question whatever the model reads
DENSE_ASK = ("--retriever", "dense")
HTTP_QUESTIONS = [
    QUESTION,
    "已建的中试平台提升能级，补贴比例最高多少？",
    "中试服务券最高支持比例是多少？",
    "上海的中试平台方案文号是多少？",
    "制造业中试创新发展实施意见是哪些部门印发的？",
]
MODES = ["lexical", "dense", "hybrid"]
WARMUP = 10  # questions asked before measuring, per assistant and mode


@dataclass(frozen=True)
class Plan:
    tiers: tuple[int, ...] = (1_000, 10_000, 100_000)
    cold_runs: int = 3
    synthetic_chunks: int = 2_000
    raw_sample: int = 250  # texts for the embedder-alone measurement (a uniform sample of the same texts)
    max_questions: int | None = None  # None: every eval item
    load_sessions: int = 50  # concurrent chat users against the last cold-started `serve` process
    load_turns: int = 10
    large_txt_mb: float = 20.0  # one TXT ingested by a fresh process: time and peak RSS

    @classmethod
    def make(cls, quick: bool, **overrides) -> Plan:
        base = (
            cls(
                tiers=(1_000, 10_000),
                cold_runs=1,
                synthetic_chunks=500,
                raw_sample=200,
                load_sessions=4,
                load_turns=2,
                large_txt_mb=0.5,
            )
            if quick
            else cls()
        )
        return dataclasses.replace(base, **{k: v for k, v in overrides.items() if v is not None})


@dataclass
class Run:
    settings: Settings
    plan: Plan
    work: Path
    items: list[dict]
    results: dict = field(default_factory=dict)
    embedder: Embedder | None = None
    tokenizer: ChineseTokenizer | None = None
    pool: Pool | None = None
    our_scores: list[dict] = field(default_factory=list)

    def dir(self, name: str) -> Settings:
        return self.settings.replace(data_dir=self.work / name)

    def loaded(self) -> tuple[Embedder, ChineseTokenizer]:
        """The model and the tokenizer the shipped ingest stage loaded."""
        if self.embedder is None or self.tokenizer is None:
            raise RuntimeError("no model loaded (the shipped ingest stage failed)")
        return self.embedder, self.tokenizer
