"""summary.json, summary.md (tables by mode and type, every failure) and a PNG chart.

The chart speaks Chinese when a CJK font is installed (Noto/Source Han/WenQuanYi/Microsoft YaHei…);
without one it falls back to the English metric names, so it never shows empty boxes.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

log = logging.getLogger(__name__)

HEADLINE = [
    "hit@1",
    "hit@5",
    "mrr@10",
    "citation_hit",
    "citation_doc_precision",
    "key_fact_coverage",
    "answer_correct",
    "fully_right",
    "verdict_accuracy",
    "crag_score",
    "crag_abstention_right",
    "false_refusal",
    "unanswerable_refusal",
    "unsupported_numbers",
    "median_answer_chars",
    "latency_p50_ms",
    "latency_p95_ms",
    "llm_answered",
]
BY_TYPE = [
    "items",
    "hit@5",
    "mrr@10",
    "answer_correct",
    "fully_right",
    "verdict_accuracy",
    "crag_score",
    "crag_abstention_right",
    "citation_hit",
    "false_refusal",
    "unanswerable_refusal",
]
CHART = ["hit@1", "hit@5", "mrr@10", "citation_hit", "answer_correct", "unanswerable_refusal"]
# Chinese names of the metrics, for the web app's table and the chart
METRIC_LABELS = {
    "items": "题数",
    "hit@1": "首位命中率",
    "hit@5": "前5命中率",
    "mrr@10": "平均倒数排名",
    "citation_hit": "引用命中率",
    "citation_doc_precision": "引用文件准确率",
    "key_fact_coverage": "要点覆盖率",
    "answer_correct": "答案正确率",
    "fully_right": "完全正确率",
    "verdict_accuracy": "是非判断准确率",
    "crag_score": "CRAG 得分",
    "crag_abstention_right": "CRAG 得分（拒答不可答题计为正确）",
    "false_refusal": "误拒率",
    "unanswerable_refusal": "不可答题拒答率",
    "unsupported_numbers": "无依据数字",
    "median_answer_chars": "答案字数中位数",
    "latency_p50_ms": "延迟中位数（毫秒）",
    "latency_p95_ms": "延迟P95（毫秒）",
    "llm_answered": "大模型作答比例",
}
CJK_FONTS = [
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
    "Noto Serif CJK SC",
    "AR PL UMing CN",
    "Droid Sans Fallback",
]


def _fmt(value) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def table(rows: dict[str, dict], columns: list[str], first: str) -> str:
    lines = [f"| {first} | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for name, summary in rows.items():
        lines.append(f"| {name} | " + " | ".join(_fmt(summary.get(c)) for c in columns) + " |")
    return "\n".join(lines)


def failure_records(items: list[dict], result: dict) -> list[dict]:
    """Every item answered wrongly or with an unsupported number: what was expected and what came back."""
    by_id = {i["id"]: i for i in items}
    preds = {p["id"]: p for p in result["preds"]}
    out = []
    for s in result["scores"]:
        item, pred = by_id[s["id"]], preds[s["id"]]
        if s["right"] and not s["unsupported"]:
            continue
        expected = (
            "refusal"
            if not item["answerable"]
            else (f"verdict {item['verdict']}: " if item.get("verdict") else "")
            + " + ".join("/".join(g) for g in item["key_facts"])
        )
        out.append(
            {
                "id": s["id"],
                "type": s["type"],
                "question": item["question"],
                "expected": expected,
                "evidence": (item.get("gold_evidence") or [])[:1],
                "answer": pred["answer"].replace("\n", " ")[:300],
                "refused": bool(s["refused"]),
                "rank": s["rank"],
                "unsupported": list(s["unsupported"]),
            }
        )
    return out


def failures(items: list[dict], result: dict) -> list[str]:
    out = []
    for f in failure_records(items, result):
        evidence = f" (evidence: {f['evidence']})" if f["expected"] != "refusal" else ""
        out.append(
            f"- **{f['id']}** ({f['type']}) {f['question']}\n  - expected: {f['expected']}{evidence}\n"
            f"  - got{' (refused)' if f['refused'] else ''}: {f['answer']}\n"
            f"  - evidence rank: {f['rank']}; unsupported numbers: {f['unsupported'] or 'none'}"
        )
    return out


CJK_FILES = ("notosanscjk", "notoserifcjk", "sourcehan", "wqy", "msyh", "simhei", "pingfang", "droidsansfallback")


def _installed_cjk(names: set[str]) -> str | None:
    return next((n for n in CJK_FONTS if n in names), None) or next((n for n in sorted(names) if "CJK" in n), None)


def cjk_font() -> str | None:
    """An installed CJK font by name (CJK_FONTS first), or None.

    matplotlib's font list is cached; a font installed after the cache was built is looked for among the
    system's font files and added."""
    from matplotlib import font_manager

    found = _installed_cjk({f.name for f in font_manager.fontManager.ttflist})
    if found:
        return found
    for path in font_manager.findSystemFonts():
        if any(hint in Path(path).name.lower() for hint in CJK_FILES):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
    return _installed_cjk({f.name for f in font_manager.fontManager.ttflist})


