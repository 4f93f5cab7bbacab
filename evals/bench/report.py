"""Benchmark figures → targets with pass/fail and the Markdown report."""

from __future__ import annotations

import numpy as np

from evals.bench.large import RSS_LIMIT_MB as LARGE_MB
from evals.bench.large import render_large_txt

STAGES = ["lexical_ms", "embed_ms", "dense_ms", "fuse_ms", "compose_ms", "other_ms"]
RETRIEVAL = ["lexical_ms", "embed_ms", "dense_ms", "fuse_ms"]
RSS_LIMIT_MB = 1.5 * 1024


def stats(values) -> dict:
    values = [float(v) for v in values if v is not None]
    if not values:
        return {"n": 0, "p50": None, "p95": None, "max": None}
    arr = np.asarray(values)
    return {
        "n": len(values),
        "p50": round(float(np.percentile(arr, 50)), 2),
        "p95": round(float(np.percentile(arr, 95)), 2),
        "max": round(float(arr.max()), 2),
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
    rows = [
        ("warm ask p95, shipped corpus", get("warm_ask", "latency", "total_ms", "p95"), 50.0, "ms"),
        (f"warm ask p95 at 100k chunks ({mode})", big, 250.0, "ms"),
        ("cold start → first CLI answer (median)", get("cold_start", "cli_ask_median_s"), 8.0, "s"),
        ("embedder raw throughput ÷ ingest throughput", ratio, 1.2, "×"),
        ("peak RSS of the app process", get("memory", "app_peak_rss_mb"), RSS_LIMIT_MB, "MB"),
        (
            f"peak RSS ingesting a {get('large_txt', 'megabytes')} MB TXT",
            get("large_txt", "peak_rss_mb"),
            LARGE_MB,
            "MB",
        ),
    ]
    return [
        {
            "target": name,
            "value": value,
            "limit": limit,
            "unit": unit,
            "pass": None if value is None else bool(value <= limit),
        }
        for name, value, limit, unit in rows
    ]


def _f(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def _verdict(row: dict) -> str:
    return "not measured" if row["pass"] is None else ("PASS" if row["pass"] else "**FAIL**")


def _growth(tiers: dict, mode: str, key: str, field: str) -> list[str]:
    sizes = sorted(tiers, key=int)
    values = [tiers[s]["modes"].get(mode, {}).get(key, {}).get(field) for s in sizes]
    cells = [_f(v, 2) for v in values]
    first, last = values[0], values[-1]
    factor = f"{last / first:.1f}×" if first and last and len(values) > 1 else "–"
    return cells + [factor]


def _target(r: dict, i: int) -> str:
    """The sentence that closes a section: the i-th target and whether it was met."""
    verdicts = r.get("targets", [])
    if i >= len(verdicts):
        return ""
    row = verdicts[i]
    return f"\n\nTarget: {row['target']} ≤ {_f(row['limit'], 1)} {row['unit']} → {_verdict(row)}."


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
    md.append(
        f"| `policy-assistant serve --no-ingest` → `/` answers 200 | "
        f"{', '.join(_f(x, 2) for x in cold['serve_ready_s'])} | {_f(cold['serve_ready_median_s'], 2)} |"
    )
    md.append(
        f"\nQuestion: {cold['question']} — expected figure in the CLI answer: "
        f'{"yes" if all(cold["cli_answered"]) else "no"}. "Answer printed" is the first byte on the '
        "child's stdout (PYTHONUNBUFFERED=1); interpreter teardown follows." + _target(r, 2)
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
    load = r.get("load")
    if not load:
        return []
    if "error" in load:
        return [f"\n\n## Concurrent sessions\n\nThe load run failed: {load['error']}"]
    lat, one = load["latency_ms"], load["single_user_latency_ms"]
    md = [
        f"\n\n## Concurrent sessions ({load['sessions']} users × {load['turns']} turns against the last "
        "cold-started `serve` process)\n\n| answers | errors | differ from single user | wall s | answers/s "
        "| p50 ms | p95 ms | max ms | single user p50 / p95 ms |\n|---|---|---|---|---|---|---|---|---|",
        f"| {load['questions']} | {load['errors']} | {load['mismatches']} | {_f(load['wall_s'], 1)} | "
        f"{_f(load['answers_per_s'], 1)} | {_f(lat['p50'], 0)} | {_f(lat['p95'], 0)} | {_f(lat['max'], 0)} | "
        f"{_f(one['p50'], 0)} / {_f(one['p95'], 0)} |",
        f"\n{load['method']}",
    ]
    md.extend(f"- {line}" for line in load.get("error_list", []) + load.get("mismatch_list", []))
    return md


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


def _scale(r: dict) -> list[str]:
    scale = r.get("scale")
    if not scale or not scale.get("tiers"):
        return []
    main = r.get("meta", {}).get("retriever", "hybrid")
    return [
        *_scale_latency(scale),
        *_scale_growth(scale, main),
        *_scale_filters(scale, main),
        f"\n{scale['method']}" + _target(r, 1),
    ]


def _scale_latency(scale: dict) -> list[str]:
    tiers, modes = scale["tiers"], scale["modes"]
    sizes = sorted(tiers, key=int)
    md = ["\n\n## Query latency by corpus size (whole `Assistant.ask`, through the real Retriever)\n"]
    md.append(
        "| tier | real chunks | derived | build s | load s | "
        + " | ".join(f"{m} p50 / p95 ms" for m in modes)
        + " |\n|---|---|---|---|---|"
        + "---|" * len(modes)
    )
    for s in sizes:
        t = tiers[s]
        cells = [
            f"{_f(t['modes'][m]['total_ms']['p50'], 1)} / {_f(t['modes'][m]['total_ms']['p95'], 1)}" for m in modes
        ]
        md.append(
            f"| {int(s):,} | {t['real']:,} | {t['derived']:,} | {_f(t['build_s'], 1)} | "
            f"{_f(t['load_s'], 1)} | " + " | ".join(cells) + " |"
        )
    md.append(
        "\nRetrieval only (lexical + embed + dense + fuse), p50 / p95 ms:\n\n| tier | "
        + " | ".join(modes)
        + " |\n|---|"
        + "---|" * len(modes)
    )
    for s in sizes:
        t = tiers[s]
        md.append(
            f"| {int(s):,} | "
            + " | ".join(
                f"{_f(t['modes'][m]['retrieval_ms']['p50'], 1)} / {_f(t['modes'][m]['retrieval_ms']['p95'], 1)}"
                for m in modes
            )
            + " |"
        )
    return md


def _scale_growth(scale: dict, main: str) -> list[str]:
    tiers = scale["tiers"]
    sizes = sorted(tiers, key=int)
    md = [
        "\nGrowth with corpus size (p50 ms unless noted; factor = largest ÷ smallest tier):\n\n| figure | "
        + " | ".join(f"{int(s):,}" for s in sizes)
        + " | factor |\n|---|"
        + "---|" * (len(sizes) + 1)
    ]
    for m in scale["modes"]:
        md.append(f"| ask {m} | " + " | ".join(_growth(tiers, m, "total_ms", "p50")) + " |")
        md.append(f"| ask {m} p95 | " + " | ".join(_growth(tiers, m, "total_ms", "p95")) + " |")
    for stage in STAGES:
        md.append(f"| {main}: {stage[:-3]} | " + " | ".join(_growth(tiers, main, stage, "p50")) + " |")
        md.append(f"| {main}: {stage[:-3]} p95 | " + " | ".join(_growth(tiers, main, stage, "p95")) + " |")
    return md


def _p50_p95(by_filter: dict, kind: str, key: str) -> str:
    x = by_filter.get(kind, {}).get(key, {})
    return f"{_f(x.get('p50'), 1)} / {_f(x.get('p95'), 1)}"


def _scale_filters(scale: dict, main: str) -> list[str]:
    tiers = scale["tiers"]
    sizes = sorted(tiers, key=int)
    if not all("by_filter" in tiers[s] for s in sizes):
        return []
    md = [
        f"\nDense stage by question kind ({scale.get('filtered_questions')} of the questions name or "
        "imply a jurisdiction, so the Chroma query carries a `where` filter), and one "
        "`ChromaStore.count()` call (made inside every `ChromaStore.query`), ms p50 / p95:\n\n"
        "| tier | hybrid dense, filtered | hybrid dense, unfiltered | hybrid ask, filtered | "
        "hybrid ask, unfiltered | count() |\n|---|---|---|---|---|---|"
    ]
    for s in sizes:
        t, bf = tiers[s], tiers[s]["by_filter"].get(main, {})
        c = t.get("store_count_ms", {})
        md.append(
            f"| {int(s):,} | {_p50_p95(bf, 'filtered', 'dense_ms')} | {_p50_p95(bf, 'unfiltered', 'dense_ms')} | "
            f"{_p50_p95(bf, 'filtered', 'total_ms')} | {_p50_p95(bf, 'unfiltered', 'total_ms')} | "
            f"{_f(c.get('p50'), 1)} / {_f(c.get('p95'), 1)} |"
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
