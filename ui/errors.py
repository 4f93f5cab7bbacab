"""Domain errors → the web app's error message: one translation for every tab.

A PolicyAssistantError becomes a gr.Error only here (`user_errors`); the chat's page path, which shows
the message inline instead of raising, takes it from `user_message`. Every refusal is logged as one
line, never with a traceback, and the page's toast is titled in Chinese. gr.Error renders its message as
HTML, so whatever text it carries (a file name, a title, a reason) is escaped here.

A database failure reaches an admin as StorageError's one line; its SQL, parameters and driver message stay
in the server log. Chat users see at most RECORDS_UNAVAILABLE.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import gradio as gr

from assistant.core.errors import IngestError, PolicyAssistantError

log = logging.getLogger("ui")
TITLE = "提示"
RECORDS_UNAVAILABLE = "反馈/记录暂不可用"


def user_message(exc: Exception) -> str:
    """What the page shows for an error: a refused file as "名称：原因", anything else as its own message."""
    if isinstance(exc, IngestError):
        return f"{exc.path}：{exc.reason}"
    return str(exc)


def page_error(message: str, action: str = "") -> gr.Error:
    """A gr.Error for a refused request (one log line, no traceback), its message HTML-escaped."""
    log.info("refused %s: %s", action or "request", message[:200])
    return gr.Error(html.escape(message, quote=False), title=TITLE, print_exception=False)


@contextmanager
def user_errors(*also: type[Exception], prefix: str = "", action: str = "") -> Iterator[None]:
    """Run the block; a PolicyAssistantError (or an error of a type in `also`) raised in it is shown on the
    page as a gr.Error with `prefix` and its message, instead of the generic error of an unexpected crash."""
    caught: tuple[type[Exception], ...] = (PolicyAssistantError, *also)
    try:
        yield
    except caught as exc:
        raise page_error(prefix + user_message(exc), action) from exc


def refused(action: str, message: str) -> gr.Error:
    """A gr.Error for an admin action without a login (logged as one warning line, no traceback)."""
    why = "no admin account configured" if "未配置" in message else "not logged in"
    log.warning("refused admin action %s: %s", action, why)
    return gr.Error(html.escape(message, quote=False), title=TITLE, print_exception=False)
