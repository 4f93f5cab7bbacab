"""Tab 4 答案评审: logged answers, evaluator ratings, accuracy, CSV/JSONL export and the eval run."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.app.repository import Repository
from assistant.core.errors import PolicyAssistantError
from assistant.service import Assistant
from ui.errors import page_error, shown_in_page
from ui.tabs.docs import ADMIN_DISABLED, ADMIN_REQUIRED, require_admin
from ui.views.drafting import fresh_folder
from ui.views.render import RATING_LABELS, SCOPE_LABELS, render_accuracy, render_record

HEADERS = ["编号", "时间（UTC）", "问题", "答案摘要", "拒答", "范围", "评审"]
LIST_LIMIT = 500


@dataclass(frozen=True)
class ReviewTools:
    """What the review tab needs from the eval harness, handed in by the entry point (the UI never imports evals)."""

    default_dataset: Path
    run_eval: Callable[..., dict[str, Any]]
    write_csv: Callable[[list[dict], Path], Any]
    write_jsonl: Callable[[list[dict], Path], Any]


@dataclass
class Review:
    """The components of the tab, section by section."""

    accuracy: gr.Markdown
    unrated: gr.Checkbox
    refresh: gr.Button
    table: gr.Dataframe
    qa_id: gr.Number
    show: gr.Button
    detail: gr.Markdown
    rating: gr.Radio
    note: gr.Textbox
    save: gr.Button
    rate_status: gr.Markdown
    export_csv: gr.Button
    export_jsonl: gr.Button
    export_files: gr.File
    dataset: gr.File
    retriever: gr.Dropdown
    run: gr.Button
    eval_table: gr.Markdown
    chart: gr.Image


@dataclass(frozen=True)
class Context:
    """What the handlers work with."""

    assistant: Assistant
    repo: Repository
    workdir: Path
    tools: ReviewTools


def _rows(repo: Repository, unrated_only: bool) -> list[list]:
    rows = []
    for r in repo.list_answers(unrated_only=bool(unrated_only), limit=LIST_LIMIT):
        summary = r["answer"].replace("\n", " ")
        rows.append(
            [
                r["id"],
                f"{r['created_at']:%m-%d %H:%M}",
                r["question"],
                summary[:60] + ("…" if len(summary) > 60 else ""),
                "是" if r["refused"] else "",
                SCOPE_LABELS.get(r["settings"].get("jurisdiction"), "—"),
                RATING_LABELS.get(r["rating"], "未评审") if r["rating"] else "未评审",
            ]
        )
    return rows


def build(assistant: Assistant, repo: Repository, authed: gr.State, workdir: Path, tools: ReviewTools):
    """Returns (table, accuracy, unrated checkbox, list fn) for the app's login event."""
    settings = assistant.settings
    if not settings.admin_enabled:
        gr.Markdown(ADMIN_DISABLED)
    gr.Markdown("每条已回答的问题都会记录在此。评审人员登录后可逐条评定答案质量，导出评审结果，或运行评测集。")
    view = Review(**_log_layout(), **_rating_layout(assistant), **_export_layout(), **_eval_layout(assistant, tools))
    ctx = Context(assistant, repo, workdir, tools)
    list_answers = _answer_lister(ctx)
    _wire(view, ctx, authed, list_answers)
    return view.table, view.accuracy, view.unrated, list_answers


# ---- layout ------------------------------------------------------------------------------------


def _log_layout() -> dict[str, Any]:
    accuracy = gr.Markdown("", elem_id="pa-accuracy")
    with gr.Row():
        unrated = gr.Checkbox(label="只看未评审", value=False, scale=1)
        refresh = gr.Button("刷新", size="sm", scale=1)
    table = gr.Dataframe(headers=HEADERS, interactive=False, wrap=True, max_height=420, elem_id="pa-qa-table")
    return {"accuracy": accuracy, "unrated": unrated, "refresh": refresh, "table": table}


def _rating_layout(assistant: Assistant) -> dict[str, Any]:
    with gr.Row():
        with gr.Column(scale=3):
            qa_id = gr.Number(label="记录编号（点击表格中的一行可自动填入）", value=None, precision=0)
            show = gr.Button("查看记录", size="sm")
            detail = gr.Markdown("", elem_id="pa-qa-detail")
        with gr.Column(scale=2):
            rating = gr.Radio([(label, key) for key, label in RATING_LABELS.items()], label="评审结论", value="correct")
            note = gr.Textbox(label="备注", lines=2)
            save = gr.Button("保存评审", variant="primary", interactive=assistant.settings.admin_enabled)
            rate_status = gr.Markdown("")
    return {
        "qa_id": qa_id,
        "show": show,
        "detail": detail,
        "rating": rating,
        "note": note,
        "save": save,
        "rate_status": rate_status,
    }


def _export_layout() -> dict[str, Any]:
    with gr.Accordion("导出评审结果", open=False):
        gr.Markdown(
            "CSV 含全部已评审记录；JSONL 为评测集格式，只收录评为“正确”或“部分正确”的记录"
            "（评为正确的拒答记为不可回答题），可直接用于下方的评测。"
        )
        with gr.Row():
            export_csv = gr.Button("导出 CSV")
            export_jsonl = gr.Button("导出评测集 JSONL")
        export_files = gr.File(label="导出文件", interactive=False)
    return {"export_csv": export_csv, "export_jsonl": export_jsonl, "export_files": export_files}


