"""Domain errors as the page shows them: the one place the UI translates them (`gr.Error`, one Chinese line).

A database failure reaches an admin as StorageError's one line; its SQL, parameters and driver message stay in
the server log. Chat users see at most RECORDS_UNAVAILABLE.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import gradio as gr

from assistant.core.errors import PolicyAssistantError

RECORDS_UNAVAILABLE = "反馈/记录暂不可用"


@contextmanager
def shown_in_page() -> Iterator[None]:
    try:
        yield
    except PolicyAssistantError as exc:
        raise gr.Error(str(exc)) from exc
