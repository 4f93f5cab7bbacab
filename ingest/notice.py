"""Pure functions: the facts of a notice's frame (主送, the notice's request, 附件) and of its 版记 (抄送, the
office that printed it and the day), read from the usual layout of a Chinese government notice."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.core.text import DATE

ADDRESSEE = re.compile(r"^[^。；;]{2,120}[：:]$")  # "有关单位：", "各省、自治区…，有关行业协会："
NOT_ADDRESSEE = re.compile(r"^(?:附件|抄送|发布时间|来源|解读)")
REQUEST = re.compile(r"请[^。]{2,40}[。]?$|请[^。]{2,40}。")  # "…印发给你们，请认真组织实施。"
ATTACHMENT = re.compile(r"附件[:：]\s*(.+)")
ATTACHMENT_ITEM = re.compile(r"^\s*(?:\d{1,2}[.．、]|[（(]\d{1,2}[）)])\s*(.+)")
COPIED = re.compile(r"抄送[:：]\s*([^。\n]+)")
PRINTED = re.compile(rf"([\u4e00-\u9fff]{{2,40}}?)\s*{DATE.pattern}\s*印发")
LIST_SEPARATOR = re.compile(r"[、，,；;]")


@dataclass(frozen=True)
class NoticeFacts:
    recipients: str | None = None  # the 主送 line without its colon
    request: str | None = None  # what the notice asks of its recipients, its own sentence
    attachments: tuple[str, ...] = ()
    copied: tuple[str, ...] = ()
    printer: str | None = None  # the office that printed the notice (印发机关)
    printed: str | None = None  # ISO date it was printed (印发日期)


def notice_facts(header: str, trailer: str = "") -> NoticeFacts:
    """The facts of a notice's header (its opening lines up to the signature) and 版记 (抄送, 印发)."""
    lines = [line.strip() for line in header.splitlines() if line.strip()]
    recipients = next((ln for ln in lines if ADDRESSEE.match(ln) and not NOT_ADDRESSEE.match(ln)), None)
    body = lines[lines.index(recipients) + 1 :] if recipients else lines
    request = next((ln for ln in body if REQUEST.search(ln)), None)
    copied = COPIED.search(trailer)
    printed = PRINTED.search(trailer)
    return NoticeFacts(
        recipients=recipients.rstrip("：:") if recipients else None,
        request=request,
        attachments=_attachments(lines),
        copied=tuple(p.strip() for p in LIST_SEPARATOR.split(copied.group(1)) if p.strip()) if copied else (),
        printer=printed.group(1) if printed else None,
        printed="{}-{:02d}-{:02d}".format(*map(int, printed.groups()[1:])) if printed else None,
    )


def _attachments(lines: list[str]) -> tuple[str, ...]:
    """The titles after "附件：", one per numbered line when there are several."""
    at = next((i for i, ln in enumerate(lines) if ATTACHMENT.match(ln)), None)
    if at is None:
        return ()
    first = ATTACHMENT.match(lines[at])
    items = [first.group(1).strip()] if first else []
    for line in lines[at + 1 :]:
        item = ATTACHMENT_ITEM.match(line)
        if not item:
            break
        items.append(item.group(1).strip())
    return tuple(ATTACHMENT_ITEM.sub(r"\1", i).strip() for i in items)
