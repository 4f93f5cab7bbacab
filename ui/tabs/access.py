"""Admin-only parts of the page: a login prompt in their place until an admin logs in, and the server-side check.

The login flag is server-side session state (gr.State), never a parameter a caller can set; every admin
handler checks it (`require_admin`) whether or not its controls are on screen.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from assistant.core.settings import Settings
from assistant.service import Assistant
from ui.errors import refused

ADMIN_REQUIRED = "该操作需要管理员权限，请先在页面右上角“管理员登录”中登录。"
ADMIN_DISABLED = (
    "⚠️ 未配置管理员账号（环境变量 PA_ADMIN_USER / PA_ADMIN_PASSWORD），上传文件、重建索引和答案评审功能已停用。"
)


def login_prompt(what: str) -> str:
    return f"{what}仅供管理员使用，请先在页面右上角“管理员登录”中登录。"


def require_admin(assistant: Assistant, authed: bool, action: str) -> None:
    """Raise (one log line, no traceback) unless an admin is logged in."""
    if not assistant.settings.admin_enabled:
        raise refused(action, ADMIN_DISABLED)
    if not authed:
        raise refused(action, ADMIN_REQUIRED)


@dataclass
class AdminArea:
    """A prompt shown to everyone else, and the admin's controls, hidden until a login."""

    prompt: gr.Markdown
    controls: gr.Column

    def outputs(self) -> list:
        return [self.prompt, self.controls]


def admin_area(settings: Settings, what: str) -> AdminArea:
    """Create the prompt and an empty hidden column; build the admin controls inside `area.controls`."""
    text = login_prompt(what) if settings.admin_enabled else ADMIN_DISABLED
    prompt = gr.Markdown(text, elem_classes=["pa-login-prompt"])
    return AdminArea(prompt, gr.Column(visible=False, elem_classes=["pa-admin-area"]))


def show_admin(areas: list[AdminArea]):
    """A handler for after login/logout: (authed) → visibility of every area's prompt and controls."""

    def show(authed: bool):
        updates = []
        for _ in areas:
            updates += [gr.Markdown(visible=not authed), gr.Column(visible=bool(authed))]
        return updates

    return show
