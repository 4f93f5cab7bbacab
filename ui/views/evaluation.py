"""Eval runs started from the review tab: one folder per run, the Chinese metric table, the failures
(no gradio import).

Each run is kept as `<data_dir>/eval-ui/runs/<YYYYMMDD-HHMMSS>/` (local time) with its summary.json,
summary.md, predictions and chart; the newest summary.md is also copied to `<data_dir>/eval-ui/`.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

RUN_FORMAT = "%Y%m%d-%H%M%S"
FAILURE_HEADERS = ["编号", "类型", "问题", "期望", "实际回答", "证据排名"]


@dataclass(frozen=True)
class Run:
    folder: Path
    started: datetime

    @property
    def name(self) -> str:
        return self.folder.name

    def label(self) -> str:
        summary = read_summary(self.folder)
        modes = "、".join(summary.get("retrievers", {})) or "—"
        return f"{self.started:%Y-%m-%d %H:%M:%S} · {modes} · {summary.get('dataset_items', '?')} 题"


def runs_root(data_dir: Path) -> Path:
    return data_dir / "eval-ui" / "runs"


def new_run(data_dir: Path, tz: str, now: datetime | None = None) -> Run:
    """A fresh folder named after the local start time (a second run in the same second gets a suffix)."""
    started = (now or datetime.now(ZoneInfo(tz))).astimezone(ZoneInfo(tz))
    root = runs_root(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    name, n = started.strftime(RUN_FORMAT), 1
    while (root / name).exists():
        n += 1
        name = f"{started.strftime(RUN_FORMAT)}-{n}"
    folder = root / name
    folder.mkdir()
    return Run(folder, started)


def list_runs(data_dir: Path, tz: str) -> list[Run]:
    """Finished runs (those with a summary.json), newest first."""
    root = runs_root(data_dir)
    if not root.is_dir():
        return []
    runs = []
    for folder in root.iterdir():
        if not (folder / "summary.json").is_file():
            continue
        try:
            started = datetime.strptime(folder.name[:15], RUN_FORMAT).replace(tzinfo=ZoneInfo(tz))
        except ValueError:
            continue
        runs.append(Run(folder, started))
    return sorted(runs, key=lambda r: r.name, reverse=True)


def read_summary(folder: Path) -> dict:
    try:
        return json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def keep_latest(run: Run) -> None:
    """The newest report beside the runs, at its old place (`eval-ui/summary.md`)."""
    report = run.folder / "summary.md"
    if report.is_file():
        shutil.copyfile(report, run.folder.parent.parent / "summary.md")


def _fmt(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def metric_table(summary: dict, labels: dict[str, str], metrics: tuple[str, ...]) -> str:
    """Markdown: one row per metric of `metrics` (its Chinese name, then its key), one column per retriever."""
    modes = list(summary.get("retrievers", {}))
    lines = ["| 指标 | " + " | ".join(modes) + " |", "|---" * (len(modes) + 1) + "|"]
    for key in metrics:
        values = [summary["retrievers"][m].get(key) for m in modes]
        if key == "llm_answered" and all(v is None for v in values):
            continue
        name = f"{labels.get(key, key)}（{key}）" if key in labels else key
        lines.append(f"| {name} | " + " | ".join(_fmt(v) for v in values) + " |")
    return "\n".join(lines)


def failure_rows(summary: dict) -> list[list]:
    """The failures of the first retriever (and of the LLM runs), for the failures table."""
    failures = summary.get("failures", {})
    modes = list(failures)
    shown = modes[:1] + [m for m in modes[1:] if m.endswith("+llm")]
    rows = []
    for mode in shown:
        for f in failures[mode]:
            expected = "应拒答" if f["expected"] == "refusal" else f["expected"]
            got = ("（拒答）" if f["refused"] else "") + f["answer"]
            rank = "—" if f["rank"] is None else f["rank"]
            rows.append(
                [f["id"] if len(shown) == 1 else f"{mode}: {f['id']}", f["type"], f["question"], expected, got, rank]
            )
    return rows


def zip_run(run_folder: Path, target_dir: Path) -> Path:
    """The run's files as one zip for download."""
    target = target_dir / f"评测结果-{run_folder.name}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(run_folder.iterdir()):
            if path.is_file():
                archive.write(path, arcname=f"{run_folder.name}/{path.name}")
    return target
