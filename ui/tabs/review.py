"""Tab 4 答案评审: logged answers, evaluator ratings, accuracy, CSV/JSONL export and the eval run (admins only)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.app.repository import RATINGS, Repository
from assistant.core.errors import PolicyAssistantError
from assistant.service import Assistant
from ui.errors import page_error, user_errors, user_message
from ui.tabs import evaluation
from ui.tabs.access import ADMIN_DISABLED, ADMIN_REQUIRED, AdminArea, admin_area, require_admin
from ui.views.drafting import fresh_folder
from ui.views.records import RATING_LABELS, render_accuracy, render_record, review_headers, review_rows

LIST_LIMIT = 500
# 编号, 时间, 问题, 答案摘要, 拒答, 范围, 评审: fixed widths, long cells cut with "…" (the detail has the full text)
COLUMN_WIDTHS: list[str | int] = ["64px", "136px", "34%", "28%", "56px", "64px", "84px"]


@dataclass(frozen=True)
class ReviewTools:
    """What the review tab needs from the eval harness, handed in by the entry point (the UI never imports evals)."""

    default_dataset: Path
    run_eval: Callable[..., dict[str, Any]]
    write_csv: Callable[[list[dict], Path], Any]
    write_jsonl: Callable[[list[dict], Path], Any]
    metric_labels: dict[str, str] = field(default_factory=dict)
    metrics: tuple[str, ...] = ()  # the metrics of a run's table, in order


@dataclass
class Review:
    """The components of the tab, section by section."""

    area: AdminArea
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


@dataclass(frozen=True)
class Context:
    """What the handlers work with."""

    assistant: Assistant
    repo: Repository
    workdir: Path
    tools: ReviewTools

    @property
    def tz(self) -> str:
        return self.assistant.settings.timezone


@dataclass(frozen=True)
class AfterLogin:
    """What the app refreshes after a login or logout: the admin area, the answer list, the eval runs."""

    area: AdminArea
    list_answers: Callable
    list_inputs: list
    list_outputs: list
    list_runs: Callable
    runs: gr.Dropdown


def build(assistant: Assistant, repo: Repository, authed: gr.State, workdir: Path, tools: ReviewTools) -> AfterLogin:
    settings = assistant.settings
    gr.Markdown("每条已回答的问题都会记录在此。评审人员登录后可逐条评定答案质量，导出评审结果，或运行评测集。")
    area = admin_area(settings, "答案评审")
    with area.controls:
        view = Review(area, **_log_layout(settings.timezone), **_rating_layout(assistant), **_export_layout())
        ctx = Context(assistant, repo, workdir, tools)
        evals = evaluation.build(ctx.assistant, authed, workdir, tools)
    list_answers = _answer_lister(ctx)
    _wire(view, ctx, authed, list_answers)
    return AfterLogin(
        area,
        list_answers,
        [view.unrated, authed],
        [view.table, view.accuracy],
        evaluation.refresh_runs(assistant),
        evals.runs,
    )


# ---- layout ------------------------------------------------------------------------------------


def _log_layout(tz: str) -> dict[str, Any]:
    accuracy = gr.Markdown("", elem_id="pa-accuracy")
    with gr.Row():
        unrated = gr.Checkbox(label="只看未评审", value=False, scale=1)
        refresh = gr.Button("刷新", size="sm", scale=1)
    table = gr.Dataframe(
        headers=review_headers(tz),
        interactive=False,
        wrap=False,
        column_widths=COLUMN_WIDTHS,
        max_height=420,
        elem_id="pa-qa-table",
        elem_classes=["pa-hover-table"],
    )
    return {"accuracy": accuracy, "unrated": unrated, "refresh": refresh, "table": table}


def _rating_layout(assistant: Assistant) -> dict[str, Any]:
    with gr.Row():
        with gr.Column(scale=3):
            qa_id = gr.Number(label="记录编号（点击表格中的一行可自动填入）", value=None, precision=0)
            show = gr.Button("查看记录", size="sm")
            detail = gr.Markdown("", elem_id="pa-qa-detail")
        with gr.Column(scale=2):
            rating = gr.Radio(
                [(label, key) for key, label in RATING_LABELS.items()],
                label="评审结论（已评审的记录显示其当前结论）",
                value=None,
                elem_id="pa-rating",
            )
            note = gr.Textbox(label="备注", lines=2, elem_id="pa-rating-note")
            save = gr.Button("保存评审", variant="primary", interactive=assistant.settings.admin_enabled)
            rate_status = gr.Markdown("", elem_id="pa-rate-status")
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


def _wire(view: Review, ctx: Context, authed: gr.State, list_answers: Callable) -> None:
    listing, shown = [view.unrated, authed], [view.table, view.accuracy]
    view.refresh.click(list_answers, inputs=listing, outputs=shown, api_name="list_answers")
    view.unrated.change(
        list_answers, inputs=listing, outputs=shown, api_name="list_on_filter", api_visibility="private"
    )
    detail, saved = _detail_reader(ctx), _rating_reader(ctx)
    view.table.select(pick, outputs=[view.qa_id], api_name="pick_row", api_visibility="private").then(
        detail, inputs=[view.qa_id, authed], outputs=[view.detail], api_name="detail_on_pick", api_visibility="private"
    ).then(saved, [view.qa_id, authed], [view.rating, view.note], api_visibility="private")
    view.show.click(detail, inputs=[view.qa_id, authed], outputs=[view.detail], api_name="answer_detail").then(
        saved, [view.qa_id, authed], [view.rating, view.note], api_visibility="private"
    )
    view.save.click(
        _rater(ctx),
        inputs=[view.qa_id, view.rating, view.note, view.unrated, authed],
        outputs=[view.rate_status, view.note, view.table, view.accuracy],
        api_name="rate",
    ).success(detail, [view.qa_id, authed], [view.detail], api_visibility="private").then(
        saved, [view.qa_id, authed], [view.rating, view.note], api_visibility="private"
    )
    export = _exporter(ctx)
    view.export_csv.click(
        lambda ok: export("csv", ok), inputs=[authed], outputs=[view.export_files], api_name="export_csv"
    )
    view.export_jsonl.click(
        lambda ok: export("jsonl", ok), inputs=[authed], outputs=[view.export_files], api_name="export_jsonl"
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
        with user_errors(action="list_answers"):  # a database failure: one line for the admin
            rows = review_rows(ctx.repo.list_answers(unrated_only=bool(only_unrated), limit=LIST_LIMIT), ctx.tz)
            return rows, render_accuracy(ctx.repo.accuracy())

    return list_answers


def _detail_reader(ctx: Context) -> Callable:
    """The record with its earlier turns and resolved question; a missing record is said in its place."""

    def answer_detail(record_id, ok: bool):
        require_admin(ctx.assistant, ok, "answer_detail")
        if not record_id:
            return "请先输入或选择记录编号。"
        try:
            row = ctx.repo.get(int(record_id))
            return render_record(row, ctx.repo.feedback_for(row["id"]), ctx.repo.history(row["id"]), ctx.tz)
        except PolicyAssistantError as exc:  # a missing record, or the database's one line
            return user_message(exc)

    return answer_detail


def _rating_reader(ctx: Context) -> Callable:
    """The record's current rating and note into the form, or an empty choice for an unrated record."""

    def saved_rating(record_id, ok: bool):
        if not ok or not record_id:
            return gr.skip(), gr.skip()
        try:
            row = ctx.repo.get(int(record_id))
        except PolicyAssistantError:
            return None, ""
        return (row["rating"] if row["rating"] in RATINGS else None), row["note"] or ""

    return saved_rating


