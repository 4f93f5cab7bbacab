"""Tab 2 答复起草: an enterprise's or a citizen's question → an editable official reply draft, copied as plain
text or exported as .md/.docx (GB/T 9704 layout); saved drafts with status, reviewer and due date."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from assistant.app.drafts import STATUSES, DraftStore
from assistant.app.repository import Repository
from assistant.service import Assistant
from ui.errors import user_errors
from ui.tabs import draft_queue
from ui.tabs.chat_flow import SCOPES
from ui.views.drafting import KINDS, build_draft, clean_title, is_complex, write_draft_files
from ui.views.render import answer_status

COPY_JS = "(text) => { window.paCopyPlain(text); return []; }"


@dataclass
class DraftView:
    question: gr.Textbox
    name: gr.Textbox
    kind: gr.Radio
    scope: gr.Radio
    make: gr.Button
    status: gr.Markdown
    draft: gr.Textbox
    copy: gr.Button
    export: gr.Button
    copy_note: gr.Markdown
    files: gr.File
    meta: gr.State
    queue: draft_queue.QueueView


def build(assistant: Assistant, workdir: Path, repo: Repository):
    """Returns (loader, inputs, outputs) of the saved drafts' list, for the page's load event."""
    gr.Markdown(
        "粘贴企业或群众的来函、咨询内容，自动生成带条款引用的正式答复草稿。草稿可直接修改，"
        "再复制纯文本、下载 Word 文件，或保存并提交审核。"
    )
    view = _layout()
    _wire(view, assistant, workdir)
    store = DraftStore(repo.engine)
    loader = draft_queue.wire(view.queue, store, assistant.settings, view.draft, view.meta)
    return loader, [view.queue.show_done], [view.queue.table]


def _layout() -> DraftView:
    with gr.Row():
        with gr.Column(scale=2, min_width=300):
            question = gr.Textbox(
                label="来函或咨询内容",
                lines=6,
                elem_id="pa-draft-question",
                placeholder="例如：我公司计划新建中试平台，采购设备能获得多少补贴？",
            )
            with gr.Row():
                name = gr.Textbox(label="称呼（单位或个人名称，可选）", placeholder="如：上海某某科技有限公司", scale=3)
                kind = gr.Radio(list(KINDS), value="不指定", label="来函方", scale=2, elem_id="pa-draft-kind")
            scope = gr.Radio(list(SCOPES), value="全部", label="政策范围")
            make = gr.Button("生成答复草稿", variant="primary", elem_id="pa-draft-make")
            status = gr.Markdown("", elem_id="pa-draft-status")
        with gr.Column(scale=3, min_width=320):
            draft = gr.Textbox(
                label="答复草稿（可编辑；# 为标题，> 为引用的条款原文）",
                lines=22,
                max_lines=40,
                interactive=True,
                elem_id="pa-draft-text",
            )
            with gr.Row():
                copy = gr.Button("复制纯文本", elem_id="pa-draft-copy")
                export = gr.Button("下载 Markdown 和 Word 文件", elem_id="pa-draft-export")
            copy_note = gr.Markdown("", elem_id="pa-draft-copy-note")
            files = gr.File(
                label="下载", file_count="multiple", interactive=False, height=110, elem_id="pa-draft-files"
            )
    queue = draft_queue.layout(STATUSES)
    return DraftView(
        question, name, kind, scope, make, status, draft, copy, export, copy_note, files, gr.State({}), queue
    )


def _wire(view: DraftView, assistant: Assistant, workdir: Path) -> None:
    view.make.click(
        _drafter(assistant),
        inputs=[view.question, view.name, view.scope, view.kind],
        outputs=[view.draft, view.status, view.meta, view.queue.draft_id],
        api_name="draft",
    ).success(
        draft_queue.new_draft_form(assistant.settings),
        [view.meta],
        view.queue.form_outputs(),
        api_visibility="private",
    )
    view.export.click(_exporter(assistant, workdir), inputs=[view.draft], outputs=[view.files], api_name="draft_files")
    view.copy.click(None, inputs=[view.draft], js=COPY_JS).then(
        lambda text: "已复制纯文本（不含 # 和 > 等标记），可直接粘贴。" if (text or "").strip() else "草稿为空。",
        [view.draft],
        [view.copy_note],
        api_visibility="private",
    )


def _drafter(assistant: Assistant) -> Callable:
    def make_draft(text: str, name: str, scope_label: str, kind: str = "不指定"):
        with user_errors(action="draft"):
            # A formal reply quotes the clauses' own words: always the extractive answer.
            answer = assistant.ask(text, [], jurisdiction=SCOPES.get(scope_label), llm=False)
        meta = {"question": answer.question, "title": clean_title(answer.question), "complex": is_complex(answer)}
        today = draft_queue.today_in(assistant.settings)
        text = build_draft(answer, name or "", today=today, kind=kind)
        return text, answer_status(answer, None), meta, None  # a new draft: not saved yet

    return make_draft


def _exporter(assistant: Assistant, workdir: Path) -> Callable:
    def export_files(text: str):
        with user_errors(action="draft_files"):  # an empty draft, or one over the export limit
            md_path, docx_path = write_draft_files(text or "", workdir, assistant.settings.max_draft_chars)
        return [str(md_path), str(docx_path)]

    return export_files