def chart(path: Path, results: dict[str, dict], items: int | None = None) -> str | None:
    """Bars per metric and mode, the legend outside the bars; returns the CJK font used (None: English)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    font = cjk_font()
    if font is None:
        log.warning("no CJK font found (%s): the chart uses English labels", ", ".join(CJK_FONTS[:3]))
        labels, title = CHART, "Answer quality by mode" + (f" ({items} items)" if items else "")
    else:
        labels = [METRIC_LABELS.get(m, m) for m in CHART]
        title = "各检索方式的答案质量" + (f"（评测集 {items} 题）" if items else "")
    with plt.rc_context({"font.sans-serif": [font, "DejaVu Sans"] if font else ["DejaVu Sans"]}):
        fig, ax = plt.subplots(figsize=(10, 4.2))
        width = 0.8 / max(1, len(results))
        for i, (mode, result) in enumerate(results.items()):
            values = [result["summary"].get(m) or 0 for m in CHART]
            bars = ax.bar([x + i * width for x in range(len(CHART))], values, width, label=mode)
            ax.bar_label(bars, fmt="%.2f", fontsize=7, padding=1)
        ax.set_xticks([x + width * (len(results) - 1) / 2 for x in range(len(CHART))], labels)
        ax.set_ylim(0, 1.12)
        ax.set_title(title)
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(title="检索方式" if font else "mode", loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)
    return font


def write_reports(out: Path, items: list[dict], results: dict[str, dict], modes: list[str]) -> dict:
    headline = table({m: results[m]["summary"] for m in modes}, HEADLINE, "mode")
    summary = {
        "dataset_items": len(items),
        "retrievers": {m: results[m]["summary"] for m in modes},
        "by_type": {m: results[m]["by_type"] for m in modes},
        "table_md": headline,
        "failures": {m: failure_records(items, results[m]) for m in modes},
        "chart_font": chart(out / "metrics.png", results, len(items)),
    }
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    md = [f"# Evaluation summary\n\n{len(items)} items.\n\n## By mode (retriever, +llm: LLM answers)\n\n{headline}\n"]
    for mode in modes:
        md.append(f"\n## By type ({mode})\n\n" + table(results[mode]["by_type"], BY_TYPE, "type") + "\n")
    for mode in [modes[0]] + [m for m in modes[1:] if m.endswith("+llm")]:
        fails = failures(items, results[mode])
        md.append(f"\n## Failures ({mode}): {len(fails)}\n\n" + ("\n".join(fails) or "none") + "\n")
    md.append("\n![metrics by mode](metrics.png)\n")
    (out / "summary.md").write_text("".join(md), encoding="utf-8")
    return summary
