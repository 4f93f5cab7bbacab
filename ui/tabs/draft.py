"""Tab 2 答复起草: an enterprise's question → an editable formal reply draft, exported as .md/.docx."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from assistant.core.errors import PolicyAssistantError
from assistant.service import Assistant
from ui.errors import page_error, shown_in_page
from ui.tabs.chat import SCOPES
from ui.views.drafting import build_draft, write_draft_files
from ui.views.render import answer_status


def build(assistant: Assistant, workdir: Path) -> None:
    gr.Markdown("粘贴企业来函或咨询内容，自动生成带条款引用的正式答复草稿。草稿可直接修改，再复制或下载。")
    with gr.Row():
        with gr.Column(scale=2):
            question = gr.Textbox(
                label="企业咨询内容",
                lines=6,
                elem_id="pa-draft-question",
                placeholder="例如：我公司计划新建中试平台，采购设备能获得多少补贴？",
            )
            company = gr.Textbox(label="称呼（企业名称，可选）", placeholder="如：上海某某科技有限公司")
            scope = gr.Radio(list(SCOPES), value="全部", label="政策范围")
            make = gr.Button("生成答复草稿", variant="primary", elem_id="pa-draft-make")
            status = gr.Markdown("")
        with gr.Column(scale=3):
            draft = gr.Textbox(
                label="答复草稿（可编辑）",
                lines=22,
                max_lines=40,
                interactive=True,
                buttons=["copy"],
                elem_id="pa-draft-text",
            )
            export = gr.Button("下载为 Markdown 和 Word 文件", elem_id="pa-draft-export")
            files = gr.File(label="下载", file_count="multiple", interactive=False)

    def make_draft(text: str, name: str, scope_label: str):
        try:
            # A formal reply quotes the clauses' own words: always the extractive answer.
            answer = assistant.ask(text, [], jurisdiction=SCOPES.get(scope_label), llm=False)
        except PolicyAssistantError as exc:
            raise page_error(str(exc)) from exc
        return build_draft(answer, name or ""), answer_status(answer, None)

    def export_files(text: str):
        with shown_in_page():
            md_path, docx_path = write_draft_files(text or "", workdir / "drafts", assistant.settings.max_draft_chars)
        return [str(md_path), str(docx_path)]

    make.click(make_draft, inputs=[question, company, scope], outputs=[draft, status], api_name="draft")
    export.click(export_files, inputs=[draft], outputs=[files], api_name="draft_files")
