"""Domain errors as the page shows them: the one place the UI translates them (`gr.Error`, one Chinese line).

A database failure reaches an admin as StorageError's one line; its SQL, parameters and driver message stay in
the server log. Chat users see at most RECORDS_UNAVAILABLE.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from contextlib import contextmanager

import gradio as gr

from assistant.core.errors import PolicyAssistantError

RECORDS_UNAVAILABLE = "反馈/记录暂不可用"


def page_error(message: str) -> gr.Error:
    """gr.Error renders its message as HTML: whatever text it carries (a file name, a reason) is escaped."""
    return gr.Error(html.escape(message, quote=False))


@contextmanager
def shown_in_page() -> Iterator[None]:
    try:
        yield
    except PolicyAssistantError as exc:
        raise page_error(str(exc)) from exc
