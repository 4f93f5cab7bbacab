"""Read a file into page texts. Every failure is an IngestError naming the file and the reason."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from assistant.core.errors import IngestError

log = logging.getLogger(__name__)
SUPPORTED = (".pdf", ".txt", ".md", ".docx")


def check_file(path: Path, max_mb: float) -> str:
    """The file's lower-case suffix, or IngestError if it is missing, of an unsupported type, empty or
    over the size limit. Looks at nothing but the name and the size."""
    if not path.is_file():
        raise IngestError(path, "not a file")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise IngestError(path, f"unsupported file type '{suffix or path.name}' (supported: {', '.join(SUPPORTED)})")
    size = path.stat().st_size
    if size == 0:
        raise IngestError(path, "empty file (0 bytes)")
    if size > max_mb * 1024 * 1024:
        raise IngestError(path, f"file is {size / 1048576:.1f} MB, over the {max_mb:g} MB limit")
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
