"""Read a file into page texts. Every failure is an IngestError naming the file and the reason."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Literal

from assistant.core.errors import IngestError

log = logging.getLogger(__name__)
SUPPORTED = (".pdf", ".txt", ".md", ".docx")
# Why a file is refused unread: in English for ingest reports and the CLI, in Chinese for the web app.
REFUSALS = {
    "en": {
        "missing": "not a file",
        "type": "unsupported file type '{suffix}' (supported: {supported})",
        "no suffix": "",  # the file's name instead
        "joiner": ", ",
        "empty": "empty file (0 bytes)",
        "size": "file is {mb:.1f} MB, over the {limit:g} MB limit",
    },
    "zh": {
        "missing": "上传的文件不存在",
        "type": "不支持的文件类型“{suffix}”，仅支持 {supported}",
        "no suffix": "无扩展名",
        "joiner": "、",
        "empty": "文件为空（0 字节）",
        "size": "文件 {mb:.1f} MB，超过 {limit:g} MB 的上限",
    },
}


def check_file(path: Path, max_mb: float, name: str | None = None, language: Literal["en", "zh"] = "en") -> str:
    """The file's lower-case suffix, or IngestError if it is missing, of an unsupported type, empty or
    over the size limit. Looks at nothing but the name and the size. `name` is the file's own name when
    `path` is a copy under another name (an upload): it gives the type and is named in the error."""
    label = Path(name) if name is not None else path
    words = REFUSALS[language]
    if not path.is_file():
        raise IngestError(label, words["missing"])
    suffix = label.suffix.lower()
    if suffix not in SUPPORTED:
        shown = suffix or words["no suffix"] or label.name
        raise IngestError(label, words["type"].format(suffix=shown, supported=words["joiner"].join(SUPPORTED)))
    size = path.stat().st_size
    if size == 0:
        raise IngestError(label, words["empty"])
    if size > max_mb * 1024 * 1024:
        raise IngestError(label, words["size"].format(mb=size / 1048576, limit=max_mb))
    return suffix


def read_pages(path: Path, max_mb: float) -> tuple[list[str], str | None]:
    """(page texts, title from the file's own metadata if any)."""
    suffix = check_file(path, max_mb)
    if suffix == ".pdf":
        return _read_pdf(path)
    if suffix == ".docx":
        return _read_docx(path), None
    text = decode_text(path.read_bytes(), path)
    if suffix == ".md":
        text = strip_markdown(text)
    return text.split("\f"), None


def _read_pdf(path: Path) -> tuple[list[str], str | None]:
    import pypdf
    from pypdf.errors import DependencyError, PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = pypdf.PdfReader(str(path), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError(path, "encrypted PDF: a password is required to read it")
        pages = [page.extract_text() or "" for page in reader.pages]
        title = reader.metadata.get("/Title") if reader.metadata else None
    except IngestError:
        raise
    except (
        PyPdfError,
        DependencyError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        OSError,
        IndexError,
        NotImplementedError,
        RecursionError,
        AssertionError,
    ) as exc:
        raise IngestError(path, f"corrupt or truncated PDF ({type(exc).__name__}: {exc})") from exc
    if not pages:
        raise IngestError(path, "PDF has no pages")
    return pages, str(title).strip() if title else None


def _read_docx(path: Path) -> list[str]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise IngestError(path, f"corrupt DOCX ({exc})") from exc
    return ["\n".join(p.text for p in document.paragraphs)]


def decode_text(data: bytes, path: Path | str = "<text>") -> str:
    """UTF-8 (with or without BOM), else GB18030/GBK and other encodings detected from the bytes."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise IngestError(path, "text file in an unknown encoding")
    return str(best)


def strip_markdown(text: str) -> str:
    text = re.sub(r"(?m)^\s{0,3}#{1,6}\s*", "", text)
    text = re.sub(r"(?m)^\s*[-*+]\s+", "", text)
    return re.sub(r"(\*\*|__|`)", "", text)