def _eval_layout(assistant: Assistant, tools: ReviewTools) -> dict[str, Any]:
    settings = assistant.settings
    with gr.Accordion("运行评测集", open=False):
        with gr.Row():
            dataset = gr.File(
                label=f"评测集（JSONL，可选；默认 {tools.default_dataset.name}）",
                file_types=[".jsonl"],
                type="filepath",
            )
            retriever = gr.Dropdown(["hybrid", "lexical", "dense", "all"], value=settings.retriever, label="检索方式")
        run = gr.Button("运行评测", variant="primary", interactive=settings.admin_enabled)
        eval_table = gr.Markdown("", elem_id="pa-eval-table")
        chart = gr.Image(label="评测指标", type="filepath", interactive=False)
    return {"dataset": dataset, "retriever": retriever, "run": run, "eval_table": eval_table, "chart": chart}


def _wire(view: Review, ctx: Context, authed: gr.State, list_answers: Callable) -> None:
    listing, shown = [view.unrated, authed], [view.table, view.accuracy]
    view.refresh.click(list_answers, inputs=listing, outputs=shown, api_name="list_answers")
    view.unrated.change(
        list_answers, inputs=listing, outputs=shown, api_name="list_on_filter", api_visibility="private"
    )
    detail = _detail_reader(ctx)
    view.table.select(pick, outputs=[view.qa_id], api_name="pick_row", api_visibility="private").then(
        detail, inputs=[view.qa_id, authed], outputs=[view.detail], api_name="detail_on_pick", api_visibility="private"
    )
    view.show.click(detail, inputs=[view.qa_id, authed], outputs=[view.detail], api_name="answer_detail")
    view.save.click(
        _rater(ctx),
        inputs=[view.qa_id, view.rating, view.note, view.unrated, authed],
        outputs=[view.rate_status, view.note, view.table, view.accuracy],
        api_name="rate",
    )
    export = _exporter(ctx)
    view.export_csv.click(
        lambda ok: export("csv", ok), inputs=[authed], outputs=[view.export_files], api_name="export_csv"
    )
    view.export_jsonl.click(
        lambda ok: export("jsonl", ok), inputs=[authed], outputs=[view.export_files], api_name="export_jsonl"
    )
    view.run.click(
        _eval_runner(ctx),
        inputs=[view.dataset, view.retriever, authed],
        outputs=[view.eval_table, view.chart],
        api_name="run_eval",
        concurrency_limit=1,
    )


# ---- handlers ----------------------------------------------------------------------------------


def pick(data: gr.SelectData):
    row = data.row_value or []
    return int(row[0]) if row else gr.skip()


def _answer_lister(ctx: Context) -> Callable:
    settings = ctx.assistant.settings

    def list_answers(only_unrated: bool, ok: bool):
        if not ok:
            return [], ADMIN_REQUIRED if settings.admin_enabled else ADMIN_DISABLED
        with shown_in_page():
            return _rows(ctx.repo, only_unrated), render_accuracy(ctx.repo.accuracy())

    return list_answers


def _detail_reader(ctx: Context) -> Callable:
    def answer_detail(record_id, ok: bool):
        require_admin(ctx.assistant, ok)
        if not record_id:
            raise gr.Error("请先输入或选择记录编号。")
        with shown_in_page():
            row = ctx.repo.get(int(record_id))
            return render_record(row, ctx.repo.feedback_for(row["id"]))

    return answer_detail


def _rater(ctx: Context) -> Callable:
    def rate(record_id, verdict: str, text: str, only_unrated: bool, ok: bool):
        require_admin(ctx.assistant, ok)
        if not record_id:
            raise gr.Error("请先输入或选择记录编号。")
        try:
            with shown_in_page():
                ctx.repo.rate(int(record_id), verdict, text or "")
        except ValueError as exc:
            raise page_error(str(exc)) from exc
        message = f"已保存：记录 #{int(record_id)} 评为“{RATING_LABELS.get(verdict, verdict)}”。"
        with shown_in_page():
            return message, "", _rows(ctx.repo, only_unrated), render_accuracy(ctx.repo.accuracy())

    return rate


def _exporter(ctx: Context) -> Callable[[str, bool], str]:
    def export(kind: str, ok: bool) -> str:
        require_admin(ctx.assistant, ok)
        with shown_in_page():
            rows = ctx.repo.rated()
        if not rows:
            raise gr.Error("还没有评审记录可以导出。")
        out = fresh_folder(ctx.workdir / "exports")
        if kind == "csv":
            path = out / "ratings.csv"
            ctx.tools.write_csv(rows, path)
        else:
            path = out / "ratings-dataset.jsonl"
            if not ctx.tools.write_jsonl(rows, path):
                raise gr.Error("没有评为“正确”或“部分正确”的记录，评测集为空。")
        return str(path)

    return export


def _eval_runner(ctx: Context) -> Callable:
    settings, tools = ctx.assistant.settings, ctx.tools

    def run_eval_ui(dataset_path: str | None, mode: str, ok: bool, progress=gr.Progress()):
        require_admin(ctx.assistant, ok)
        progress(None, desc="正在运行评测……")
        out = settings.data_dir / "eval-ui"
        try:
            summary = tools.run_eval(
                settings,
                Path(dataset_path) if dataset_path else tools.default_dataset,
                out,
                mode or settings.retriever,
                assistant=ctx.assistant,
            )
        except (PolicyAssistantError, ValueError, KeyError) as exc:
            raise page_error(f"评测失败：{exc}") from exc
        png = out / "metrics.png"
        shown = None
        if png.is_file():
            shown = fresh_folder(ctx.workdir / "charts") / "metrics.png"
            shutil.copyfile(png, shown)
        header = f"评测集 {summary.get('dataset_items', '?')} 题，报告保存在 `{out / 'summary.md'}`。\n\n"
        return header + summary["table_md"], str(shown) if shown else None

    return run_eval_ui
