"""Run a gold dataset through the same `ask` path the app uses and write the report."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from tqdm import tqdm

from assistant.core.errors import ConfigError
from assistant.core.settings import Settings
from assistant.index.embeddings import make_embedder
from assistant.index.lexical import ChineseTokenizer
from assistant.llm.chat import ChatModel
from assistant.service import Assistant
from evals.item_types import TYPES
from evals.metrics import score_item, summarize
from evals.report import write_reports

log = logging.getLogger(__name__)
DEFAULT_DATASET = Path(__file__).resolve().parent / "sets" / "dataset.jsonl"
REQUIRED = {"id", "question", "answerable", "gold_evidence", "key_facts", "type"}


def load_dataset(path: Path) -> list[dict]:
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        item = json.loads(line)
        missing = REQUIRED - set(item)
        if missing:
            raise ValueError(f"{path}:{n}: missing fields {sorted(missing)}")
        items.append(item)
    return items


def ensure_index(settings: Settings, embedder, tokenizer) -> None:
    from assistant.index.build import ingest

    report = ingest(settings, embedder, tokenizer)
    if report.failed:
        log.warning("some files failed to ingest: %s", [d.path for d in report.failed])


def run_eval(
    settings: Settings,
    dataset: Path,
    out: Path,
    retriever: str = "hybrid",
    llm: bool = False,
    assistant: Assistant | None = None,
) -> dict:
    """Score every retriever asked for; with `llm`, also the first one with LLM answers ("hybrid+llm")."""
    items = load_dataset(dataset)
    retrievers = ["hybrid", "lexical", "dense"] if retriever == "all" else [retriever]
    runs = [(name, name, False) for name in retrievers]
    if llm:
        if not settings.llm_enabled:
            raise ConfigError("--llm needs LLM_BASE_URL and LLM_MODEL (or PA_LLM_BASE_URL/PA_LLM_MODEL)")
        runs.insert(1, (f"{retrievers[0]}+llm", retrievers[0], True))
    if assistant is None:
        tokenizer = ChineseTokenizer()
        embedder = make_embedder(settings)
        ensure_index(settings, embedder, tokenizer)
        assistant = Assistant(settings, embedder, tokenizer, chat=ChatModel(settings) if llm else None)
    out.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict] = {}
    for name, mode, use_llm in runs:
        preds, scores = [], []
        for item in tqdm(items, desc=f"eval {name}", leave=False):
            answer = assistant.ask(item["question"], item.get("history") or [], retriever=mode, llm=use_llm)
            pred = {"id": item["id"], **answer.to_dict()}
            preds.append(pred)
            scores.append(score_item(item, pred))
        filename = "predictions.jsonl" if name == runs[0][0] else f"predictions-{name}.jsonl"
        with open(out / filename, "w", encoding="utf-8") as fh:
            for pred in preds:
                fh.write(json.dumps(pred, ensure_ascii=False) + "\n")
        summary = summarize(scores)
        if use_llm:
            answered = [p for p in preds if not p["refused"]]
            summary["llm_answered"] = (
                round(sum(p["mode"] == "llm" for p in answered) / len(answered), 4) if answered else None
            )
        results[name] = {
            "summary": summary,
            "scores": scores,
            "preds": preds,
            "by_type": {
                t: summarize([s for s in scores if s["type"] == t])
                for t in TYPES
                if any(s["type"] == t for s in scores)
            },
        }
    return write_reports(out, items, results, [name for name, _, _ in runs])
