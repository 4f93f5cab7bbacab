"""Train the coverage model (assistant/resources/coverage_model.json) on the eval sets.

A logistic regression with an L2 penalty over the features of every answered ask (assistant.answer.coverage),
each labelled 1 when its item is unanswerable: an answered ask of such an item quoted a clause that does not say
what was asked. The features are read with the model turned off. Run `python -m evals.coverage_model`; the
sets it trains on are named in the file it writes, so a set kept out of training stays a fair test.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
from pathlib import Path

import numpy as np
from tqdm import tqdm

from assistant.core.records import Turn
from assistant.core.settings import Settings
from assistant.service import Assistant

log = logging.getLogger(__name__)
SETS = Path(__file__).resolve().parent / "sets"
MODEL = Path(__file__).resolve().parents[1] / "assistant" / "resources" / "coverage_model.json"


def collect(assistant: Assistant, paths: list[Path]) -> tuple[list[dict[str, float]], list[int]]:
    """The features of every answered ask of the sets' items, and their labels (1: the item is unanswerable)."""
    rows: list[dict[str, float]] = []
    labels: list[int] = []
    items = [json.loads(line) for path in paths for line in path.read_text(encoding="utf-8").splitlines() if line]
    for item in tqdm(items, desc="coverage features", unit="item"):
        history = [Turn(t["role"], t["content"]) for t in item.get("history", [])]
        for features in assistant.coverage_features(item["question"], history):
            rows.append(features)
            labels.append(0 if item["answerable"] else 1)
    return rows, labels


def fit(x: np.ndarray, y: np.ndarray, l2: float, steps: int = 50) -> tuple[np.ndarray, float]:
    """Weights and bias of a logistic regression (Newton's method on standardised columns, L2 on the weights),
    given back for the raw columns."""
    mean, std = x.mean(axis=0), x.std(axis=0)
    std[std == 0] = 1.0
    z = np.hstack([(x - mean) / std, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[-1] = 0.0  # the bias is not penalised
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-z @ w))
        gradient = z.T @ (p - y) + penalty * w
        hessian = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty)
        w -= np.linalg.solve(hessian, gradient)
    weights = w[:-1] / std
    return weights, float(w[-1] - (weights * mean).sum())


def train(settings: Settings, paths: list[Path], l2: float) -> dict:
    assistant = Assistant.from_settings(
        settings.replace(answer=dataclasses.replace(settings.answer, coverage_doubt=1.0))
    )
    rows, labels = collect(assistant, paths)
    names = sorted(rows[0])
    weights, bias = fit(np.array([[r[n] for n in names] for r in rows]), np.array(labels, dtype=float), l2)
    log.info("%d answered asks, %d of unanswerable items", len(rows), sum(labels))
    return {
        "trained_on": sorted(p.name for p in paths),
        "l2": l2,
        "names": names,
        "weights": [round(float(w), 6) for w in weights],
        "bias": round(bias, 6),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="*", type=Path, help="JSONL sets (default: every set in evals/sets)")
    parser.add_argument("--l2", type=float, default=3.0, help="penalty on the standardised weights")
    parser.add_argument("--out", type=Path, default=MODEL)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    paths = args.sets or sorted(SETS.glob("*.jsonl"))
    model = train(Settings.from_env(), paths, args.l2)
    args.out.write_text(json.dumps(model, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"coverage model: {args.out} ({len(model['names'])} features, trained on {', '.join(model['trained_on'])})")


if __name__ == "__main__":
    main()
