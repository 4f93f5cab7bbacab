"""`policy-assistant bench`: cold start, warm latency, ingest throughput, scale, memory and a baseline,
all measured in one run; writes <out>/report.md and <out>/report.json.

Stages run one after another (the machine has few cores; nothing is measured while something else
runs). Every stage records its own failure and the others go on, so a report is always written.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import random
import resource
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from assistant.answer.followup import resolve
from assistant.core.records import Turn
from assistant.core.settings import Settings
from assistant.index.build import chunk_index_text, corpus_files, ingest
from assistant.index.embeddings import Embedder, make_embedder
from assistant.index.lexical import ChineseTokenizer
from assistant.index.snapshot import Layout
from assistant.service import Assistant
from evals.bench.baseline import METHOD as BASELINE_METHOD
from evals.bench.baseline import run_langchain_baseline
from evals.bench.large import large_txt
from evals.bench.load import load_figures
from evals.bench.proc import api_rss, ask_over_http, cold_ask, environment, serve_run, vm_hwm_mb
from evals.bench.report import latency_stats, render, stats, targets
from evals.bench.synth import NOISE_SIGMA, Pool, RecordingEmbedder, build_tier, write_synthetic_corpus
from evals.metrics import score_item, summarize
from evals.runner import load_dataset
from ingest.chunk import chunk_clauses
from ingest.clean import clean_pages
from ingest.loaders import read_pages
from ingest.parse import doc_id_for
from ingest.structure import extract_meta, parse_clauses

log = logging.getLogger(__name__)
DATASET = Path(__file__).resolve().parents[1] / "data" / "dataset.jsonl"
QUESTION = "新建中试平台采购设备最高补贴多少？"
EXPECT = "1亿元"
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
    load_sessions: int = 20  # concurrent chat users against the last cold-started `serve` process
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


def run_bench(
    settings: Settings,
    out: Path,
    quick: bool = False,
    *,
    tiers: tuple[int, ...] | None = None,
    cold_runs: int | None = None,
    synthetic_chunks: int | None = None,
    raw_sample: int | None = None,
    max_questions: int | None = None,
) -> str:
    """Run every measurement once; return the Markdown report (also written to out/report.md)."""
    started = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    plan = Plan.make(
        quick,
        tiers=tiers,
        cold_runs=cold_runs,
        synthetic_chunks=synthetic_chunks,
        raw_sample=raw_sample,
        max_questions=max_questions,
    )
    # dense_min_coverage=0: every hybrid query pays for the dense side, as with a Chinese model
    settings = settings.replace(
        chroma_url=None, llm_base_url=None, llm_model=None, llm_api_key=None, dense_min_coverage=0.0
    )
    items = load_dataset(DATASET)[: plan.max_questions]
    errors: dict[str, str] = {}
    stage_times: dict[str, dict] = {}
    load_before = os.getloadavg()[0]
    stages: list[tuple[str, Callable[[Run], None]]] = [
        ("shipped ingest", shipped_ingest),
        ("cold start", cold_start),
        ("warm ask", warm_ask),
        ("langchain baseline", baseline),
        ("synthetic ingest", synthetic_ingest),
        ("scale tiers", scale_tiers),
        ("large TXT ingest", large_txt_ingest),
    ]
    with tempfile.TemporaryDirectory(prefix="pa-bench-") as tmp:
        run = Run(settings, plan, Path(tmp), items)
        with tqdm(total=len(stages), desc="bench", unit="stage") as bar:
            for name, stage in stages:
                bar.set_postfix_str(name)
                t0, cpu0, steal0 = time.perf_counter(), _cpu_seconds(), _steal_seconds()
                try:
                    stage(run)
                except Exception as exc:  # noqa: BLE001 - one failed stage must not lose the others
                    log.exception("bench stage %r failed", name)
                    errors[name] = f"{type(exc).__name__}: {exc}"
                wall = time.perf_counter() - t0
                stage_times[name] = {
                    "wall_s": wall,
                    "cpu_s": _cpu_seconds() - cpu0,
                    "steal_s": _steal_seconds() - steal0,
                    "load1": os.getloadavg()[0],
                }
                log.info("stage %s: %.1f s", name, wall)
                bar.update()
                _forget_chroma_clients()
        results = run.results
    results["memory"] = {**results.get("memory", {}), "bench_peak_rss_mb": vm_hwm_mb()}
    results["meta"] = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "duration_s": time.perf_counter() - started,
        "quick": quick,
        "plan": dataclasses.asdict(plan),
        "model": settings.embedding_model,
        "retriever": settings.retriever,
        "questions": len(items),
        "environment": environment(),
        "load1_before": load_before,
        "stages": stage_times,
    }
    results["errors"] = errors
    results["targets"] = targets(results)
    report = render(results)
    (out / "report.json").write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    (out / "report.md").write_text(report, encoding="utf-8")
    log.info("bench finished in %.0f s: %s", results["meta"]["duration_s"], out / "report.md")
    return report


def large_txt_ingest(run: Run) -> None:
    run.results["large_txt"] = large_txt(run.settings, run.work / "large", run.plan.large_txt_mb)


def _cpu_seconds() -> float:
    """CPU time of the bench and its finished children: compare with wall time to spot contention."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _steal_seconds() -> float:
    """CPU time the hypervisor gave to other guests (all cores), from /proc/stat."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
        return int(fields[8]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _forget_chroma_clients() -> None:
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


# ------------------------------------------------------------------------------------------ ingest


def _chunk_seconds(files: list[Path], settings: Settings) -> float:
    """Time `chunk_clauses` alone on the files' parsed clauses (the pipeline times parse+chunk as one)."""
    total = 0.0
    for path in files:
        pages, title = read_pages(path, settings.max_file_mb)
        clean = clean_pages(pages)
        clauses = parse_clauses(clean.text, extract_meta(clean.text, title).title or path.stem)
        t0 = time.perf_counter()
        chunk_clauses(doc_id_for(path), clauses, clean, settings.chunk_max_chars, settings.max_run_chars)
        total += time.perf_counter() - t0
    return total


