"""Answer → Markdown for the chat, with sources under the answer."""

from __future__ import annotations

import html

from assistant.records import Answer


def render_answer(answer: Answer) -> str:
    parts = [html.escape(answer.answer).replace("\n", "  \n")]
    if answer.citations:
        parts.append("\n\n**来源**")
        for c in answer.citations:
            page = f"，第{c.chunk.page}页" if c.chunk.page else ""
            parts.append(
                f"\n<details><summary>[{c.marker}] {html.escape(c.document.citation_title)} "
                f"{html.escape(c.chunk.section)}{page}</summary>\n\n{html.escape(c.chunk.text)}\n</details>"
            )
    return "".join(parts)
