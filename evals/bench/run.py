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
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tqdm import tqdm

from assistant.core.settings import Settings
from evals.bench.plan import Plan, Run
from evals.bench.proc import environment, vm_hwm_mb
from evals.bench.report import render, targets
from evals.bench.stages import (
    baseline,
    cold_start,
    forget_chroma_clients,
    large_txt_ingest,
    scale_tiers,
    shipped_ingest,
    synthetic_ingest,
    warm_ask,
)
from evals.runner import load_dataset

log = logging.getLogger(__name__)
DATASET = Path(__file__).resolve().parents[1] / "sets" / "dataset.jsonl"
STAGES: list[tuple[str, Callable[[Run], None]]] = [
    ("shipped ingest", shipped_ingest),
    ("cold start", cold_start),
    ("warm ask", warm_ask),
    ("langchain baseline", baseline),
    ("synthetic ingest", synthetic_ingest),
    ("scale tiers", scale_tiers),
    ("large TXT ingest", large_txt_ingest),
]
# what a stage reads from the stages before it; the shipped ingest (index, model, tokenizer) always runs
NEEDS = {"langchain baseline": ("warm ask",), "scale tiers": ("synthetic ingest",)}


def chosen_stages(names: tuple[str, ...] | None) -> list[tuple[str, Callable[[Run], None]]]:
    """The stages to run, in bench order: all of them, or `names` and what they need."""
    if not names:
        return STAGES
    unknown = set(names) - {name for name, _ in STAGES}
    if unknown:
        raise ValueError(f"unknown bench stage(s): {', '.join(sorted(unknown))}")
    wanted = {STAGES[0][0], *names, *(need for name in names for need in NEEDS.get(name, ()))}
    return [(name, stage) for name, stage in STAGES if name in wanted]


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
    stages: tuple[str, ...] | None = None,
) -> str:
    """Run every measurement once (or only `stages`, see chosen_stages); return the Markdown report (also
    written to out/report.md)."""
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
    # api_rate=0: every load client comes from loopback, one address, and must not be rate-limited
    settings = settings.replace(
        chroma_url=None, llm_base_url=None, llm_model=None, llm_api_key=None, dense_min_coverage=0.0, api_rate=0
    )
    items = load_dataset(DATASET)[: plan.max_questions]
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="pa-bench-") as tmp:
        run = Run(settings, plan, Path(tmp), items)
        errors, stage_times = _run_stages(run, chosen_stages(stages))
        results = run.results
    results["memory"] = {**results.get("memory", {}), "bench_peak_rss_mb": vm_hwm_mb()}
    results["meta"] = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "duration_s": time.perf_counter() - started,
        "quick": quick,
        "plan": dataclasses.asdict(plan),
        "model": settings.embedding_model,
        "retriever": settings.retriever.value,
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


def _run_stages(run: Run, stages: list[tuple[str, Callable[[Run], None]]]) -> tuple[dict[str, str], dict[str, dict]]:
    """Every stage in turn, each timed; a failed stage is recorded and the next one runs.
    Returns (errors by stage, times by stage)."""
    errors: dict[str, str] = {}
    stage_times: dict[str, dict] = {}
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
            forget_chroma_clients()
    return errors, stage_times


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
