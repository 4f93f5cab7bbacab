"""The eval run of the review tab: Chinese metric table, chart, failures, every run kept with a download."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import gradio as gr

from assistant.service import Assistant
from ui.errors import user_errors
from ui.tabs.access import require_admin
from ui.views.drafting import fresh_folder
from ui.views.evaluation import (
    FAILURE_HEADERS,
    Run,
    failure_rows,
    keep_latest,
    list_runs,
    metric_table,
    new_run,
    read_summary,
    zip_run,
)

if TYPE_CHECKING:
    from ui.tabs.review import ReviewTools

FAILURE_WIDTHS: list[str | int] = ["110px", "90px", "26%", "20%", "34%", "70px"]


@dataclass
class EvalView:
    dataset: gr.File
    retriever: gr.Dropdown
    run: gr.Button
    table: gr.Markdown
    chart: gr.Image
    failures: gr.Dataframe
    download: gr.File
    runs: gr.Dropdown
    show_run: gr.Button
    last_run: gr.State


def build(assistant: Assistant, authed: gr.State, workdir: Path, tools: ReviewTools) -> EvalView:
    view = _layout(assistant, tools)
    _wire(view, assistant, authed, workdir, tools)
    return view


def _layout(assistant: Assistant, tools: ReviewTools) -> EvalView:
    settings = assistant.settings
    with gr.Accordion("运行评测集", open=False, elem_id="pa-eval"):
        with gr.Row():
            dataset = gr.File(
                label=f"评测集（JSONL，可选；默认 {tools.default_dataset.name}）",
                file_types=[".jsonl"],
                type="filepath",
            )
            retriever = gr.Dropdown(
                [
                    ("混合检索 hybrid", "hybrid"),
                    ("词法检索 lexical", "lexical"),
                    ("向量检索 dense", "dense"),
                    ("全部", "all"),
                ],
                value=settings.retriever.value,
                label="检索方式",
            )
        run = gr.Button("运行评测", variant="primary", interactive=settings.admin_enabled)
        with gr.Row():
            # any value is checked against the saved runs by the handler (the list is refreshed after a login)
            runs = gr.Dropdown(
                [], label="历史评测（每次运行单独保存）", allow_custom_value=True, scale=4, elem_id="pa-eval-runs"
            )
            show_run = gr.Button("查看", size="sm", scale=1)
        table = gr.Markdown("", elem_id="pa-eval-table")
        chart = gr.Image(label="评测指标", type="filepath", interactive=False, elem_id="pa-eval-chart")
        failures = gr.Dataframe(
            headers=FAILURE_HEADERS,
            label="未通过的题目",
            interactive=False,
            wrap=True,
            column_widths=FAILURE_WIDTHS,
            max_height=420,
            elem_id="pa-eval-failures",
            elem_classes=["pa-hover-table"],
        )
        download = gr.File(label="下载本次评测结果（zip）", interactive=False, elem_id="pa-eval-download")
    return EvalView(dataset, retriever, run, table, chart, failures, download, runs, show_run, gr.State(None))


def _wire(view: EvalView, assistant: Assistant, authed: gr.State, workdir: Path, tools: ReviewTools) -> None:
    shown = _run_shower(assistant, workdir, tools)
    view.run.click(
        _eval_runner(assistant, workdir, tools),
        inputs=[view.dataset, view.retriever, authed],
        outputs=[view.table, view.chart, view.last_run],
        api_name="run_eval",
        concurrency_limit=1,
    ).success(
        lambda name, ok: shown(name, ok)[2:],
        [view.last_run, authed],
        [view.failures, view.download, view.runs],
        api_visibility="private",
    )
    view.show_run.click(
        shown,
        [view.runs, authed],
        [view.table, view.chart, view.failures, view.download, view.runs],
        api_name="eval_run",
    )


def _eval_runner(assistant: Assistant, workdir: Path, tools: ReviewTools) -> Callable:
    settings = assistant.settings

    def run_eval_ui(dataset_path: str | None, mode: str, ok: bool, progress=gr.Progress()):
        require_admin(assistant, ok, "run_eval")
        progress(None, desc="正在运行评测……")
        run = new_run(settings.data_dir, settings.timezone)
        try:
            with user_errors(ValueError, KeyError, prefix="评测失败：", action="run_eval"):
                summary = tools.run_eval(
                    settings,
                    Path(dataset_path) if dataset_path else tools.default_dataset,
                    run.folder,
                    mode or settings.retriever.value,
                    assistant=assistant,
                )
        except gr.Error:
            shutil.rmtree(run.folder, ignore_errors=True)
            raise
        keep_latest(run)
        return (
            _header(run, summary) + metric_table(summary, tools.metric_labels, tools.metrics),
            _chart(run, workdir),
            run.name,
        )

    return run_eval_ui


def _header(run: Run, summary: dict) -> str:
    fails = sum(len(v) for v in summary.get("failures", {}).values())
    font = "" if summary.get("chart_font") else "（未找到中文字体，图表使用英文标签）"
    return (
        f"**评测 {run.started:%Y-%m-%d %H:%M:%S}**：评测集 {summary.get('dataset_items', '?')} 题，"
        f"未通过 {fails} 题。结果已单独保存，可在下方下载。{font}\n\n"
    )


def _chart(run: Run, workdir: Path) -> str | None:
    png = run.folder / "metrics.png"
    if not png.is_file():
        return None
    shown = fresh_folder(workdir / "charts") / f"metrics-{run.name}.png"
    shutil.copyfile(png, shown)
    return str(shown)


def _run_shower(assistant: Assistant, workdir: Path, tools: ReviewTools) -> Callable:
    settings = assistant.settings

    def show_run(name: str | None, ok: bool):
        require_admin(assistant, ok, "eval_run")
        runs = list_runs(settings.data_dir, settings.timezone)
        choices = gr.Dropdown(choices=[(r.label(), r.name) for r in runs], value=name or None)
        run = next((r for r in runs if r.name == name), None)
        if run is None:
            message = "还没有评测记录，请先运行评测。" if not runs else "请选择一次评测。"
            return message, None, [], None, choices
        summary = read_summary(run.folder)
        archive = zip_run(run.folder, fresh_folder(workdir / "eval-downloads"))
        table = _header(run, summary) + metric_table(summary, tools.metric_labels, tools.metrics)
        return table, _chart(run, workdir), failure_rows(summary), str(archive), choices

    return show_run


def refresh_runs(assistant: Assistant) -> Callable:
    """(authed) → the run list, for after a login."""
    settings = assistant.settings

    def runs(ok: bool):
        if not ok:
            return gr.Dropdown(choices=[], value=None)
        return gr.Dropdown(choices=[(r.label(), r.name) for r in list_runs(settings.data_dir, settings.timezone)])

    return runs
