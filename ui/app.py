"""Gradio app factory. Launch only from the CLI (`policy-assistant serve`) or `python -m ui`.

Offline intranet use: analytics off, system fonts only (no Google Fonts), no CDN assets.
"""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gc  # noqa: E402
import logging  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import gradio as gr  # noqa: E402

from assistant.app.repository import Repository  # noqa: E402
from assistant.app.retention import Purger  # noqa: E402
from assistant.core.settings import Settings  # noqa: E402
from assistant.service import Assistant  # noqa: E402
from ui import api, gradio_sessions  # noqa: E402
from ui.tabs import chat as chat_tab  # noqa: E402
from ui.tabs import docs as docs_tab
from ui.tabs import draft as draft_tab
from ui.tabs import review as review_tab
from ui.tabs.access import ADMIN_DISABLED, show_admin
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


def head() -> str:
    """ui/static/app.js and page.css, inline in the page's <head> (no extra request, nothing from outside)."""
    script = (STATIC / "app.js").read_text(encoding="utf-8")
    style = (STATIC / "page.css").read_text(encoding="utf-8")
    return f"<style>{style}</style><script>{script}</script>"


def launch_options(settings: Settings, **overrides) -> dict:
    """Keyword arguments for Blocks.launch(): theme, CSS and head go here in Gradio 6, not to Blocks()."""
    options = dict(
        server_name=settings.host,
        server_port=settings.port,
        show_error=False,  # only gr.Error messages reach a page: an unexpected exception's text stays in the log
        theme=theme(),
        css_paths=[STATIC / "app.css"],
        head=head(),
        head_paths=[STATIC / "embed.html"],  # ?embed=1: the chat alone, for an <iframe>
        footer_links=["api"],
        share=False,
        quiet=True,
        max_file_size=int(settings.max_file_mb * 1024 * 1024),
    )  # bigger uploads are refused unread
    options.update(overrides)
    return options


def _login_box(settings: Settings):
    with gr.Accordion("管理员登录（上传文件、重建索引、答案评审）", open=False, elem_id="pa-login"):
        if not settings.admin_enabled:
            gr.Markdown(ADMIN_DISABLED)
        with gr.Row():
            user = gr.Textbox(label="用户名", interactive=settings.admin_enabled, min_width=120)
            password = gr.Textbox(label="密码", type="password", interactive=settings.admin_enabled, min_width=120)
        with gr.Row():
            login = gr.Button("登录", variant="primary", size="sm", interactive=settings.admin_enabled)
            logout = gr.Button("退出", size="sm", interactive=settings.admin_enabled)
        login_status = gr.Markdown("", elem_id="pa-login-status")
    return user, password, login, logout, login_status


def build_app(
    assistant: Assistant, repo: Repository, tools: review_tab.ReviewTools, workdir: Path | None = None
) -> gr.Blocks:
    """The four-tab app, queued. `repo` stores the answer log, feedback and ratings; `workdir` holds files
    offered for download (drafts, exports, charts), by default a folder in the system temp dir."""
    settings = assistant.settings
    workdir = workdir or Path(tempfile.gettempdir()) / "policy-assistant-ui"
    gradio_sessions.install()  # a new session's first event builds no configs of blocks it does not touch
    guard = LoginGuard(settings.login_max_failures, settings.login_lockout_s)
    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=(3600, 86400)) as app:
        authed = gr.State(False)
        with gr.Row(elem_id="pa-header", equal_height=False):
            with gr.Column(scale=3, min_width=320):
                gr.Markdown(INTRO, elem_id="pa-intro")
            with gr.Column(scale=2, min_width=280):
                user, password, login, logout, login_status = _login_box(settings)
        with gr.Tabs():
            with gr.Tab("政策问答", id="chat", elem_id="pa-tab-chat"):
                chat_tab.build(assistant, repo, workdir)
            with gr.Tab("答复起草", id="draft", elem_id="pa-tab-draft"):
                drafts = draft_tab.build(assistant, workdir / "drafts", repo)
            with gr.Tab("政策文件", id="docs", elem_id="pa-tab-docs"):
                doc_table, doc_select, load_documents, upload_area = docs_tab.build(assistant, authed, workdir)
            with gr.Tab("答案评审", id="review", elem_id="pa-tab-review"):
                review = review_tab.build(assistant, repo, authed, workdir, tools)
        _wire_login(settings, guard, authed, (user, password, login, logout, login_status), review, upload_area)
        app.load(load_documents, outputs=[doc_table, doc_select], api_name="load_documents", api_visibility="private")
        app.load(drafts[0], inputs=drafts[1], outputs=drafts[2], api_visibility="private")
    return queued(app, settings)


def queued(app: gr.Blocks, settings: Settings) -> gr.Blocks:
    """The app's queue. Gradio's queue recomputes its monitoring summary (a pandas table of up to 10,000 past
    events) after every event by default, in the answer's path: here once per `ui_monitoring_events` events, over
    as many, unless the GRADIO_ANALYTICS_* variables say otherwise. Queue positions go to waiting pages once per
    `ui_status_interval_s`, not to all of them whenever an event starts."""
    every = str(settings.ui_monitoring_events)
    os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", every)
    os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", every)
    return app.queue(
        default_concurrency_limit=settings.ui_concurrency, status_update_rate=settings.ui_status_interval_s
    )


def _wire_login(
    settings: Settings, guard: LoginGuard, authed: gr.State, box: tuple, review: review_tab.AfterLogin, upload_area
) -> None:
    """Login and logout; then the admin areas, the answer list and the eval runs follow the login state. A client
    that fails too often in a row is locked out for a while (`guard`), right password or not."""
    user, password, login, logout, login_status = box

    def do_login(name: str, secret: str, request: gr.Request):
        if not settings.admin_enabled:
            return False, ADMIN_DISABLED, ""
        client = request.client.host if request is not None and request.client is not None else "unknown"
        return (*log_in(settings, guard, client, name, secret), "")

    def do_logout():
        return False, "已退出管理员登录。", ""

    areas = [review.area, upload_area]
    logged_in = gr.on(
        [login.click, password.submit], do_login, [user, password], [authed, login_status, password], api_name="login"
    )
    logged_out = logout.click(do_logout, outputs=[authed, login_status, password], api_name="logout")
    for event, suffix in ((logged_in, "login"), (logged_out, "logout")):
        event.then(
            review.list_answers,
            inputs=review.list_inputs,
            outputs=review.list_outputs,
            api_name=f"list_after_{suffix}",
            api_visibility="private",
        ).then(show_admin(areas), [authed], [c for a in areas for c in a.outputs()], api_visibility="private").then(
            review.list_runs, [authed], [review.runs], api_visibility="private"
        )


def launch(assistant: Assistant, settings: Settings, tools: review_tab.ReviewTools) -> None:
    """Serve on settings.host/port until interrupted; answers older than the retention period are purged
    at start and every few hours while the app runs."""
    repo = Repository(settings.db_url)
    purger = None
    try:
        purger = Purger(repo, settings.log_retention_days).start()
        options = launch_options(settings, app_kwargs=api.app_kwargs(assistant, repo, settings))  # the HTTP API
        app = build_app(assistant, repo, tools)
        app.launch(**options, prevent_thread_lock=True)
        gc.freeze()  # what start-up made stays: the collector's full passes (100+ ms, every answer waits) skip it
        app.block_thread()
    finally:
        if purger is not None:
            purger.stop()
        repo.close()