def _ingest_figures(report, chunk_s: float) -> dict:
    chunks = sum(d.chunks for d in report.docs if d.status in ("new", "updated"))
    t = report.timings
    known = sum(t.get(k, 0.0) for k in ("parse", "copy", "tokenize", "embed", "store"))
    return {
        "docs": sum(d.status in ("new", "updated") for d in report.docs),
        "chunks": chunks,
        "seconds": report.seconds,
        "chunks_per_s": chunks / report.seconds if report.seconds else None,
        "stages_s": {
            "parse": t.get("parse"),
            "chunk": chunk_s,
            "tokenize": t.get("tokenize"),
            "copy": t.get("copy"),
            "embed": t.get("embed"),
            "store": t.get("store"),
            "other": report.seconds - known,
        },
    }


def shipped_ingest(run: Run) -> None:
    s = run.settings
    t0 = time.perf_counter()
    embedder = run.embedder = make_embedder(s.embedding_model, s.embedding_batch_size, s.embedding_device)
    embedder.embed(["中试"])
    tokenizer = run.tokenizer = ChineseTokenizer()
    log.info("model and tokenizer loaded in %.1f s", time.perf_counter() - t0)
    report = ingest(run.dir("shipped"), embedder, tokenizer, rebuild=True)
    if report.failed:
        raise RuntimeError(f"shipped corpus failed to ingest: {[d.path for d in report.failed]}")
    run.results.setdefault("ingest", {})["shipped"] = _ingest_figures(
        report, _chunk_seconds(corpus_files(s.corpus_dir), s)
    )
    _forget_chroma_clients()
    shutil.copytree(run.work / "shipped", run.work / "cold")  # the subprocesses get their own copy


# ------------------------------------------------------------------------------ cold start, memory


def cold_start(run: Run) -> None:
    s = run.dir("cold")
    asks = [cold_ask(s, QUESTION, EXPECT) for _ in tqdm(range(run.plan.cold_runs), desc="cold ask", leave=False)]

    def probe(url: str) -> dict:  # on the last server: single answers, then concurrent users; then its peak RSS
        return {
            "answers": ask_over_http(url, HTTP_QUESTIONS),
            "load": load_figures(url, run.plan.load_sessions, run.plan.load_turns),
            "rss_method": f"VmHWM of the `serve` process after answering over HTTP (gradio_client), "
            f"{run.plan.load_sessions} concurrent users included",
        }

    serves = []
    for i in tqdm(range(run.plan.cold_runs), desc="cold serve", leave=False):
        last = i == run.plan.cold_runs - 1
        serves.append(serve_run(s, run.work / "serve.log", probe if last else None))
    run.results["cold_start"] = {
        "question": QUESTION,
        "cli_ask_s": [a["seconds"] for a in asks],
        "cli_exit_s": [a["exit_seconds"] for a in asks],
        "cli_ask_median_s": statistics.median(a["seconds"] for a in asks),
        "cli_answered": [a["answered"] for a in asks],
        "serve_ready_s": [x["seconds"] for x in serves],
        "serve_ready_median_s": statistics.median(x["seconds"] for x in serves),
    }
    probed = serves[-1]
    run.results["load"] = probed.get("load")
    if probed.get("rss_mb") is None:
        log.warning("RSS over HTTP failed (%s); measuring through the Python API", probed.get("rss_error"))
        probed = {**probed, **api_rss(s, HTTP_QUESTIONS)}
    run.results["memory"] = {
        "app_peak_rss_mb": probed["rss_mb"],
        "method": probed["rss_method"],
        "answers": probed.get("answers"),
    }


