"""The one place where the web app turns a refusal into a Gradio error.

Every handler raises through `user_error` (a PolicyAssistantError or a plain Chinese message) or
`refused` (an admin action without a login): the page gets a Chinese toast titled 提示, API callers
get the message as the error text, and the server log gets one line, never a traceback.
"""

from __future__ import annotations

import logging

import gradio as gr

from assistant.core.errors import IngestError, PolicyAssistantError

log = logging.getLogger("ui")
TITLE = "提示"


def message_of(error: PolicyAssistantError | str) -> str:
    """The Chinese message of a refusal; an IngestError names its file."""
    if isinstance(error, IngestError):
        return f"{error.path}：{error.reason}"
    return str(error)


def user_error(error: PolicyAssistantError | str, action: str = "") -> gr.Error:
    """A gr.Error to raise for a refused input or a failed action, logged as one line."""
    message = message_of(error)
    log.info("refused %s: %s", action or "request", message[:200])
    return gr.Error(message, title=TITLE, print_exception=False)


def refused(action: str, message: str) -> gr.Error:
    """A gr.Error for an admin action without a login (logged as one warning line, no traceback)."""
    log.warning(
        "refused admin action %s: %s", action, "no admin account configured" if "未配置" in message else "not logged in"
    )
    return gr.Error(message, title=TITLE, print_exception=False)
