"""Benchmark figures → targets with pass/fail and the Markdown report."""

from __future__ import annotations

from evals.bench.large import RSS_LIMIT_MB as LARGE_TXT_RSS_LIMIT_MB
from evals.bench.large import render_large_txt
from evals.bench.report_format import STAGES, _f, _target, _verdict
from evals.bench.report_scale import _scale
from evals.metrics import percentile

RETRIEVAL = ["lexical_ms", "embed_ms", "dense_ms", "fuse_ms"]
RSS_LIMIT_MB = 600.0  # `serve` while the dense side is unused (issue 17)


def stats(values) -> dict:
    values = [float(v) for v in values if v is not None]
    if not values:
        return {"n": 0, "p50": None, "p95": None, "max": None}
    return {
        "n": len(values),
        "p50": percentile(values, 0.5),
        "p95": percentile(values, 0.95),
        "max": round(max(values), 2),
    }


def latency_stats(records: list[dict]) -> dict:
    """records: {"total_ms": float, "timings": {stage: ms}} per question → stats overall and per stage."""
    out = {
        "total_ms": stats(r["total_ms"] for r in records),
        "retrieval_ms": stats(sum(r["timings"].get(s, 0.0) for s in RETRIEVAL) for r in records),
    }
    for stage in STAGES:
        if stage == "other_ms":
            values = [r["total_ms"] - sum(v for k, v in r["timings"].items() if k.endswith("_ms")) for r in records]
        else:
            values = [r["timings"].get(stage) for r in records]
        out[stage] = stats(values)
    return out


def targets(results: dict) -> list[dict]:
    def get(*path):
        node = results
        for key in path:
            if not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
        return node

    mode = get("meta", "retriever") or "hybrid"
    big = get("scale", "tiers", "100000", "modes", mode, "total_ms", "p95")
    ratio = get("ingest", "raw_over_ingest")
    load = get("load") or {}
    users = f"{load.get('sessions', '?')} users × {load.get('turns', '?')} turns"
    rows = [
        ("warm ask p95, shipped corpus", get("warm_ask", "latency", "total_ms", "p95"), 50.0, "ms"),
        (f"warm ask p95 at 100k chunks ({mode})", big, 50.0, "ms"),
        ("cold start → first CLI answer (median)", get("cold_start", "cli_ask_median_s"), 1.5, "s"),
        ("embedder raw throughput ÷ ingest throughput", ratio, 1.2, "×"),
        ("peak RSS of `serve` (dense side unused)", get("memory", "app_peak_rss_mb"), RSS_LIMIT_MB, "MB"),
        ("`serve` ready (median)", get("cold_start", "serve_ready_median_s"), 3.0, "s"),
        (
            f"concurrent chat p95 ({users}, 0 errors, every chat as single-user)",
            get("load", "latency_ms", "p95"),
            300.0,
            "ms",
        ),
        (
            f"concurrent HTTP API p95 ({users}, 0 errors, every chat as single-user)",
            get("load_api", "latency_ms", "p95"),
            300.0,
            "ms",
        ),
        (
            f"peak RSS ingesting a {get('large_txt', 'megabytes') or '–'} MB TXT",
            get("large_txt", "peak_rss_mb"),
            LARGE_TXT_RSS_LIMIT_MB,
            "MB",
        ),
    ]
    verdicts = [
        {
            "target": name,
            "value": value,
            "limit": limit,
            "unit": unit,
            "pass": None if value is None else bool(value <= limit),
        }
        for name, value, limit, unit in rows
    ]
    for row, figures in zip(verdicts[6:8], (load, get("load_api") or {})):  # the two load rows
        if row["pass"] and (figures.get("errors") or figures.get("mismatches")):
            row["pass"] = False
    return verdicts


def _title(r: dict) -> list[str]:
    meta = r.get("meta", {})
    plan = meta.get("plan", {})
    return [
        f"# Benchmark report\n\n{meta.get('date', '')} · {meta.get('duration_s', 0):.0f} s"
        f"{' · **quick run**' if meta.get('quick') else ''} · model `{meta.get('model')}` · retriever "
        f"`{meta.get('retriever')}` · embedded Chroma · extractive answers · {meta.get('questions')} eval "
        f"questions · tiers {', '.join(f'{t:,}' for t in plan.get('tiers', []))} · cold-start runs "
        f"{plan.get('cold_runs')} · synthetic corpus ≥ {plan.get('synthetic_chunks', 0):,} chunks\n"
    ]