# ------------------------------------------------------------------------------------- warm asks


def _ask_all(assistant: Assistant, items: list[dict], mode: str, desc: str) -> tuple[list[dict], list[dict]]:
    records, preds = [], []
    for item in tqdm(items, desc=desc, leave=False):
        answer = assistant.ask(item["question"], item.get("history") or [], retriever=mode)
        records.append({"total_ms": answer.latency_ms, "timings": dict(assistant.last_timings)})
        preds.append({"id": item["id"], **answer.to_dict()})
    return records, preds


def warm_ask(run: Run) -> None:
    assistant = Assistant(run.dir("shipped"), run.embedder, run.tokenizer)
    assistant.warm()
    mode = run.settings.retriever
    _ask_all(assistant, run.items[:WARMUP], mode, "warm-up")
    records, preds = _ask_all(assistant, run.items, mode, "warm ask")
    run.our_scores = [score_item(item, pred) for item, pred in zip(run.items, preds)]
    run.results["warm_ask"] = {
        "items": len(run.items),
        "chunks": len(assistant.snapshot.chunks),
        "latency": latency_stats(records),
        "quality": summarize(run.our_scores),
        "per_question": [{"id": item["id"], **rec} for item, rec in zip(run.items, records)],
    }
    assistant.close()


def baseline(run: Run) -> None:
    lc = run_langchain_baseline(run.settings, run.embedder, run.items, run.work / "langchain")
    ours_ms = [s["latency_ms"] for s in run.our_scores]
    ours = {
        **{k: run.results["warm_ask"]["quality"][k] for k in ("answer_correct", "hit@5", "hit@1")},
        "p50_ms": stats(ours_ms)["p50"],
        "p95_ms": stats(ours_ms)["p95"],
    }
    theirs = {
        **{k: lc["summary"][k] for k in ("answer_correct", "hit@5", "hit@1")},
        "p50_ms": stats(lc["latencies_ms"])["p50"],
        "p95_ms": stats(lc["latencies_ms"])["p95"],
    }
    ratios = {k: (ours[k] / theirs[k] if ours[k] is not None and theirs[k] else None) for k in ours}
    run.results["baseline"] = {
        "ours": ours,
        "langchain": theirs,
        "ratios": ratios,
        "chunks": lc["chunks"],
        "method": BASELINE_METHOD,
    }


# -------------------------------------------------------------------------- synthetic ingest, tiers


def synthetic_ingest(run: Run) -> None:
    embedder, tokenizer = run.loaded()
    shipped = Layout(run.dir("shipped"))
    generation = shipped.current()
    if generation is None:
        raise RuntimeError("no shipped index (the shipped ingest stage failed)")
    real_chunks, _ = shipped.load_chunks(generation)
    documents = {d: e.document for d, e in shipped.load_manifest(generation).entries.items()}
    corpus = run.work / "synthetic-corpus"
    files = write_synthetic_corpus(real_chunks, documents, run.plan.synthetic_chunks, corpus)
    s = run.settings.replace(data_dir=run.work / "synthetic", corpus_dir=corpus)
    recorder = RecordingEmbedder(embedder)
    with tqdm(desc="synthetic ingest", unit="chunk", leave=False) as bar:

        def progress(stage: str, done: int, total: int) -> None:
            if stage == "embed":
                bar.total = total
                bar.n = done
                bar.refresh()

        report = ingest(s, recorder, tokenizer, progress=progress)
    if report.failed or report.generation is None:
        raise RuntimeError(f"synthetic files failed to ingest: {[d.reason for d in report.failed]}")
    figures = _ingest_figures(report, _chunk_seconds(files, s))
    if figures["chunks"] < run.plan.synthetic_chunks:
        log.warning(
            "synthetic corpus gave %d chunks, fewer than the %d planned", figures["chunks"], run.plan.synthetic_chunks
        )
    layout = Layout(s)
    chunks, tokens = layout.load_chunks(report.generation)
    docs = {d: e.document for d, e in layout.load_manifest(report.generation).entries.items()}
    texts = [chunk_index_text(c, docs[c.doc_id]) for c in chunks]
    sample = random.Random(3).sample(texts, min(run.plan.raw_sample, len(texts)))
    t0 = time.perf_counter()
    embedder.embed(sample)
    raw_cps = len(sample) / (time.perf_counter() - t0)
    run.pool = Pool(chunks, tokens, np.stack([recorder.vectors[t] for t in texts]), docs)
    ingest_cps = figures["chunks_per_s"]
    run.results.setdefault("ingest", {}).update(
        {
            "synthetic": figures,
            "raw_embed": {"texts": len(sample), "chunks_per_s": raw_cps},
            "raw_over_ingest": raw_cps / ingest_cps,
            "ingest_over_raw": ingest_cps / raw_cps,
            "embed_share": 100 * figures["stages_s"]["embed"] / figures["seconds"],
        }
    )
    _forget_chroma_clients()
    shutil.rmtree(run.work / "synthetic", ignore_errors=True)


