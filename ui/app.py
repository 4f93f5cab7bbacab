"""Gradio app factory. Launch only from the CLI (`policy-assistant serve`) or `python -m ui`.

Offline intranet use: analytics off, system fonts only (no Google Fonts), no CDN assets.
"""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import logging  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import gradio as gr  # noqa: E402

from assistant.app.repository import Repository  # noqa: E402
from assistant.app.retention import Purger  # noqa: E402
from assistant.core.settings import Settings  # noqa: E402
from assistant.service import Assistant  # noqa: E402
from ui.tabs import chat as chat_tab  # noqa: E402
from ui.tabs import docs as docs_tab
from ui.tabs import draft as draft_tab
from ui.tabs import review as review_tab
from ui.views.login import LoginGuard, log_in  # noqa: E402

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"
TITLE = "中试政策助手"
INTRO = (
    "## 中试政策助手\n国家《制造业中试创新发展实施意见》（含解读）与《上海市中试平台创新发展实施方案》"
    "智能问答：答案均注明出处（文件、文号、条款、页码），未收录的问题会明确告知。"
)


def theme() -> gr.themes.Base:
    return gr.themes.Default(
        primary_hue="red",
        secondary_hue="slate",
        font=["system-ui", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "sans-serif"],
        font_mono=["monospace"],
    )


def launch_options(settings: Settings, **overrides) -> dict:
    """Keyword arguments for Blocks.launch(): theme and CSS go here in Gradio 6, not to Blocks()."""
    options = dict(
        server_name=settings.host,
        server_port=settings.port,
        show_error=False,  # only gr.Error messages reach a page: an unexpected exception's text stays in the log
        theme=theme(),
        css_paths=[STATIC / "app.css"],
        footer_links=["api"],
        share=False,
        quiet=True,
        max_file_size=int(settings.max_file_mb * 1024 * 1024),
    )  # bigger uploads are refused unread
    options.update(overrides)
    return options


def build_app(
    assistant: Assistant, repo: Repository, tools: review_tab.ReviewTools, workdir: Path | None = None
) -> gr.Blocks:
    """The four-tab app. `repo` stores the answer log, feedback and ratings; `workdir` holds files
    offered for download (drafts, exports, charts), by default a folder in the system temp dir."""
    settings = assistant.settings
    workdir = workdir or Path(tempfile.gettempdir()) / "policy-assistant-ui"
    guard = LoginGuard(settings.login_max_failures, settings.login_lockout_s)
    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=(3600, 86400)) as app:
        authed = gr.State(False)
        gr.Markdown(INTRO, elem_id="pa-intro")
        with gr.Accordion("管理员登录（上传文件、重建索引、答案评审）", open=False, elem_id="pa-login"):
            if not settings.admin_enabled:
                gr.Markdown(docs_tab.ADMIN_DISABLED)
            with gr.Row():
                user = gr.Textbox(label="用户名", interactive=settings.admin_enabled, scale=2)
                password = gr.Textbox(label="密码", type="password", interactive=settings.admin_enabled, scale=2)
                login = gr.Button("登录", variant="primary", interactive=settings.admin_enabled, scale=1)
                logout = gr.Button("退出", interactive=settings.admin_enabled, scale=1)
            login_status = gr.Markdown("")
        with gr.Tabs():
            with gr.Tab("政策问答", id="chat", elem_id="pa-tab-chat"):
                chat_tab.build(assistant, repo)
            with gr.Tab("答复起草", id="draft", elem_id="pa-tab-draft"):
                draft_tab.build(assistant, workdir / "drafts")
            with gr.Tab("政策文件", id="docs", elem_id="pa-tab-docs"):
                doc_table, doc_select, load_documents = docs_tab.build(assistant, authed)
            with gr.Tab("答案评审", id="review", elem_id="pa-tab-review"):
                qa_table, accuracy, unrated, list_answers = review_tab.build(assistant, repo, authed, workdir, tools)

        def do_login(name: str, secret: str, request: gr.Request):
            if not settings.admin_enabled:
                return False, docs_tab.ADMIN_DISABLED, ""
            client = request.client.host if request is not None and request.client is not None else "unknown"
            return (*log_in(settings, guard, client, name, secret), "")

        def do_logout():
            return False, "已退出管理员登录。", ""

        gr.on(
            [login.click, password.submit],
            do_login,
            inputs=[user, password],
            outputs=[authed, login_status, password],
            api_name="login",
        ).then(
            list_answers,
            inputs=[unrated, authed],
            outputs=[qa_table, accuracy],
            api_name="list_after_login",
            api_visibility="private",
        )
        logout.click(do_logout, outputs=[authed, login_status, password], api_name="logout").then(
            list_answers,
            inputs=[unrated, authed],
            outputs=[qa_table, accuracy],
            api_name="list_after_logout",
            api_visibility="private",
        )
        app.load(load_documents, outputs=[doc_table, doc_select], api_name="load_documents", api_visibility="private")
    return app


def launch(assistant: Assistant, settings: Settings, tools: review_tab.ReviewTools) -> None:
    """Serve on settings.host/port until interrupted; answers older than the retention period are purged
    at start and every few hours while the app runs."""
    repo = Repository(settings.db_url)
    purger = None
    try:
        purger = Purger(repo, settings.log_retention_days).start()
        build_app(assistant, repo, tools).queue(default_concurrency_limit=8).launch(**launch_options(settings))
    finally:
        if purger is not None:
            purger.stop()
        repo.close()