def _targets_table(r: dict) -> list[str]:
    md = ["\n## Targets\n\n| target | measured | limit | result |\n|---|---|---|---|"]
    for row in r.get("targets", []):
        md.append(
            f"| {row['target']} | {_f(row['value'], 2)} {row['unit'] if row['value'] is not None else ''} "
            f"| ≤ {_f(row['limit'], 1)} {row['unit']} | {_verdict(row)} |"
        )
    return md


def _machine(r: dict) -> list[str]:
    meta = r.get("meta", {})
    env = meta.get("environment", {})
    md = [
        f"\n\n## Machine\n\n- CPU: {env.get('cpu')} — {env.get('cores')} cores "
        f"({env.get('cores_available')} available, torch threads {env.get('torch_threads')}), "
        f"{env.get('memory_gb')} GB RAM\n- Python {env.get('python')} on {env.get('platform')}\n- "
        + ", ".join(f"{k} {v}" for k, v in env.get("packages", {}).items() if v)
    ]
    if meta.get("stages"):
        md.append(
            f"\n\nStage times (load average before the run: {_f(meta.get('load1_before'), 2)}; CPU = bench + "
            "its subprocesses; with 2 cores a CPU ÷ wall well under the work's parallelism, or steal > 0, "
            "means something else was competing for the CPU):\n\n| stage | wall s | CPU s | CPU ÷ wall | "
            "steal s | load avg after |\n|---|---|---|---|---|---|"
        )
        for name, t in meta["stages"].items():
            md.append(
                f"| {name} | {_f(t['wall_s'], 1)} | {_f(t['cpu_s'], 1)} | "
                f"{_f(t['cpu_s'] / t['wall_s'] if t['wall_s'] else None, 2)} | {_f(t['steal_s'], 1)} | "
                f"{_f(t['load1'], 2)} |"
            )
    return md


def _cold_start(r: dict) -> list[str]:
    cold = r.get("cold_start")
    if not cold:
        return []
    md = ["\n\n## Cold start (new process, OS file cache warm)\n\n| path | runs (s) | median (s) |\n|---|---|---|"]
    md.append(
        f"| `policy-assistant ask` → answer printed | {', '.join(_f(x, 2) for x in cold['cli_ask_s'])} "
        f"| {_f(cold['cli_ask_median_s'], 2)} |"
    )
    exits = cold.get("cli_exit_s") or []
    if exits:
        md.append(
            f"| `policy-assistant ask` → process exited | {', '.join(_f(x, 2) for x in exits)} "
            f"| {_f(sorted(exits)[len(exits) // 2], 2)} |"
        )
    if cold.get("model_ask_s"):
        md.append(
            f"| `policy-assistant ask {' '.join(cold.get('model_options', []))}` (the model and Chroma are used) → "
            "answer printed "
            f"| {', '.join(_f(x, 2) for x in cold['model_ask_s'])} | {_f(cold['model_ask_median_s'], 2)} |"
        )
    md.append(
        f"| `policy-assistant serve --no-ingest` → `/` answers 200 | "
        f"{', '.join(_f(x, 2) for x in cold['serve_ready_s'])} | {_f(cold['serve_ready_median_s'], 2)} |"
    )
    md.append(
        f"\nQuestion: {cold['question']} — expected figure in the CLI answer: "
        f'{"yes" if all(cold["cli_answered"]) else "no"}. "Answer printed" is the first byte on the '
        "child's stdout (PYTHONUNBUFFERED=1); interpreter teardown follows." + _target(r, 2) + _target(r, 5)
    )
    md.extend(_cold_cpu(cold))
    return md


def _cold_cpu(cold: dict) -> list[str]:
    """CPU ÷ wall of each cold run (well under 1 on this single-threaded path: the CPU was shared), then the
    stages of a cold answer."""
    md = ["\n| run | wall s | CPU s | CPU ÷ wall |\n|---|---|---|---|"]
    for label, walls, cpus in (
        ("ask", cold.get("cli_ask_s", []), cold.get("cli_cpu_s", [])),
        ("ask, dense", cold.get("model_ask_s", []), cold.get("model_cpu_s", [])),
        ("serve ready", cold.get("serve_ready_s", []), cold.get("serve_cpu_s", [])),
    ):
        for i, (wall, cpu) in enumerate(zip(walls, cpus), 1):
            share = cpu / wall if cpu is not None and wall else None
            md.append(f"| {label} {i} | {_f(wall, 2)} | {_f(cpu, 2)} | {_f(share, 2)} |")
    stages = cold.get("stages_s")
    if stages:
        md.append(
            "\nStages of a cold answer (median; a new process doing what `ask` does, timed inside it): "
            + " · ".join(f"{name} {_f(v, 3)} s" for name, v in stages.items())
            + f" = {_f(sum(stages.values()), 2)} s. Heavy libraries imported: "
            + (", ".join(cold.get("heavy_modules", [])) or "none (no torch, gradio, langchain, chromadb)")
            + "."
        )
    return md


