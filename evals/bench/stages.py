"""The stages of `policy-assistant bench`, each measuring one thing into `Run.results`."""

from __future__ import annotations

import logging
import random
import shutil
import statistics
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from assistant.answer.followup import resolve
from assistant.answer.places import PlaceIndex
from assistant.core.places import gazetteer
from assistant.core.records import Turn
from assistant.core.settings import Settings
from assistant.index.build import chunk_index_text, corpus_files, ingest
from assistant.index.embeddings import Embedder, make_embedder
from assistant.index.layout import Layout
from assistant.index.lexical import ChineseTokenizer
from assistant.service import Assistant
from evals.bench.baseline import COLD_METHOD, cold_tutorial, run_langchain_baseline
from evals.bench.baseline import METHOD as BASELINE_METHOD
from evals.bench.large import large_txt
from evals.bench.load import load_figures
from evals.bench.plan import DENSE_ASK, EXPECT, HTTP_QUESTIONS, MODES, QUESTION, WARMUP, Run
from evals.bench.proc import api_rss, ask_over_http, cold_ask, cold_stages, process_cpu, serve_run
from evals.bench.report import latency_stats, stats
from evals.bench.synth import NOISE_SIGMA, Pool, RecordingEmbedder, build_tier, write_synthetic_corpus
from evals.metrics import score_item, summarize
from ingest.chunk import chunk_clauses
from ingest.clean import clean_pages
from ingest.loaders import read_pages
from ingest.parse import doc_id_for
from ingest.structure import extract_meta, parse_clauses

log = logging.getLogger(__name__)


def forget_chroma_clients() -> None:
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
    embedder = run.embedder = make_embedder(s)
    embedder.embed(["中试"])
    tokenizer = run.tokenizer = ChineseTokenizer()
    log.info("model and tokenizer loaded in %.1f s", time.perf_counter() - t0)
    report = ingest(run.dir("shipped"), embedder, tokenizer, rebuild=True)
    if report.failed:
        raise RuntimeError(f"shipped corpus failed to ingest: {[d.path for d in report.failed]}")
    run.results.setdefault("ingest", {})["shipped"] = _ingest_figures(
        report, _chunk_seconds(corpus_files(s.corpus_dir), s)
    )
    forget_chroma_clients()
    shutil.copytree(run.work / "shipped", run.work / "cold")  # the subprocesses get their own copy


def large_txt_ingest(run: Run) -> None:
    run.results["large_txt"] = large_txt(run.settings, run.work / "large", run.plan.large_txt_mb)


# ------------------------------------------------------------------------------ cold start, memory


