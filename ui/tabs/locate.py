"""The 原文定位 panel: the original page of a source with its clause highlighted, in the chat and the documents tab.

A "查看原文定位" control (ui/views/render.py, ui/static/app.js) passes the chunk id to the tab's `locate`
bridge (below), whose submit event renders the page here. `/locate` (a chunk id) does the same for API
callers and returns (heading, image, text).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from assistant.service import Assistant
from ui.views.drafting import fresh_folder
from ui.views.locate import locate

SHOW_PANEL_JS = "() => { setTimeout(() => window.paShow && window.paShow('.pa-locate-panel'), 60); }"
SHOW_MARK_JS = (
    "() => { setTimeout(() => { const m = document.querySelector('#pa-mark');"
    " if (m) m.scrollIntoView({block: 'center'}); }, 120); }"
)


@dataclass
class LocatePanel:
    key: gr.HTML
    panel: gr.Column
    heading: gr.Markdown
    image: gr.Image
    text: gr.HTML
    close: gr.Button


def bridge(name: str) -> gr.HTML:
    """An empty gr.HTML that gives its tab a function `pa_<name>(key)`: ui/static/app.js calls it on a
    click, and it sends `key` to the Python handler wired to the bridge's submit event."""
    js = (
        "const tab = element.closest(\"[role='tabpanel']\") || document.body;"
        f"tab.pa_{name} = function (key) {{ props.value = key; trigger('submit'); }};"
    )
    return gr.HTML("", html_template="", js_on_load=js, elem_classes=["pa-bridge"], container=False, padding=False)


def layout(elem_prefix: str, key: gr.HTML, scale: int = 2) -> LocatePanel:
    """The panel, hidden until a source is opened: a column of the enclosing row."""
    with gr.Column(
        visible=False, scale=scale, min_width=320, elem_classes=["pa-locate-panel"], elem_id=f"{elem_prefix}-locate"
    ) as panel:
        with gr.Row(equal_height=True):
            gr.Markdown("#### 原文定位", elem_classes=["pa-locate-title"])
            close = gr.Button("关闭", size="sm", scale=0, min_width=60)
        heading = gr.Markdown("", elem_id=f"{elem_prefix}-locate-heading")
        image = gr.Image(
            label="原文页面（黄色框为本条款）",
            type="filepath",
            interactive=False,
            buttons=["download", "fullscreen"],
            elem_id=f"{elem_prefix}-locate-image",
            elem_classes=["pa-locate-image"],
            visible=False,
        )
        text = gr.HTML("", elem_id=f"{elem_prefix}-locate-text", visible=False)
    return LocatePanel(key, panel, heading, image, text, close)


def wire(view: LocatePanel, assistant: Assistant, workdir: Path, api_name: str | None) -> None:
    outputs = [view.panel, view.heading, view.image, view.text]
    show = shower(assistant, workdir)
    view.key.submit(
        show,
        inputs=[view.key],
        outputs=outputs,
        api_name=api_name,
        api_visibility="public" if api_name else "private",
        show_progress="minimal",
    ).then(None, js=SHOW_PANEL_JS).then(None, js=SHOW_MARK_JS)
    view.close.click(
        lambda: (gr.Column(visible=False), "", gr.Image(value=None, visible=False), gr.HTML("", visible=False)),
        outputs=outputs,
        api_visibility="private",
    )


def shower(assistant: Assistant, workdir: Path) -> Callable:
    settings = assistant.settings

    def show_original(key: str | None):
        chunk_id = (key or "").split("|", 1)[0].strip()
        snap = assistant.snapshot
        chunk = next((c for c in snap.chunks if c.chunk_id == chunk_id), None)
        document = snap.documents.get(chunk.doc_id) if chunk else None
        if chunk is None or document is None:
            message = "未找到该条款，索引可能已更新，请重新提问或在“政策文件”中查看。"
            return gr.Column(visible=True), message, gr.Image(value=None, visible=False), gr.HTML("", visible=False)
        found = locate(document, chunk, settings.corpus_dir, fresh_folder(workdir / "pages"), settings.max_file_mb)
        image = str(found.image) if found.image else None
        return (
            gr.Column(visible=True),
            found.heading,
            gr.Image(value=image, visible=image is not None),
            gr.HTML(found.text_html, visible=bool(found.text_html)),
        )

    return show_original
