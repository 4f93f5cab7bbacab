"""The help desk's saved drafts: status 草稿 / 待审核 / 已审核, reviewer, due date, open drafts by due date."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import gradio as gr

from assistant.app.drafts import OPEN, DraftStore, add_working_days
from assistant.app.repository import RecordNotFound
from assistant.core.errors import StorageError
from assistant.core.settings import Settings
from ui.views.drafting import clean_title
from ui.views.records import local_time

HEADERS = ["编号", "标题", "状态", "审核人", "截止日期", "更新时间"]
WIDTHS: list[str | int] = ["64px", "40%", "80px", "110px", "130px", "110px"]


@dataclass
class QueueView:
    draft_id: gr.State
    status: gr.Radio
    reviewer: gr.Textbox
    due: gr.Textbox
    save: gr.Button
    note: gr.Markdown
    show_done: gr.Checkbox
    table: gr.Dataframe

    def form_outputs(self) -> list:
        return [self.status, self.reviewer, self.due, self.note]


def layout(statuses: tuple[str, ...]) -> QueueView:
    with gr.Accordion("保存与审核（答复草稿台账）", open=True, elem_id="pa-draft-queue"):
        with gr.Row():
            status = gr.Radio(list(statuses), value=statuses[0], label="状态", scale=2, elem_id="pa-draft-state")
            reviewer = gr.Textbox(label="审核人", placeholder="如：张科长", scale=2, elem_id="pa-draft-reviewer")
            due = gr.Textbox(label="截止日期（YYYY-MM-DD）", scale=2, elem_id="pa-draft-due")
            save = gr.Button("保存草稿", variant="primary", scale=1, elem_id="pa-draft-save")
        note = gr.Markdown("", elem_id="pa-draft-save-note")
        show_done = gr.Checkbox(label="显示已审核的草稿", value=False)
        table = gr.Dataframe(
            headers=HEADERS,
            label="待办草稿（按截止日期排列，点击一行可继续编辑）",
            interactive=False,
            wrap=False,
            column_widths=WIDTHS,
            max_height=360,
            elem_id="pa-draft-table",
            elem_classes=["pa-hover-table"],
        )
    return QueueView(gr.State(None), status, reviewer, due, save, note, show_done, table)


def today_in(settings: Settings) -> date:
    return datetime.now(ZoneInfo(settings.timezone)).date()


def due_for(settings: Settings, complex_reply: bool, today: date | None = None) -> date:
    days = settings.draft_due_complex_days if complex_reply else settings.draft_due_simple_days
    return add_working_days(today or today_in(settings), days)


def new_draft_form(settings: Settings) -> Callable:
    """After a draft is generated: a new record (no id yet), status 草稿, the default due date."""

    def reset(meta: dict):
        complex_reply = bool((meta or {}).get("complex"))
        due = due_for(settings, complex_reply)
        days = settings.draft_due_complex_days if complex_reply else settings.draft_due_simple_days
        kind = f"{'复杂' if complex_reply else '简单'}答复，{days} 个工作日"
        return "草稿", gr.skip(), due.isoformat(), f"新草稿，尚未保存。默认截止日期：{due.isoformat()}（{kind}）。"

    return reset


def rows(store: DraftStore, settings: Settings, show_done: bool) -> list[list]:
    """The list of drafts; empty while the database cannot be read (the store logs why)."""
    today = today_in(settings)
    out = []
    try:
        listed = store.listed(open_only=not show_done)
    except StorageError:
        return []
    for d in listed:
        due = d["due"].isoformat() if d["due"] else "—"
        if d["due"] and d["due"] < today and d["status"] in OPEN:
            due += "（已逾期）"
        updated = f"{local_time(d['updated_at'], settings.timezone):%m-%d %H:%M}"
        out.append([d["id"], d["title"], d["status"], d["reviewer"] or "—", due, updated])
    return out


def _title(text: str, meta: dict) -> str:
    first = next((line for line in (text or "").splitlines() if line.strip()), "")
    if first.startswith("#"):
        return first.lstrip("#").strip().removesuffix("（草稿）")
    return f"关于“{clean_title(meta.get('question') or first)}”的答复意见"


def wire(view: QueueView, store: DraftStore, settings: Settings, draft: gr.Textbox, meta: gr.State) -> Callable:
    """Wire the form and the list; returns (show_done) → rows, for the page's load event."""
    listed = [view.show_done]

    def save(text: str, status: str, reviewer: str, due_text: str, draft_id, meta_now: dict, show_done: bool):
        if not (text or "").strip():
            return "草稿为空，请先生成答复草稿。", gr.skip(), gr.skip()
        try:
            due = date.fromisoformat(due_text.strip()) if (due_text or "").strip() else None
        except ValueError:
            return "截止日期格式应为 YYYY-MM-DD，如 2026-12-03。", gr.skip(), gr.skip()
        meta_now = meta_now or {}
        try:
            new_id = store.save(
                draft_id,
                title=_title(text, meta_now),
                text=text,
                status=status,
                reviewer=reviewer,
                due=due,
                question=meta_now.get("question", ""),
                complex_reply=bool(meta_now.get("complex")),
            )
        except (RecordNotFound, ValueError, StorageError) as exc:
            return str(exc), gr.skip(), gr.skip()
        message = f"已保存草稿 #{new_id}（{status}）" + (f"，截止 {due.isoformat()}" if due else "") + "。"
        return message, new_id, rows(store, settings, show_done)

    def load(data: gr.SelectData):
        row = data.row_value or []
        try:
            d = store.get(int(row[0]))
        except (IndexError, ValueError, RecordNotFound):
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), "未找到该草稿。", gr.skip()
        except StorageError as exc:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), str(exc), gr.skip()
        due = d["due"].isoformat() if d["due"] else ""
        meta_now = {"question": d["question"], "complex": d["complex"]}
        return d["text"], d["status"], d["reviewer"], due, d["id"], f"正在编辑草稿 #{d['id']}。", meta_now

    view.save.click(
        save,
        inputs=[draft, view.status, view.reviewer, view.due, view.draft_id, meta, view.show_done],
        outputs=[view.note, view.draft_id, view.table],
        api_name="save_draft",
    )
    view.show_done.change(lambda done: rows(store, settings, done), listed, [view.table], api_name="drafts")
    view.table.select(
        load,
        outputs=[draft, view.status, view.reviewer, view.due, view.draft_id, view.note, meta],
        api_visibility="private",
    )
    return lambda done: rows(store, settings, done)
