"""Domain errors → the web app's error message: one translation for every tab."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import gradio as gr

from assistant.core.errors import IngestError, PolicyAssistantError


def user_message(exc: Exception) -> str:
    """What the page shows for an error: a refused file as "名称：原因", anything else as its own message."""
    if isinstance(exc, IngestError):
        return f"{exc.path}：{exc.reason}"
    return str(exc)


@contextmanager
def user_errors(*also: type[Exception], prefix: str = "") -> Iterator[None]:
    """Run the block; a PolicyAssistantError (or an error of a type in `also`) raised in it is shown on the
    page as a gr.Error with `prefix` and its message, instead of the generic error of an unexpected crash."""
    caught: tuple[type[Exception], ...] = (PolicyAssistantError, *also)
    try:
        yield
    except caught as exc:
        raise gr.Error(prefix + user_message(exc)) from exc
