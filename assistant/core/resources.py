"""Reply templates and prompts live in files under assistant/templates and assistant/prompts."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def template(name: str) -> str:
    return resources.files("assistant.templates").joinpath(name).read_text(encoding="utf-8")


@cache
def prompt(name: str) -> str:
    return resources.files("assistant.llm.prompts").joinpath(name).read_text(encoding="utf-8")
