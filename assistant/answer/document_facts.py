"""Answers about the documents themselves (文号, issuers, dates, 主送, 抄送, 附件, the notice's request), from
their metadata and the facts of their notice and 版记 (ingest/notice.py), and verdicts on a claim of one."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from assistant.answer.asks import ACTING, CN_DATE, NOT_ISSUERS, TAG_QUESTION
from assistant.answer.candidates import Candidate, DocumentFact
from assistant.answer.followup import Resolved
from assistant.answer.rule_files import resource_rows, word_pattern
from assistant.core.figures import Figure, Kind, figures
from assistant.core.records import Chunk, Document
from assistant.core.text import DOC_NUMBER
from assistant.index.snapshot import Snapshot
from ingest.notice import notice_facts

META_INTENTS = {name: re.compile(pattern) for name, pattern in resource_rows("doc_facts.txt")}
CLAIM = word_pattern("document_facts.claim")
ISSUED = word_pattern("document_facts.issued")
ORGAN = re.compile(
    r"(?:^|[是由有和与及了送跟同、，,])([\u4e00-\u9fff]{1,10}?(?:人民政府|政府|委员会|发展改革委|发改委|经信委|教委|科委|委|局|部|厅|办公室|办公厅))"
)
APPROVES = word_pattern("document_facts.approves")
CLAIMED_TITLE = word_pattern("document_facts.claimed_title")
COUNTED = re.compile(r"[一二两三四五六七八九十几\d]+个")  # "两个部门" counts bodies, it names none
MONTH_DAY = re.compile(r"(?<![\d年-])(\d{1,2})月(\d{1,2})日")  # a date without its year
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
BODIES = word_pattern("document_facts.bodies")
OFFICE = ("办公室", "办公厅")
PART_LINE = word_pattern("document_facts.part_line")


def asked_facts(question: str, parts: frozenset[str]) -> list[str]:
    """The document facts a question asks for or puts to the check, in the order of the fact list."""
    taken = question
    asked = []
    for name, pattern in META_INTENTS.items():
        if pattern.search(taken):
            asked.append(name)
            taken = pattern.sub(" ", taken)
    if NOT_ISSUERS.search(question) or (ACTING.search(question) and not ISSUED.search(question)):
        asked = [i for i in asked if i != "issuers"]
    if claims(question) and ISSUED.search(question) and not asked:  # the claim is the question's only ask
        kinds = {f.kind for f in figures(question)}
        dated = Kind.DATE in kinds or bool(MONTH_DAY.search(question))
        proposed = {"signed": dated, "number": Kind.DOC_NUMBER in kinds, "issuers": bool(organs(question))}
        proposed["printed"] = proposed["signed"] and "印发" in question
        asked += [name for name, said in proposed.items() if said and name not in asked]
    if any(p in question for p in parts) and not re.search(r"落款|印发|成文|联合", question):
        # a part's own date and source ("解读…发布时间：…来源：…") are a line of it, not the notice's facts
        own = [i for i in asked if i not in ("signed", "issuers")]
        asked = own + ["part"] if len(own) < len(asked) else own
    return asked


def claimed_text(question: str) -> str:
    """The words of a question that ask for a document fact or claim one (bodies, dates, 文号)."""
    asked = [m.group(0) for p in META_INTENTS.values() for m in p.finditer(question)]
    numbers = [m.group(0) for m in DOC_NUMBER.finditer(question)]
    return " ".join(asked + organs(question) + numbers + [f.text for f in figures(question)])


def claims(question: str) -> bool:
    return bool(TAG_QUESTION.search(question) or CLAIM.search(question))


def organs(question: str) -> list[str]:
    """The bodies a question names ("市发改委", "工信部", "上海经信委办公室")."""
    return [
        core
        for m in ORGAN.finditer(question)
        if (core := re.split(r"[是由有和与及的里了为给在跟同]", m.group(1))[-1])
        and not APPROVES.match(question, m.end())
        and not COUNTED.match(core)
    ]


def document_facts(
    snapshot: Snapshot,
    question: str,
    resolved: Resolved,
    match: Callable[[dict[str, float], str], float],
    parts: frozenset[str],
    boost: float,
) -> list[Candidate]:
    """The document facts the question asks for, each a candidate sentence citing the notice or the 版记."""
    asked = asked_facts(question, parts) or (asked_facts(resolved.question, parts) if resolved.followup else [])
    if not asked:  # a follow-up ("那上海的呢，也是两个部门吗？") asks what the question before asked
        return []
    documents = [
        d for d in snapshot.documents.values() if not resolved.jurisdiction or d.jurisdiction == resolved.jurisdiction
    ]
    out = []
    for doc in named_exactly(question, documents) or documents:
        header = snapshot.headers.get(doc.doc_id)
        if header is None:
            continue
        trailer = snapshot.trailers.get(doc.doc_id)
        about = f"{doc.title} {doc.place}"
        for rank, name in enumerate(asked):
            stated = _part_line(snapshot, doc, parts, question) if name == "part" else _fact(name, doc, header, trailer)
            if stated is None and name == "printed":  # no 版记 indexed: the date the notice itself bears
                stated = _fact("signed", doc, header, trailer)
            if stated is not None:
                text, source, fact = stated
                score = boost * match(resolved.terms, text + about) - rank * 0.01
                out.append(Candidate(text, source, doc, score, rank, meta=True, fact=fact))
    return out


def _part_line(
    snapshot: Snapshot, doc: Document, parts: frozenset[str], question: str
) -> tuple[str, Chunk, DocumentFact] | None:
    """The line a part of `doc` the question names opens with, giving its date and source ("发布时间：…来源：…")."""
    named = {(p,) for p in parts if p in question}
    for chunk in snapshot.children(doc.doc_id, ()):  # a part's own chunk heads it: its path is the part's name
        line = PART_LINE.search(chunk.text) if chunk.path in named else None
        if line:
            return line.group(0).strip(), chunk, DocumentFact("part", (line.group(0).strip(),))
    return None


def named_exactly(question: str, documents: Sequence[Document]) -> list[Document]:
    """The documents a question names by their 文号 or their whole title."""
    compact = re.sub(r"\s+", "", question)
    return [d for d in documents if d.doc_number and d.doc_number in compact or d.title in compact]


def _fact(name: str, doc: Document, header: Chunk, trailer: Chunk | None) -> tuple[str, Chunk, DocumentFact] | None:
    """The sentence that states one fact of `doc`, the chunk it cites and the fact's values; None when the
    indexed text does not state it."""
    notice = notice_facts(header.text, trailer.text if trailer else "")
    title = f"《{doc.title}》"
    joined = "、".join(doc.issuers)
    stated: dict[str, tuple[str | None, Chunk | None, tuple[str, ...]]] = {
        "number": (f"{title}的文号为{doc.doc_number}。" if doc.doc_number else None, header, (doc.doc_number or "",)),
        "issuers": (
            f"{title}由{joined}{'联合' if len(doc.issuers) > 1 else ''}印发。" if joined else None,
            header,
            doc.issuers,
        ),
        "signed": (
            f"{title}的成文日期（落款日期）为{_cn(doc.date)}。" if doc.date else None,
            header,
            (doc.date or "",),
        ),
        "printed": (
            f"印发机关为{notice.printer}，印发日期为{_cn(notice.printed)}。" if notice.printed else None,
            trailer,
            (notice.printer or "", notice.printed or ""),
        ),
        "recipients": (
            f"{title}的印发通知主送{notice.recipients}。" if notice.recipients else None,
            header,
            (notice.recipients or "",),
        ),
        "request": (notice.request, header, (notice.request or "",)),
        "copied": (f"抄送：{'、'.join(notice.copied)}。" if notice.copied else None, trailer, notice.copied),
        "attachment": (
            f"附件：{'；'.join(notice.attachments)}" if notice.attachments else None,
            header,
            notice.attachments,
        ),
    }
    text, source, values = stated[name]
    return (text, source, DocumentFact(name, values)) if text and source is not None else None


def _cn(iso: str | None) -> str:
    return CN_DATE.format(*map(int, (iso or "0-0-0").split("-")))


def fact_verdict(question: str, facts: Sequence[DocumentFact]) -> bool | None:
    """Whether the claim a question makes about a document (its 文号, a date, the bodies that issued it, the
    units on its 抄送 list) is what the document says; None when it claims none of the facts at hand."""
    by_name = {f.name: f for f in facts}
    proposed = figures(question)
    outcomes = [
        _same_date([p for p in proposed if p.kind is Kind.DATE], question, by_name),
        _same_number([p for p in proposed if p.kind is Kind.DOC_NUMBER], by_name),
        _same_organs(organs(question), question, by_name),
        _same_attachment(question, by_name),
        _same_count([p for p in proposed if p.kind is Kind.COUNT], question, by_name),
    ]
    said = [o for o in outcomes if o is not None]
    return all(said) if said else None


def _same_date(dates: list[Figure], question: str, facts: dict[str, DocumentFact]) -> bool | None:
    """A date claimed against the printing date when the claim says 印发 and the 版记 gives one, else the date
    the notice bears; "5月30日" without its year against the month and day."""
    printed = facts.get("printed")
    fact = printed if printed and "印发" in question else facts.get("signed")
    days = [(int(m), int(d)) for m, d in MONTH_DAY.findall(question)]
    if not (dates or days) or fact is None:
        return None
    own = [tuple(map(int, v.split("-")[1:])) for v in fact.values if ISO_DATE.fullmatch(v)]
    return all(d.value in fact.values for d in dates) and all(day in own for day in days)


def _same_number(numbers: list[Figure], facts: dict[str, DocumentFact]) -> bool | None:
    fact = facts.get("number")
    if not numbers or fact is None:
        return None
    own = [f.value for v in fact.values if DOC_NUMBER.search(v) for f in figures(v)]
    return all(n.value in own for n in numbers)


def _same_organs(named: list[str], question: str, facts: dict[str, DocumentFact]) -> bool | None:
    """Every body named is among those of the fact asked about (an abbreviation matches when its characters
    appear in order in the full name: 市教委 ~ 上海市教育委员会)."""
    listed = next((n for n in ("copied", "recipients") if n in facts), None)
    if listed:  # "抄送里有市应急局吗": the bodies named after the words that ask for the list
        found = META_INTENTS[listed].search(question)
        named = organs(question[found.end() :]) if found else named
    names = (listed,) if listed else ("issuers", "printed")
    pool = [v for n in names if n in facts for v in facts[n].values]
    if not named or not pool:
        return None
    offices = [v for v in pool if v.endswith(OFFICE)]
    return all(any(_subsequence(n, v) for v in (offices or pool if n.endswith(OFFICE) else pool)) for n in named)


def _same_count(counts: list[Figure], question: str, facts: dict[str, DocumentFact]) -> bool | None:
    """ "是两个部门联合发的吗？": how many bodies issued it."""
    fact = facts.get("issuers")
    if not counts or fact is None or not BODIES.search(question):
        return None
    return all(c.value == len(fact.values) for c in counts)


def _same_attachment(question: str, facts: dict[str, DocumentFact]) -> bool | None:
    """ "附件是实施细则吗？": the title claimed against the notice's attachments."""
    fact = facts.get("attachment")
    found = META_INTENTS["attachment"].search(question)
    if fact is None or found is None:
        return None
    claimed = CLAIMED_TITLE.match(question, found.end())
    title = claimed.group(1).strip("《》〈〉") if claimed else ""
    return any(_subsequence(title, v) for v in fact.values) if len(title) > 1 else None


def _subsequence(short: str, long: str) -> bool:
    chars = iter(long)
    return all(c in chars for c in short)
