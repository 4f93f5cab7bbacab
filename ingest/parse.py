"""One file → Document + chunks: read → clean → structure → chunk."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from assistant.core.errors import IngestError
from assistant.core.records import Chunk, Document
from assistant.core.settings import Settings
from ingest.chunk import chunk_clauses
from ingest.clean import clean_pages, text_quality
from ingest.loaders import check_link, read_pages
from ingest.structure import extract_meta, parse_clauses

PIPELINE_VERSION = "7"  # bump when cleaning, chunking or fact extraction changes: unchanged files are parsed again
MIN_TEXT_CHARS = 20
MIN_QUALITY = 0.6
SIDECAR_FIELDS = {
    "title",
    "doc_number",
    "issuers",
    "date",
    "jurisdiction",
    "status",
    "source_url",
    "implements",
    "contents",
}
OPTIONAL_FIELDS = {"doc_number", "date", "source_url", "implements", "contents"}  # may be null
HASH_BLOCK = 1 << 20
ID_UNSAFE = re.compile(r"[^\w\-.]")


@dataclass(frozen=True)
class Parsed:
    document: Document
    clauses: int
    chunks: list[Chunk]


@dataclass(frozen=True)
class Spooled:
    """A parsed file whose chunks wait in a JSON-lines file, to be read back a batch at a time: an ingest holds
    one batch of a large document in memory, never all of its chunks."""

    document: Document
    clauses: int
    chunks: int
    path: Path

    def batches(self, size: int) -> Iterator[list[Chunk]]:
        batch: list[Chunk] = []
        with open(self.path, encoding="utf-8") as fh:
            for line in fh:
                batch.append(Chunk.from_dict(json.loads(line)))
                if len(batch) == size:
                    yield batch
                    batch = []
        if batch:
            yield batch


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.stem + ".meta.json")


def doc_id_for(path: Path) -> str:
    """The file name with its extension, every character but word characters, "-" and "." as %XX (UTF-8): one
    id per file name, so x.txt and x.md, or "a b.txt" and "a-b.txt", never share one."""
    return ID_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group(0).encode("utf-8")), path.name)


def file_hash(path: Path) -> str:
    digest = hashlib.sha256(PIPELINE_VERSION.encode())
    for part in (path, sidecar_path(path)):
        if part is path or part.exists():
            with open(part, "rb") as fh:
                while block := fh.read(HASH_BLOCK):
                    digest.update(block)
    return digest.hexdigest()


def read_sidecar(path: Path) -> dict:
    side = sidecar_path(path)
    if not side.exists():
        return {}
    check_link(side, path.parent)
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise IngestError(side, f"元数据 JSON 无效（{exc}）") from exc
    if not isinstance(data, dict):
        raise IngestError(side, f"元数据 JSON 必须是一个对象，字段为 {sorted(SIDECAR_FIELDS)}")
    unknown = set(data) - SIDECAR_FIELDS
    if unknown:
        raise IngestError(side, f"未知的元数据字段 {sorted(unknown)}；可用字段：{sorted(SIDECAR_FIELDS)}")
    if isinstance(data.get("issuers"), str):
        data["issuers"] = [data["issuers"]]
    if "issuers" in data and not (
        isinstance(data["issuers"], list) and all(isinstance(i, str) for i in data["issuers"])
    ):
        raise IngestError(side, "元数据字段 'issuers' 必须是名称列表")
    wrong = sorted(
        k
        for k, v in data.items()
        if k != "issuers" and not isinstance(v, str) and not (v is None and k in OPTIONAL_FIELDS)
    )
    if wrong:
        raise IngestError(side, f"元数据字段 {wrong} 必须是字符串")
    if "issuers" in data:
        data["issuers"] = tuple(data["issuers"])
    return data


def parse_file(path: Path, settings: Settings, digest: str | None = None) -> Parsed:
    pages, pdf_title = read_pages(path, settings.max_file_mb)
    clean = clean_pages(pages)
    visible = re.sub(r"\s", "", clean.text)
    if len(visible) < MIN_TEXT_CHARS:
        raise IngestError(path, "没有文字层（扫描件或纯图片文件？），请先做文字识别（OCR）")
    quality = text_quality(visible)
    if quality < MIN_QUALITY:
        raise IngestError(path, f"文字层解码为乱码（{1 - quality:.0%} 的字符无法识别）")
    meta = extract_meta(clean.text, fallback_title=pdf_title)
    doc_id = doc_id_for(path)
    document = Document(
        doc_id=doc_id,
        title=meta.title or path.stem,
        doc_number=meta.doc_number,
        issuers=meta.issuers,
        date=meta.date,
        jurisdiction=meta.jurisdiction,
        page_count=len(pages),
        source_path=path.name,
        content_hash=digest or file_hash(path),
        implements=meta.implements,
    )
    document = replace(document, **read_sidecar(path))
    clauses = parse_clauses(clean.text, document.title)
    chunks = chunk_clauses(doc_id, clauses, clean, settings.chunk_max_chars, settings.max_run_chars)
    if not chunks:
        raise IngestError(path, "解析后没有可收录的正文（0 个片段；文件只有一行标题？）")
    return Parsed(document, len(clauses), chunks)


def parse_to_spool(path: Path, settings: Settings, digest: str, spool: Path) -> Spooled:
    """parse_file, its chunks written to `spool` (one JSON object a line) instead of returned."""
    parsed = parse_file(path, settings, digest)
    with open(spool, "w", encoding="utf-8") as out:
        for chunk in parsed.chunks:
            out.write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")
    return Spooled(parsed.document, parsed.clauses, len(parsed.chunks), spool)
