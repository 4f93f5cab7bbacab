"""Text files shipped inside the packages: reply templates (assistant/templates), LLM prompts
(assistant/llm/prompts) and the domain lists of the lexical index and the answerer (assistant/resources)."""

from __future__ import annotations

from functools import cache
from importlib import resources

TEMPLATES = "assistant.templates"
PROMPTS = "assistant.llm.prompts"
DOMAIN = "assistant.resources"


@cache
def text(package: str, name: str) -> str:
    """The whole file `name` of `package` (a dotted package name)."""
    return resources.files(package).joinpath(name).read_text(encoding="utf-8")


def lines(package: str, name: str) -> list[str]:
    """The lines of the file that are neither blank nor comments (starting with #)."""
    return [line for line in text(package, name).splitlines() if line.strip() and not line.startswith("#")]


def template(name: str) -> str:
    return text(TEMPLATES, name)


def prompt(name: str) -> str:
    return text(PROMPTS, name)