def _warm_ask(r: dict) -> list[str]:
    warm = r.get("warm_ask")
    if not warm:
        return []
    lat = warm["latency"]
    md = [
        f"\n\n## Warm ask latency, shipped corpus ({warm['items']} eval questions with history, "
        f"{warm['chunks']} chunks)\n\n| stage | p50 ms | p95 ms | max ms |\n|---|---|---|---|"
    ]
    for key in ["total_ms", "retrieval_ms", *STAGES]:
        s = lat[key]
        md.append(f"| {key[:-3]} | {_f(s['p50'], 2)} | {_f(s['p95'], 2)} | {_f(s['max'], 2)} |")
    md.append(
        "\n`other` = total − stages: question cleaning, follow-up resolution (jieba on the question), "
        "snapshot check, answer assembly." + _target(r, 0)
    )
    return md


def _load(r: dict) -> list[str]:
    channels = (("web app", "load", 6), ("HTTP API", "load_api", 7))
    loads: list[tuple[str, dict, int]] = [(name, r[key], i) for name, key, i in channels if r.get(key)]
    if not loads:
        return []
    first = next((load for _, load, _ in loads if "error" not in load), {})
    md = [
        f"\n\n## Concurrent sessions ({first.get('sessions', '?')} users × {first.get('turns', '?')} turns against "
        "the last cold-started `serve` process, clients in the bench process)\n\n| channel | answers | errors | "
        "differ from single user | wall s | answers/s | p50 ms | p95 ms | max ms | single user p50 / p95 ms | "
        "server CPU ms / answer | client CPU ms / answer |\n|---|---|---|---|---|---|---|---|---|---|---|---|"
    ]
    notes = []
    for name, load, i in loads:
        if "error" in load:
            md.append(f"| {name} | the load run failed: {load['error']} |||||||||||")
            continue
        lat, one, n = load["latency_ms"], load["single_user_latency_ms"], load["questions"] or 1
        server, client = load.get("server_cpu_s"), load.get("client_cpu_s")
        md.append(
            f"| {name} | {load['questions']} | {load['errors']} | {load['mismatches']} | {_f(load['wall_s'], 1)} | "
            f"{_f(load['answers_per_s'], 1)} | {_f(lat['p50'], 0)} | {_f(lat['p95'], 0)} | {_f(lat['max'], 0)} | "
            f"{_f(one['p50'], 0)} / {_f(one['p95'], 0)} | {_f(server * 1000 / n if server else None, 1)} | "
            f"{_f(client * 1000 / n if client else None, 1)} |"
        )
        notes.append(f"\n{name}: {load['method']}" + _target(r, i))
        notes.extend(f"- {line}" for line in load.get("error_list", []) + load.get("mismatch_list", []))
    md.append(
        "\nServer CPU counts everything the `serve` process did during the run (the single-user reference chats "
        "included), client CPU the bench process's; both share the machine's cores, so with 2 cores the "
        "answers/s cannot exceed 2 ÷ (server + client CPU per answer)."
    )
    return md + notes


def _ingest(r: dict) -> list[str]:
    ing = r.get("ingest")
    if not ing:
        return []
    md = [
        "\n\n## Ingest throughput (model loaded beforehand)\n\n| corpus | docs | chunks | seconds | "
        "chunks/s | parse+chunk s | of which chunk s | tokenize s | embed s | store s | other s |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|"
    ]
    for name in ("shipped", "synthetic"):
        x = ing.get(name)
        if x:
            st = x["stages_s"]
            md.append(
                f"| {name} | {x['docs']} | {x['chunks']} | {_f(x['seconds'], 2)} | "
                f"{_f(x['chunks_per_s'], 1)} | {_f(st['parse'], 2)} | {_f(st['chunk'], 3)} | "
                f"{_f(st['tokenize'], 2)} | {_f(st['embed'], 2)} | {_f(st['store'], 2)} | "
                f"{_f(st['other'], 2)} |"
            )
    raw = ing.get("raw_embed")
    if raw:
        md.append(
            f"\nEmbedder alone (`embedder.embed` on {raw['texts']} of the same synthetic index texts, "
            f"one call): **{_f(raw['chunks_per_s'], 1)} chunks/s**; ingest reaches "
            f"{_f(ing.get('ingest_over_raw'), 2)} of it (raw ÷ ingest = "
            f"{_f(ing.get('raw_over_ingest'), 2)}×). Embedding is "
            f"{_f(ing.get('embed_share'), 0)} % of synthetic ingest time."
        )
    md.append(
        "\nThe pipeline times parse and chunk together; the chunk column re-runs "
        "`ingest.chunk.chunk_clauses` on the same parsed clauses to split it out." + _target(r, 3)
    )
    return md


