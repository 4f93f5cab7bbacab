"""summary.json, summary.md (tables by mode and type, every failure) and a PNG chart."""

from __future__ import annotations

import json
from pathlib import Path

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
    "citation_hit",
    "false_refusal",
    "unanswerable_refusal",
]
CHART = ["hit@1", "hit@5", "mrr@10", "citation_hit", "answer_correct", "unanswerable_refusal"]


def _fmt(value) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def table(rows: dict[str, dict], columns: list[str], first: str) -> str:
    lines = [f"| {first} | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for name, summary in rows.items():
        lines.append(f"| {name} | " + " | ".join(_fmt(summary.get(c)) for c in columns) + " |")
    return "\n".join(lines)


def failures(items: list[dict], result: dict) -> list[str]:
    by_id = {i["id"]: i for i in items}
    preds = {p["id"]: p for p in result["preds"]}
    out = []
    for s in result["scores"]:
        item, pred = by_id[s["id"]], preds[s["id"]]
        wrong = not s["right"] or s["unsupported"]
        if not wrong:
            continue
        expected = (
            "refusal"
            if not item["answerable"]
            else (f"verdict {item['verdict']}: " if item.get("verdict") else "")
            + " + ".join("/".join(g) for g in item["key_facts"])
            + f" (evidence: {item['gold_evidence'][:1]})"
        )
        answer = pred["answer"].replace("\n", " ")
        out.append(
            f"- **{s['id']}** ({s['type']}) {item['question']}\n  - expected: {expected}\n"
            f"  - got{' (refused)' if s['refused'] else ''}: {answer[:300]}\n"
            f"  - evidence rank: {s['rank']}; unsupported numbers: {s['unsupported'] or 'none'}"
        )
    return out


def chart(path: Path, results: dict[str, dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 4))
    width = 0.8 / max(1, len(results))
    for i, (mode, result) in enumerate(results.items()):
        values = [result["summary"].get(m) or 0 for m in CHART]
        ax.bar([x + i * width for x in range(len(CHART))], values, width, label=mode)
    ax.set_xticks([x + width * (len(results) - 1) / 2 for x in range(len(CHART))], CHART, rotation=15)
    ax.set_ylim(0, 1.05)
    ax.set_title("Answer quality by mode")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_reports(out: Path, items: list[dict], results: dict[str, dict], modes: list[str]) -> dict:
    headline = table({m: results[m]["summary"] for m in modes}, HEADLINE, "mode")
    summary = {
        "dataset_items": len(items),
        "retrievers": {m: results[m]["summary"] for m in modes},
        "by_type": {m: results[m]["by_type"] for m in modes},
        "table_md": headline,
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
    chart(out / "metrics.png", results)
    return summary
