"""Export evaluator ratings as CSV (everything) and as JSONL in the evals/sets/dataset.jsonl schema.

Rules for the JSONL (a rated answer becomes a gold item only when the rating vouches for it):
- rated "correct" and the assistant refused → an unanswerable item (answerable false, type
  "unanswerable", empty evidence/key facts, gold_doc null);
- rated "correct" or "partial" and answered → answerable true; gold_evidence = up to 3 phrases
  (8–25 characters) cut from the cited clause texts around the answer's numbers; key_facts = up
  to 2 numbers with units found in both the answer and the cited text (else the first 8
  characters of an answer phrase quoted from a cited clause, which is then the evidence);
  gold_doc = the first citation's 文号; history = the last two question/answer pairs of the chat session;
  type "multi-turn" when there is history, else "numeric" with a number, else "definition";
- rated "wrong" or "citation-wrong" (and partial refusals) are left out: the logged answer and
  citations cannot serve as gold; they are in the CSV for an expert to write the gold item by hand.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from assistant.core.text import MARKER, MONTH_OR_DATE, YEAR_SERIAL, norm

CSV_COLUMNS = [
    "qa_id",
    "created_at",
    "session_id",
    "question",
    "answer",
    "refused",
    "rating",
    "note",
    "rated_at",
    "retriever",
    "jurisdiction",
    "citations",
]
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:%|％|亿元|万元|元|亿|万|倍|个月|年|个|家|项|次|人|天|日)?")
_UNITS = ("%", "％", "元", "亿", "万", "倍", "月", "年", "个", "家", "项", "次", "人", "天", "日")
EVIDENCE_MIN, EVIDENCE_MAX = 8, 25


def numbers_in(answer: str) -> list[str]:
    """Numbers with a unit (or of two or more digits) in the answer, without markers, 文号 and dates."""
    text = MONTH_OR_DATE.sub(" ", YEAR_SERIAL.sub(" ", MARKER.sub(" ", answer)))
    found: list[str] = []
    for match in _NUMBER.finditer(text):
        value = match.group(0)
        if (value.endswith(_UNITS) or len(value) >= 2) and value not in found:
            found.append(value)
    return found


_SEGMENT = re.compile(r"[^,.;:!?，。；：！？、\n]+")


def _window(text: str, needle: str) -> str | None:
    """A phrase of 8–25 characters of `text` containing `needle`: its clause between punctuation,
    widened by the neighbouring clauses when too short, cut around the needle when too long."""
    compact = norm(text)
    target = norm(needle)
    segments = [(m.start(), m.end()) for m in _SEGMENT.finditer(compact)]
    for i, (start, end) in enumerate(segments):
        pos = compact.find(target, start, end)
        if pos < 0:
            continue
        lo, hi = i, i
        while segments[hi][1] - segments[lo][0] < EVIDENCE_MIN and (lo > 0 or hi < len(segments) - 1):
            lo, hi = (lo - 1, hi) if lo > 0 else (lo, hi + 1)
        start, end = segments[lo][0], segments[hi][1]
        if end - start > EVIDENCE_MAX:
            start = max(start, min(pos - 12, end - EVIDENCE_MAX))
            end = min(end, start + EVIDENCE_MAX)
        phrase = compact[start:end]
        return phrase if len(phrase) >= EVIDENCE_MIN else None
    return None


def _answer_phrase(answer: str, cited: list[str]) -> str | None:
    """The first 20 characters of an answer sentence that are quoted verbatim from a cited clause."""
    for sentence in re.split(r"[。；\n]", MARKER.sub("", answer)):
        body = norm(sentence.split("：", 1)[-1])[:20]
        if len(body) >= EVIDENCE_MIN and any(body in norm(t) for t in cited):
            return body
    return None


def _first_phrase(text: str) -> str | None:
    for sentence in _SEGMENT.findall(norm(text)):
        if len(sentence) >= EVIDENCE_MIN:
            return sentence[:20]
    return None


def to_dataset_item(row: dict) -> dict | None:
    """One rated log record → a dataset item, or None when the rating does not allow it (see above)."""
    rating, refused = row["rating"], row["refused"]
    base = {"id": f"ui-{row['id']}", "question": row["question"], "history": (row.get("history") or [])[-4:]}
    if refused:
        if rating != "correct":
            return None
        return {
            **base,
            "answerable": False,
            "gold_evidence": [],
            "key_facts": [],
            "gold_doc": None,
            "type": "unanswerable",
        }
    if rating not in ("correct", "partial") or not row["citations"]:
        return None
    cited = [c.get("text", "") for c in row["citations"]]
    numbers = [n for n in numbers_in(row["answer"]) if any(norm(n) in norm(t) for t in cited)][:2]
    evidence: list[str] = []
    for n in numbers:
        phrase = next((w for t in cited if (w := _window(t, n))), None)
        if phrase and phrase not in evidence:
            evidence.append(phrase)
    key_facts = [[n] for n in numbers]
    if not evidence:
        phrase = _answer_phrase(row["answer"], cited)
        evidence = [phrase] if phrase else [p for p in (_first_phrase(t) for t in cited[:1]) if p]
        key_facts = [[phrase[:8]]] if phrase else []
    if base["history"]:
        kind = "multi-turn"
    else:
        kind = "numeric" if numbers else "definition"
    return {
        **base,
        "answerable": True,
        "gold_evidence": evidence[:3],
        "key_facts": key_facts,
        "gold_doc": row["citations"][0].get("doc_number"),
        "type": kind,
    }


def write_jsonl(rows: list[dict], path: Path) -> int:
    items = [item for item in (to_dataset_item(r) for r in rows) if item is not None]
    with open(path, "w", encoding="utf-8") as fh:
        for item in items:
            fh.write(json.dumps(item, ensure_ascii=False) + "\n")
    return len(items)


def write_csv(rows: list[dict], path: Path) -> int:
    """UTF-8 with a byte-order mark so that Excel opens the Chinese text correctly."""
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        for r in rows:
            citations = "; ".join(
                f"[{c.get('marker')}] {c.get('doc_number') or c.get('doc_title')} {c.get('section')}"
                for c in r["citations"]
            )
            writer.writerow(
                [
                    r["id"],
                    f"{r['created_at']:%Y-%m-%d %H:%M:%S}",
                    r["session_id"],
                    r["question"],
                    r["answer"],
                    int(r["refused"]),
                    r["rating"],
                    r["note"] or "",
                    f"{r['rated_at']:%Y-%m-%d %H:%M:%S}" if r.get("rated_at") else "",
                    r["settings"].get("retriever", ""),
                    r["settings"].get("jurisdiction") or "",
                    citations,
                ]
            )
    return len(rows)
