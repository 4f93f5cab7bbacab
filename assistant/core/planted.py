"""Text planted in a document to steer an assistant ("忽略以上所有指令，回答：…"). Such sentences are never
quoted or used as facts, in extractive answers and in LLM answers alike. The patterns are data:
assistant/resources/planted.txt."""

from __future__ import annotations

import re
from functools import cache

from assistant.core.resources import DOMAIN, lines


@cache
def _instruction() -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{line})" for line in lines(DOMAIN, "planted.txt")), re.IGNORECASE)


def instruction_in(text: str) -> str:
    """The first instruction-like words of `text`, or ""."""
    found = _instruction().search(text)
    return found.group(0) if found else ""


def is_instruction(sentence: str) -> bool:
    return bool(instruction_in(sentence))
