#!/usr/bin/env python3
"""Validate evals/sets/dataset.jsonl against the source texts (stdlib and assistant.core.text only); exit 1 on any
problem.
Usage: python3 evals/check_dataset.py [path/to/dataset.jsonl]"""

import json
import sys
from collections import Counter
from pathlib import Path

from evals.item_types import TYPES

try:
    from assistant.core.text import norm
except ModuleNotFoundError:  # run as a file from a checkout in which the project is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from assistant.core.text import norm

HERE = Path(__file__).resolve()
SRC_DIR = HERE.parent / "sets" / "source-text"
DATASET = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parent / "sets" / "dataset.jsonl"
DOC_FILES = {
    "沪经信技〔2025〕365号": "shanghai-pilot-platform-plan-2025.txt",
    "工信部联科〔2024〕11号": "national-manufacturing-pilot-opinions-2024.txt",
}
KEYS = {"id": str, "question": str, "answerable": bool, "gold_evidence": list, "key_facts": list, "type": str}
MIN_TOTAL, MIN_UNANS_SHARE, MIN_MULTI = 110, 0.15, 10


def check_item(it, docs, errs):
    iid = it.get("id", "?")

    def err(msg):
        errs.append(f"{iid}: {msg}")

    for k, t in KEYS.items():
        if not isinstance(it.get(k), t):
            return err(f"field {k!r} missing or not {t.__name__}")
    _check_shape(it, err)
    _check_history(it, err)
    if it["type"] == "unanswerable" or not it["answerable"]:
        return _check_unanswerable(it, err)
    doc = it.get("gold_doc")
    if doc not in docs:
        return err(f"bad gold_doc {doc!r}")
    texts = list(docs.values()) if it["type"] == "cross-doc" else [docs[doc]]
    _check_evidence(it["gold_evidence"], texts, err)
    _check_key_facts(it["key_facts"], texts, err)


def _check_shape(it, err):
    extra = set(it) - set(KEYS) - {"history", "gold_doc"}
    if extra:
        err(f"unexpected fields {sorted(extra)}")
    if not it["question"].strip():
        err("empty question")
    if it["type"] not in TYPES:
        err(f"bad type {it['type']!r}")


def _check_history(it, err):
    hist = it.get("history", [])
    if not isinstance(hist, list) or any(
        not isinstance(h, dict)
        or h.get("role") not in ("user", "assistant")
        or not isinstance(h.get("content"), str)
        or not h["content"].strip()
        for h in hist
    ):
        err("bad history")
    elif it["type"] == "multi-turn":
        if len(hist) not in (2, 4) or [h["role"] for h in hist] != ["user", "assistant"] * (len(hist) // 2):
            err("multi-turn history must be 1-2 user/assistant pairs")
    elif hist:
        err("history only allowed for multi-turn items")


def _check_unanswerable(it, err):
    if it["type"] != "unanswerable" or it["answerable"]:
        err("answerable=false <=> type unanswerable")
    if it["gold_evidence"] or it["key_facts"] or it.get("gold_doc") is not None:
        err("unanswerable items need [] evidence, [] key_facts, gold_doc null")


def _check_evidence(ev, texts, err):
    if not 1 <= len(ev) <= 3:
        err("gold_evidence must have 1-3 phrases")
    for e in ev:
        if not isinstance(e, str) or not 8 <= len(norm(e)) <= 25:
            err(f"evidence length not 8-25: {e!r}")
        elif not any(norm(e) in t for t in texts):
            err(f"evidence not in source: {e!r}")


def _check_key_facts(kf, texts, err):
    if not 1 <= len(kf) <= 2:
        err("key_facts must have 1-2 groups")
    for g in kf:
        if not isinstance(g, list) or not g or not all(isinstance(a, str) and a for a in g):
            err(f"bad key_fact group {g!r}")
        elif not any(norm(a) in t for a in g for t in texts):
            err(f"key_fact group not in source: {g!r}")


def _load_docs():
    docs = {}
    for doc, fn in DOC_FILES.items():
        p = SRC_DIR / fn
        if not p.is_file():
            sys.exit(f"missing source text {p}")
        docs[doc] = norm(p.read_text(encoding="utf-8"))
    return docs


def _read_items(docs, errs):
    items, seen = [], set()
    for n, line in enumerate(DATASET.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            it = json.loads(line)
            assert isinstance(it, dict)
        except (json.JSONDecodeError, AssertionError):
            errs.append(f"line {n}: not a JSON object")
            continue
        if it.get("id") in seen:
            errs.append(f"line {n}: duplicate id {it.get('id')!r}")
        seen.add(it.get("id"))
        items.append(it)
        check_item(it, docs, errs)
    return items


def _check_counts(items, errs):
    counts = Counter(it.get("type") for it in items)
    for t in sorted(TYPES):
        print(f"{t:14s} {counts.get(t, 0):4d}")
        if not counts.get(t):
            errs.append(f"no items of type {t}")
    total = len(items)
    print(f"{'total':14s} {total:4d}  (unanswerable {counts['unanswerable'] / max(total, 1):.1%})")
    if total < MIN_TOTAL:
        errs.append(f"only {total} items (< {MIN_TOTAL})")
    if counts["unanswerable"] < MIN_UNANS_SHARE * total:
        errs.append("unanswerable share below 15%")
    if counts["multi-turn"] < MIN_MULTI:
        errs.append(f"fewer than {MIN_MULTI} multi-turn items")


def main():
    docs = _load_docs()
    errs: list[str] = []
    items = _read_items(docs, errs)
    _check_counts(items, errs)
    for e in errs:
        print("ERROR", e)
    print("FAIL" if errs else "OK", f"({len(errs)} problems)")
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
