"""Smoke test of `run_bench`: every stage runs and the report is complete. Figures are not checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow  # starts the CLI and the web app as subprocesses


def test_quick_bench_writes_a_complete_report(tmp_path: Path):
    from assistant.core.settings import Settings
    from evals.bench.run import run_bench

    settings = Settings.from_env(
        environ={}, data_dir=tmp_path / "data", corpus_dir=ROOT / "corpus", embedding_model="hash-64"
    )
    out = tmp_path / "bench"
    report = run_bench(
        settings, out, quick=True, tiers=(300, 1500), synthetic_chunks=300, raw_sample=50, max_questions=12
    )

    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["errors"] == {}
    assert (out / "report.md").read_text(encoding="utf-8") == report
    for heading in (
        "## Targets",
        "## Cold start",
        "## Concurrent sessions",
        "## Warm ask latency",
        "## Ingest throughput",
        "## Query latency by corpus size",
        "## Memory",
        "## Side by side",
        "## Large TXT ingest",
    ):
        assert heading in report
    load = data["load"]
    assert (load["sessions"], load["turns"], load["questions"], load["errors"], load["mismatches"]) == (4, 2, 8, 0, 0)
    api = data["load_api"]
    assert (api["sessions"], api["turns"], api["questions"], api["errors"], api["mismatches"]) == (4, 2, 8, 0, 0)
    assert load["server_cpu_s"] > 0 and api["client_cpu_s"] > 0

    assert len(data["cold_start"]["cli_ask_s"]) == 1 and len(data["cold_start"]["serve_ready_s"]) == 1
    cold = data["cold_start"]
    assert set(cold["stages_s"]) == {"interpreter", "imports", "assistant", "index", "answer"}
    assert len(cold["model_ask_s"]) == 1 and all(cold["cli_answered"])
    # the hash test embedder reads every question, so its dense side (chromadb) is used; never the web app's
    assert not {"torch", "gradio", "langchain", "langchain_core"} & set(cold["heavy_modules"])
    assert all(x is not None and x > 0 for x in cold["cli_cpu_s"] + cold["serve_cpu_s"])
    assert len(data["baseline"]["cold_runs_s"]) == 1 and data["baseline"]["ratios"]["cold_s"] is not None
    assert "Cold start, new process" in report and "Stages of a cold answer" in report
    assert data["memory"]["app_peak_rss_mb"] > 0 and data["memory"]["bench_peak_rss_mb"] > 0
    assert data["warm_ask"]["items"] == 12
    assert set(data["warm_ask"]["latency"]) >= {"total_ms", "lexical_ms", "embed_ms", "dense_ms", "compose_ms"}
    assert data["ingest"]["synthetic"]["chunks"] >= 300
    assert data["ingest"]["raw_embed"]["texts"] == 50
    assert sorted(data["scale"]["tiers"], key=int) == ["300", "1500"]
    tier = data["scale"]["tiers"]["1500"]
    assert tier["real"] + tier["derived"] == 1500 and tier["derived"] > 0
    assert set(tier["modes"]) == {"lexical", "dense", "hybrid"}
    assert data["baseline"]["langchain"]["hit@5"] is not None

    large = data["large_txt"]
    assert large["chunks"] >= large["clauses"] > 0 and large["ingest_rss_mb"] > 0 and large["parser_rss_mb"] > 0

    verdicts = {row["target"]: row["pass"] for row in data["targets"]}
    assert len(verdicts) == 9
    assert verdicts["warm ask p95 at 100k chunks (hybrid)"] is None  # no 100k tier in a quick run
    assert all(isinstance(v, bool) for k, v in verdicts.items() if "100k" not in k)
    env = data["meta"]["environment"]
    assert env["cores"] and env["python"] and env["packages"]["chromadb"]


def test_chosen_stages_bring_what_they_need_in_bench_order():
    from evals.bench.run import STAGES, chosen_stages

    names = [name for name, _ in chosen_stages(("scale tiers", "cold start"))]
    assert names == ["shipped ingest", "cold start", "synthetic ingest", "scale tiers"]
    assert [name for name, _ in chosen_stages(("langchain baseline",))] == [
        "shipped ingest",
        "warm ask",
        "langchain baseline",
    ]
    assert chosen_stages(()) == STAGES
    with pytest.raises(ValueError, match="cold-start"):
        chosen_stages(("cold-start",))
