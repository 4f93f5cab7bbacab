"""Formatting shared by the sections of the bench report (evals/bench/report.py, report_scale.py)."""

from __future__ import annotations

STAGES = ["lexical_ms", "embed_ms", "dense_ms", "fuse_ms", "compose_ms", "other_ms"]


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
