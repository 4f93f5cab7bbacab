"""Answers about the documents themselves, from their metadata, the notice and the 版记."""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.answer.asks import ATTACHMENT, CN_DATE, COPIED, META_INTENTS, NOT_ISSUERS, PRINTED
from assistant.answer.candidates import Candidate
from assistant.answer.followup import Resolved
from assistant.index.snapshot import Snapshot

META_BOOST = 2.0


def document_facts(
    snapshot: Snapshot,
    question: str,
    resolved: Resolved,
    match: Callable[[dict[str, float], str], float],
    parts: frozenset[str],
) -> list[Candidate]:
    """Facts about the documents themselves (文号, issuers, dates, recipients, 抄送, attachment) that the question
    asks for, each a candidate sentence citing the notice or the 版记."""
    intents = [name for name, pattern in META_INTENTS.items() if pattern.search(question)]
    if any(p in question for p in parts) and not re.search(r"落款|印发", question):
        intents = [i for i in intents if i != "date"]  # a part's own date ("解读…发布时间") is a sentence of it
    if NOT_ISSUERS.search(question):
        intents = [i for i in intents if i != "issuers"]
    if not intents:
        return []
    out = []
    for doc in snapshot.documents.values():
        if resolved.jurisdiction and doc.jurisdiction != resolved.jurisdiction:
            continue
        header = snapshot.headers.get(doc.doc_id)
        if header is None:
            continue
        trailer = snapshot.trailers.get(doc.doc_id)
        printed = PRINTED.search(trailer.text) if trailer and "印发" in question else None
        if trailer is not None and printed and "date" in intents:
            fact = printed.group(0).strip()
            out.append(
                Candidate(fact, trailer, doc, META_BOOST * match(resolved.terms, fact + doc.title), 9, meta=True)
            )
        about = f"{doc.title} {doc.place}"
        addressee = next((ln for ln in header.text.splitlines() if ln.endswith(("：", ":"))), None)
        joined = "、".join(doc.issuers)
        facts: dict[str, str | None] = {
            "recipients": addressee,
            "number": f"《{doc.title}》的文号为{doc.doc_number}。" if doc.doc_number else None,
            "issuers": f"《{doc.title}》由{joined}{'联合' if len(doc.issuers) > 1 else ''}印发。" if joined else None,
            "date": f"《{doc.title}》的落款日期为{CN_DATE.format(*map(int, doc.date.split('-')))}。"
            if doc.date
            else None,
            "copied": copied.group(0) if (copied := COPIED.search(trailer.text if trailer else "")) else None,
            "attachment": f"附件：{attached.group(1).strip()}"
            if (attached := ATTACHMENT.search(header.text))
            else None,
        }
        for rank, intent in enumerate(intents):
            stated = facts[intent]
            source = trailer if intent == "copied" else header
            if stated and source is not None:
                score = META_BOOST * match(resolved.terms, stated + about) - rank * 0.01
                out.append(Candidate(stated, source, doc, score, rank, meta=True))
    return out