def _memory(r: dict) -> list[str]:
    mem = r.get("memory")
    if not mem:
        return []
    return [
        f"\n\n## Memory\n\n- App process peak RSS: **{_f(mem.get('app_peak_rss_mb'), 0)} MB** "
        f"({mem.get('method')}; {mem.get('answers', '–')} answers)\n"
        f"- Bench process peak RSS: {_f(mem.get('bench_peak_rss_mb'), 0)} MB (holds every tier up to "
        f"the largest, the synthetic corpus and the model)" + _target(r, 4)
    ]


def _baseline(r: dict) -> list[str]:
    base = r.get("baseline")
    if not base:
        return []
    ours, lc, ratios = base["ours"], base["langchain"], base["ratios"]
    return [
        "\n\n## Side by side: LangChain tutorial pipeline\n\n"
        "| | answer correct | hit@5 | hit@1 | latency p50 ms | latency p95 ms |\n|---|---|---|---|---|---|",
        f"| this assistant ({r.get('meta', {}).get('retriever')}, extractive) | {_f(ours['answer_correct'], 3)} | "
        f"{_f(ours['hit@5'], 3)} | {_f(ours['hit@1'], 3)} | {_f(ours['p50_ms'], 2)} | {_f(ours['p95_ms'], 2)} |",
        f"| tutorial: RecursiveCharacterTextSplitter(500, 50) + Chroma dense, top-1 chunk | "
        f"{_f(lc['answer_correct'], 3)} | {_f(lc['hit@5'], 3)} | {_f(lc['hit@1'], 3)} | "
        f"{_f(lc['p50_ms'], 2)} | {_f(lc['p95_ms'], 2)} |",
        f"| ratio (ours ÷ tutorial) | {_f(ratios['answer_correct'], 2)}× | "
        f"{_f(ratios['hit@5'], 2)}× | {_f(ratios['hit@1'], 2)}× | "
        f"{_f(ratios['p50_ms'], 2)}× | {_f(ratios['p95_ms'], 2)}× |",
        f"\n{base['method']}",
        *_baseline_cold(base),
    ]


def _baseline_cold(base: dict) -> list[str]:
    ours, lc, ratios = base["ours"], base["langchain"], base["ratios"]
    if "cold_s" not in lc:
        return []
    runs = ", ".join(
        f"{_f(w, 2)} s (CPU ÷ wall {_f(c / w if c is not None and w else None, 2)})"
        for w, c in zip(base.get("cold_runs_s", []), base.get("cold_cpu_s", []))
    )
    return [
        "\nCold start, new process → answer printed (median):\n\n| | this assistant (`policy-assistant ask`) "
        "| tutorial pipeline | ratio (ours ÷ tutorial) |\n|---|---|---|---|",
        f"| cold answer, s | {_f(ours.get('cold_s'), 2)} | {_f(lc['cold_s'], 2)} | {_f(ratios.get('cold_s'), 2)}× |",
        f"| warm latency p50 / p95, ms | {_f(ours['p50_ms'], 1)} / {_f(ours['p95_ms'], 1)} | "
        f"{_f(lc['p50_ms'], 1)} / {_f(lc['p95_ms'], 1)} | {_f(ratios['p50_ms'], 2)}× / {_f(ratios['p95_ms'], 2)}× |",
        f"\nTutorial cold runs: {runs}. {base.get('cold_method', '')}",
    ]


def _errors(r: dict) -> list[str]:
    if not r.get("errors"):
        return []
    return ["\n\n## Errors\n", *(f"- **{k}**: {v}" for k, v in r["errors"].items())]


SECTIONS = [
    _title,
    _targets_table,
    _machine,
    _cold_start,
    _warm_ask,
    _load,
    _ingest,
    _scale,
    _memory,
    render_large_txt,
    _baseline,
    _errors,
]


def render(r: dict) -> str:
    """The Markdown report of one bench run's figures (report.json)."""
    return "\n".join(line for section in SECTIONS for line in section(r)) + "\n"