def _rater(ctx: Context) -> Callable:
    def rate(record_id, verdict: str | None, text: str, only_unrated: bool, ok: bool):
        require_admin(ctx.assistant, ok, "rate")
        if not record_id:
            return "请先输入或选择记录编号。", gr.skip(), gr.skip(), gr.skip()
        if verdict not in RATINGS:
            return "请先选择评审结论。", gr.skip(), gr.skip(), gr.skip()
        with user_errors(action="rate"):
            ctx.repo.rate(int(record_id), verdict, text or "")
            message = f"已保存：记录 #{int(record_id)} 评为“{RATING_LABELS.get(verdict, verdict)}”。"
            rows = review_rows(ctx.repo.list_answers(unrated_only=bool(only_unrated), limit=LIST_LIMIT), ctx.tz)
            return message, "", rows, render_accuracy(ctx.repo.accuracy())

    return rate


def _exporter(ctx: Context) -> Callable[[str, bool], str]:
    def export(kind: str, ok: bool) -> str:
        require_admin(ctx.assistant, ok, f"export_{kind}")
        with user_errors(action="export"):
            rows = ctx.repo.rated()
        if not rows:
            raise page_error("还没有评审记录可以导出。", "export")
        out = fresh_folder(ctx.workdir / "exports")
        if kind == "csv":
            path = out / "ratings.csv"
            ctx.tools.write_csv(rows, path)
        else:
            path = out / "ratings-dataset.jsonl"
            if not ctx.tools.write_jsonl(rows, path):
                raise page_error("没有评为“正确”或“部分正确”的记录，评测集为空。", "export")
        return str(path)

    return export
