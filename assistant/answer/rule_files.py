"""The rule files of the answer stage (assistant/resources): rows, word lists and named word patterns."""

from __future__ import annotations

import re
from functools import cache

from assistant.core import resources


def _lines(name: str) -> list[str]:
    return [line.strip() for line in resources.lines(resources.DOMAIN, name)]


def resource_rows(name: str) -> list[list[str]]:
    """The " | "-separated rows of a resource file, without comments."""
    return [[part.strip() for part in line.split(" | ")] for line in _lines(name)]


def resource_words(name: str, lines: bool = False) -> list[str]:
    """The lines (or the whitespace-separated words) of a resource file, without comments."""
    rows = _lines(name)
    return rows if lines else [w for line in rows for w in line.split()]


@cache
def _patterns() -> dict[str, re.Pattern[str]]:
    return {name: re.compile(rx) for name, rx in resource_rows("patterns.txt")}


def word_pattern(name: str) -> re.Pattern[str]:
    """A named pattern of patterns.txt ("asks.date_ask"): the words a question or a clause is read by."""
    return _patterns()[name]
