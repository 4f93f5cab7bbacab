"""The answer when the documents do not provide for what is asked: what is missing, the nearest clauses, the
nearest rule labelled as such, and the body to contact. Wording lives in assistant/templates."""

from __future__ import annotations

from assistant.answer.candidates import Composition, clause_label
from assistant.core.records import Citation, Document, Hit
from assistant.core.resources import template

LOCAL_AUTHORITY = "当地工业和信息化主管部门"


def refusal(documents: list[Document], topic: str, related: list[Hit], other_place: bool, nearest: str) -> Composition:
    titles = "、".join(f"《{d.title}》" for d in documents)
    parts = [
        template("refusal.txt").format(topic=topic, scope=template("scope.txt").format(titles=titles).strip()).strip()
    ]
    citations = [Citation(i, h.chunk, h.document) for i, h in enumerate(related, 1)]
    if related and not other_place:
        listed = "；".join(f"[{c.marker}]《{c.document.title}》{clause_label(c.chunk)}" for c in citations)
        parts.append(template("refusal_related.txt").format(related=listed).strip())
        if nearest:
            parts.append(template("refusal_nearest.txt").format(sentence=nearest).strip())
    else:
        citations = []
    contact = (
        LOCAL_AUTHORITY if other_place or not related else "、".join(related[0].document.issuers[:1]) or "发文单位"
    )
    parts.append(template("refusal_contact.txt").format(contact=contact).strip())
    return Composition("\n".join(parts), True, citations, topic=topic, other_place=other_place)
