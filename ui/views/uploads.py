"""Admin credentials and policy-file uploads into the corpus folder (no gradio import).

An upload is checked like a CLI ingest (type, size limit, readable by the loaders) before it is
stored under a sanitised name inside settings.corpus_dir; nothing is ever written outside it.
"""

from __future__ import annotations

import hmac
import os
import re
import shutil
import tempfile
import unicodedata
from pathlib import Path

from assistant.core.errors import IngestError
from assistant.core.settings import Settings
from ingest.isolated import ParseWorker
from ingest.loaders import check_file, read_pages
from ui.views.messages import chinese_reason

MAX_NAME_CHARS = 100
_UNSAFE = re.compile(r"[^\w\u3000-\u303f().\-]+")


def check_credentials(settings: Settings, user: str | None, password: str | None) -> bool:
    """Constant-time comparison of both fields; always False when no admin account is configured."""
    if not settings.admin_enabled:
        return False
    user_ok = hmac.compare_digest((user or "").encode("utf-8"), (settings.admin_user or "").encode("utf-8"))
    password_ok = hmac.compare_digest((password or "").encode("utf-8"), (settings.admin_password or "").encode("utf-8"))
    return user_ok and password_ok


def safe_filename(name: str) -> str:
    """The last path component only, NFKC-normalised, with anything but word characters, CJK
    punctuation, dots and hyphens replaced; no leading dots; the suffix kept lower-case."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFKC", name or ""))[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = _UNSAFE.sub("_", stem).strip("._- ")[:MAX_NAME_CHARS] or "upload"
    suffix = _UNSAFE.sub("", suffix).lower()
    return f"{stem}.{suffix}" if suffix else stem


def save_upload(source: Path | str, original_name: str | None, settings: Settings, replace: bool = False) -> Path:
    """Validate an uploaded file and store it in the corpus folder; returns the stored path.

    Raises IngestError (with a Chinese reason) when the file is refused."""
    source = Path(source)
    name = safe_filename(original_name or source.name)
    suffix = check_file(source, settings.max_file_mb, name=name)

    corpus = settings.corpus_dir.resolve()
    corpus.mkdir(parents=True, exist_ok=True)
    target = corpus / name
    if target.resolve().parent != corpus or target.is_symlink():
        raise IngestError(name, "文件名不合法")
    if target.exists() and not replace:
        raise IngestError(name, "语料库中已有同名文件；如需更新该文件，请勾选“替换同名文件”后重新上传")

    fd, tmp_name = tempfile.mkstemp(prefix=".upload-", suffix=suffix, dir=corpus)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
            shutil.copyfileobj(src, out)
        try:
            with ParseWorker(settings.parse_timeout) as worker:  # a file that hangs the parser fails alone
                pages, _ = worker.call(tmp, read_pages, tmp, settings.max_file_mb)
        except IngestError as exc:
            raise IngestError(name, f"文件无法读取：{chinese_reason(exc.reason)}") from exc
        if not any(page.strip() for page in pages):
            raise IngestError(name, "文件中没有可提取的文字（扫描件需先做文字识别）")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
