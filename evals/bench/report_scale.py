"""The bench report's section on query latency by corpus size (the scale tiers)."""

from __future__ import annotations

from evals.bench.report_format import STAGES, _f, _growth, _target


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