def scale_tiers(run: Run) -> None:
    if run.pool is None:
        raise RuntimeError("no synthetic pool (the synthetic ingest stage failed)")
    embedder, tokenizer = run.loaded()
    tiers = {}
    filtered = [
        resolve(
            item["question"], [Turn(t["role"], t["content"]) for t in item.get("history") or []], tokenizer
        ).jurisdiction
        is not None
        for item in run.items
    ]
    for size in run.plan.tiers:
        s = run.dir(f"tier-{size}")
        with tqdm(total=size, desc=f"build {size:,}", unit="chunk", leave=False) as bar:
            tier = build_tier(s, run.pool, size, embedder.name, tokenizer, progress=bar.update)
        _forget_chroma_clients()
        assistant = Assistant(s, embedder, tokenizer)
        t0 = time.perf_counter()
        assistant.warm()
        load_s = time.perf_counter() - t0
        modes, by_filter = {}, {}
        for mode in MODES:
            _ask_all(assistant, run.items[:WARMUP], mode, f"{size:,} {mode} warm-up")
            records, _ = _ask_all(assistant, run.items, mode, f"{size:,} {mode}")
            modes[mode] = latency_stats(records)
            by_filter[mode] = {
                name: latency_stats([r for r, f in zip(records, filtered) if f == flag])
                for name, flag in (("filtered", True), ("unfiltered", False))
            }
        count_ms = []
        for _ in range(20):  # ChromaStore.query calls count() before every query
            t0 = time.perf_counter()
            assistant.snapshot.store.count()
            count_ms.append((time.perf_counter() - t0) * 1000)
        tiers[str(size)] = {
            "real": tier.real,
            "derived": tier.derived,
            "build_s": tier.build_s,
            "load_s": load_s,
            "modes": modes,
            "by_filter": by_filter,
            "store_count_ms": stats(count_ms),
        }
        log.info(
            "tier %s: hybrid p50 %.1f ms, p95 %.1f ms",
            size,
            modes["hybrid"]["total_ms"]["p50"],
            modes["hybrid"]["total_ms"]["p95"],
        )
        assistant.close()
        del assistant
        _forget_chroma_clients()
        shutil.rmtree(s.data_dir, ignore_errors=True)
    run.results["scale"] = {
        "modes": MODES,
        "tiers": tiers,
        "filtered_questions": sum(filtered),
        "method": (
            f"Tiers are index generations written directly (`Layout.write_generation` + `ChromaStore.add`, "
            f"embedded Chroma). Up to {len(run.pool.chunks):,} chunks come from the synthetic corpus as the real "
            f"pipeline ingested it (real vectors, real jieba tokens). Larger tiers add variants of those chunks: "
            f"sentences after the first shuffled, every digit run remapped (the same mapping applied to the "
            f"chunk's tokens, so jieba is not re-run), vector = base vector + N(0, {NOISE_SIGMA}²) per dimension, "
            f"renormalised (cosine ≈ 0.86 to the base), in documents of 1,000 chunks that copy a base document's "
            f"jurisdiction. Every eval question (with history) is asked once per mode through `Assistant.ask` "
            f"(which runs `assistant.retrieval.retriever.Retriever`), after {WARMUP} warm-up questions; query vectors "
            f"come from the real model. Load = `Assistant.warm()` (chunks, BM25 build, Chroma open, one embed)."
        ),
    }