def cold_start(run: Run) -> None:
    s = run.dir("cold")
    runs = range(run.plan.cold_runs)
    asks = [cold_ask(s, QUESTION, EXPECT) for _ in tqdm(runs, desc="cold ask", leave=False)]
    probes = [cold_stages(s, QUESTION) for _ in tqdm(runs, desc="cold stages", leave=False)]
    dense = [cold_ask(s, QUESTION, EXPECT, *DENSE_ASK) for _ in tqdm(runs, desc="cold ask (model)", leave=False)]

    def probe(url: str, pid: int) -> dict:  # on the last server: single answers, concurrent users; its peak RSS
        answers = ask_over_http(url, HTTP_QUESTIONS)
        loads = {}
        for channel in ("app", "api"):
            cpu = process_cpu(pid)
            loads[channel] = load_figures(url, run.plan.load_sessions, run.plan.load_turns, channel)
            after = process_cpu(pid)
            loads[channel]["server_cpu_s"] = after - cpu if after is not None and cpu is not None else None
        return {
            "answers": answers,
            "load": loads["app"],
            "load_api": loads["api"],
            "rss_method": f"VmHWM of the `serve` process after answering over HTTP (gradio_client), "
            f"{run.plan.load_sessions} concurrent users in the app and as many through the HTTP API included",
        }

    serves = []
    for i in tqdm(range(run.plan.cold_runs), desc="cold serve", leave=False):
        last = i == run.plan.cold_runs - 1
        serves.append(serve_run(s, run.work / "serve.log", probe if last else None))
    stage_names = ("interpreter", "imports", "assistant", "index", "answer")
    run.results["cold_start"] = {
        "question": QUESTION,
        "cli_ask_s": [a["seconds"] for a in asks],
        "cli_exit_s": [a["exit_seconds"] for a in asks],
        "cli_cpu_s": [a["cpu_s"] for a in asks],
        "cli_ask_median_s": statistics.median(a["seconds"] for a in asks),
        "cli_answered": [a["answered"] for a in asks],
        "stages_s": {name: statistics.median(p[name] for p in probes) for name in stage_names},
        "heavy_modules": sorted({m for p in probes for m in p["heavy_modules"]}),
        "model_options": list(DENSE_ASK),
        "model_ask_s": [a["seconds"] for a in dense],
        "model_cpu_s": [a["cpu_s"] for a in dense],
        "model_ask_median_s": statistics.median(a["seconds"] for a in dense),
        "model_answered": [a["answered"] for a in dense],
        "serve_ready_s": [x["seconds"] for x in serves],
        "serve_cpu_s": [x.get("cpu_s") for x in serves],
        "serve_ready_median_s": statistics.median(x["seconds"] for x in serves),
    }
    probed = serves[-1]
    run.results["load"] = probed.get("load")
    run.results["load_api"] = probed.get("load_api")
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
    colds = [
        cold_tutorial(run.settings, run.work / "langchain", QUESTION)
        for _ in tqdm(range(run.plan.cold_runs), desc="cold tutorial", leave=False)
    ]
    ours["cold_s"] = (run.results.get("cold_start") or {}).get("cli_ask_median_s")
    theirs["cold_s"] = statistics.median(c["seconds"] for c in colds)
    ratios = {k: (ours[k] / theirs[k] if ours[k] is not None and theirs[k] else None) for k in ours}
    run.results["baseline"] = {
        "ours": ours,
        "langchain": theirs,
        "ratios": ratios,
        "chunks": lc["chunks"],
        "method": BASELINE_METHOD,
        "cold_runs_s": [c["seconds"] for c in colds],
        "cold_cpu_s": [c["cpu_s"] for c in colds],
        "cold_method": COLD_METHOD,
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
    forget_chroma_clients()
    shutil.rmtree(run.work / "synthetic", ignore_errors=True)


def scale_tiers(run: Run) -> None:
    pool = run.pool
    if pool is None:
        raise RuntimeError("no synthetic pool (the synthetic ingest stage failed)")
    embedder, tokenizer = run.loaded()
    places = PlaceIndex(pool.documents.values(), pool.chunks, gazetteer()).patterns
    filtered = [
        resolve(
            item["question"],
            [Turn(t["role"], t["content"]) for t in item.get("history") or []],
            tokenizer,
            places,
            run.settings.answer,
        ).jurisdiction
        is not None
        for item in run.items
    ]
    tiers = {str(size): _tier(run, pool, size, filtered, embedder, tokenizer) for size in run.plan.tiers}
    run.results["scale"] = {
        "modes": MODES,
        "tiers": tiers,
        "filtered_questions": sum(filtered),
        "method": SCALE_METHOD.format(pool=len(pool.chunks), sigma=NOISE_SIGMA, warmup=WARMUP),
    }


SCALE_METHOD = (
    "Tiers are index generations written directly (`Layout.write_generation` + `ChromaStore.add`, "
    "embedded Chroma). Up to {pool:,} chunks come from the synthetic corpus as the real "
    "pipeline ingested it (real vectors, real jieba tokens). Larger tiers add variants of those chunks: "
    "sentences after the first shuffled, every digit run remapped (the same mapping applied to the "
    "chunk's tokens, so jieba is not re-run), vector = base vector + N(0, {sigma}²) per dimension, "
    "renormalised (cosine ≈ 0.86 to the base), in documents of 1,000 chunks that copy a base document's "
    "jurisdiction. Every eval question (with history) is asked once per mode through `Assistant.ask` "
    "(which runs `assistant.retrieval.retriever.Retriever`), after {warmup} warm-up questions; query vectors "
    "come from the real model. Load = `Assistant.warm()` (chunks, BM25 build, Chroma open, one embed)."
)


def _tier(
    run: Run, pool: Pool, size: int, filtered: list[bool], embedder: Embedder, tokenizer: ChineseTokenizer
) -> dict:
    """Build a tier of `size` chunks, load it, ask every question in every mode, then delete it."""
    s = run.dir(f"tier-{size}")
    with tqdm(total=size, desc=f"build {size:,}", unit="chunk", leave=False) as bar:
        tier = build_tier(s, pool, size, embedder.name, tokenizer, progress=bar.update)
    forget_chroma_clients()
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
    log.info(
        "tier %s: hybrid p50 %.1f ms, p95 %.1f ms",
        size,
        modes["hybrid"]["total_ms"]["p50"],
        modes["hybrid"]["total_ms"]["p95"],
    )
    assistant.close()
    del assistant
    forget_chroma_clients()
    shutil.rmtree(s.data_dir, ignore_errors=True)
    return {
        "real": tier.real,
        "derived": tier.derived,
        "build_s": tier.build_s,
        "load_s": load_s,
        "modes": modes,
        "by_filter": by_filter,
        "store_count_ms": stats(count_ms),
    }
