"""The embedding model under ONNX Runtime, for questions: the same vectors as sentence-transformers (checked to
1e-4 cosine when the file is made), in ~5 ms instead of ~12-19 ms a question, without importing torch.

The ONNX file is exported once per model from the sentence-transformers model the first time that model is loaded
(an ingest, or the first question the model reads), kept under the temporary directory beside the jieba prefix
dictionary, and used by every later process. Only the plain layout is exported: a transformer, mean or CLS
pooling, optionally a normalisation (the packaged MiniLM, bge models); any other model keeps to torch. Exporting
needs the `onnx` package; without it, or when the exported model's vectors differ, nothing is written.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)
FORMAT = 1
TOLERANCE = 1e-4  # least cosine between an exported model's vector and the torch model's, on PROBES
PROBES = [
    "新建中试平台采购设备最高补贴多少？",
    "What is the maximum subsidy for purchasing equipment for a newly built pilot platform?",
    "针对已建且需进一步提升能级的中试平台，补贴支持比例不超过核定总投资的30%，支持金额不超过5000万元。",
    "中试",
    "上海市经济和信息化委员会 沪经信技〔2025〕365号 " * 12,  # longer than the model reads: truncated alike
]


def default_cache_dir() -> Path:
    return Path(tempfile.gettempdir()) / "policy-assistant"


def model_key(path: str) -> str:
    """Changes with the model's files (names, sizes, times) and the libraries that export it."""
    from importlib.metadata import PackageNotFoundError, version

    root = Path(path)
    files = sorted((str(p.relative_to(root)), p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*.*"))
    versions: list[str | None] = []
    for package in ("torch", "transformers", "sentence-transformers", "onnx"):
        try:
            versions.append(version(package))
        except PackageNotFoundError:
            versions.append(None)
    parts = [FORMAT, str(root.resolve()), files, versions]
    return hashlib.sha256(json.dumps(parts).encode("utf-8")).hexdigest()[:20]


def location(path: str, cache_dir: Path | None = None) -> Path:
    """The folder that holds (or will hold) the exported model of the model directory `path`."""
    return (cache_dir or default_cache_dir()) / f"onnx-{model_key(path)}"


class OnnxEncoder:
    """An exported model: `embed([text])` → one normalised vector per text, as the sentence-transformers model."""

    def __init__(self, folder: Path, tokenizer_file: Path, threads: int = 1):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        spec = json.loads((folder / "encoder.json").read_text(encoding="utf-8"))
        self.pooling = spec["pooling"]
        self.inputs = spec["inputs"]
        self.tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(spec["max_seq_length"])
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(threads, 0)
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # no busy-waiting on a shared CPU
        self.session = ort.InferenceSession(str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"])

    def embed(self, texts: list[str]) -> np.ndarray:
        out = []
        for text in texts:  # one at a time: no padding, exactly the tokens sentence-transformers gives the model
            encoding = self.tokenizer.encode(text)
            feeds = {
                "input_ids": np.array([encoding.ids], dtype=np.int64),
                "attention_mask": np.array([encoding.attention_mask], dtype=np.int64),
                "token_type_ids": np.array([encoding.type_ids], dtype=np.int64),
            }
            hidden = self.session.run(None, {k: v for k, v in feeds.items() if k in self.inputs})[0][0]
            vector = hidden[0] if self.pooling == "cls" else hidden.mean(axis=0)
            out.append(vector / max(float(np.linalg.norm(vector)), 1e-12))
        return np.asarray(out, dtype=np.float32)


_exporting = threading.Lock()


def export(model: Any, folder: Path, model_dir: str) -> bool:
    """Export a loaded SentenceTransformer into `folder` (model.onnx, encoder.json) when its layout is the plain
    one and its vectors match; True when written. Never raises: the torch model answers either way."""
    with _exporting:
        if (folder / "encoder.json").is_file():
            return True
        try:
            return _export(model, folder, Path(model_dir) / "tokenizer.json")
        except Exception as exc:  # noqa: BLE001 - a failed export only means no fast path
            log.info("no ONNX export of the embedding model (%s: %s)", type(exc).__name__, exc)
            return False


def _export(model: Any, folder: Path, tokenizer_file: Path) -> bool:
    import torch

    modules = list(model)
    names = [type(m).__name__ for m in modules]
    if names[:2] != ["Transformer", "Pooling"] or any(n != "Normalize" for n in names[2:]):
        log.info("no ONNX export: embedding model layout %s", names)
        return False
    pooling = getattr(modules[1], "pooling_mode", None)
    if pooling not in ("mean", "cls"):
        log.info("no ONNX export: pooling %r", pooling)
        return False
    transformer = modules[0].auto_model.eval()
    sample = model.tokenizer(["中试"], return_tensors="pt")
    inputs = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in sample]

    class Hidden(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module):
            super().__init__()
            self.inner = inner

        def forward(self, *args: torch.Tensor) -> torch.Tensor:
            return self.inner(**dict(zip(inputs, args))).last_hidden_state

    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=folder.parent, prefix=folder.name + "."))
    try:
        axes = {name: {0: "batch", 1: "tokens"} for name in [*inputs, "hidden"]}
        with torch.no_grad():
            torch.onnx.export(
                Hidden(transformer),
                tuple(sample[k] for k in inputs),
                str(work / "model.onnx"),
                input_names=inputs,
                output_names=["hidden"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
        spec = {"pooling": pooling, "max_seq_length": int(model.max_seq_length), "inputs": inputs}
        (work / "encoder.json").write_text(json.dumps(spec), encoding="utf-8")
        exported = OnnxEncoder(work, tokenizer_file).embed(PROBES)
        expected = np.asarray(
            model.encode(PROBES, normalize_embeddings=True, show_progress_bar=False), dtype=np.float32
        )
        agreement = float(np.min(np.sum(exported * expected, axis=1)))
        if agreement < 1 - TOLERANCE:
            log.warning("ONNX export of the embedding model differs (cosine %.6f): not used", agreement)
            return False
        os.replace(work, folder)  # atomic: a reader sees the whole folder or none
        log.info("embedding model exported to ONNX (%s, cosine ≥ %.7f on the probes)", folder, agreement)
        return True
    finally:
        if work.exists():
            import shutil

            shutil.rmtree(work, ignore_errors=True)
