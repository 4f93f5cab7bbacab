"""Any failure reading or parsing one file is that file's reason, in Chinese: broken DOCX files of every kind
(a non-XML part, a CRC error, a corrupt deflate stream, a text node over libxml2's limit, a bomb, a truncated
archive) fail alone in an ingest, in the CLI and in an upload, while the good files are indexed."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError

import tests.pdf_fixtures as F
from assistant.core.errors import IngestError
from assistant.core.settings import Settings
from assistant.index.build import ingest
from assistant.index.layout import Layout
from evals.bench.proc import serving
from tests.corpus_fixtures import NATIONAL_PDF, NOTICE_30, NOTICE_30_TITLE, SHANGHAI_PDF, cli
from tests.docx_fixtures import BROKEN_DOCX, bomb, crc_error, non_xml_part, sound_docx
from tests.ui_fixtures import ADMIN, build_env, close_env, connect, running_app
from ui.views.uploads import save_upload


def indexed_sources(settings: Settings) -> set[str]:
    layout = Layout(settings)
    return {e.document.source_path for e in layout.load_manifest(layout.current()).entries.values()}


@pytest.mark.parametrize("kind", BROKEN_DOCX)
def test_broken_docx_fails_alone(settings, embedder, tokenizer, kind):
    make, reason = BROKEN_DOCX[kind]
    make(settings.corpus_dir / "broken.docx")
    (settings.corpus_dir / "sound.docx").write_bytes(sound_docx())
    report = ingest(settings, embedder, tokenizer)
    docs = {Path(d.path).name: d for d in report.docs}
    assert docs["broken.docx"].status == "failed" and re.search(reason, docs["broken.docx"].reason)
    assert report.failed == [docs["broken.docx"]]
    assert {docs[n].status for n in (SHANGHAI_PDF.name, NATIONAL_PDF.name, "sound.docx")} == {"new"}
    assert indexed_sources(settings) == {SHANGHAI_PDF.name, NATIONAL_PDF.name, "sound.docx"}


def test_the_cli_reports_every_broken_docx_and_indexes_the_rest(settings):
    for i, (make, _) in enumerate(BROKEN_DOCX.values()):
        make(settings.corpus_dir / f"broken[blink]-{i}.docx")  # markup in a name is shown as written
    done = cli(settings, "ingest")
    assert done.returncode == 1 and "Traceback" not in done.stderr + done.stdout, done.stderr
    for i, (_, reason) in enumerate(BROKEN_DOCX.values()):
        line = next(
            ln for ln in done.stdout.splitlines() if ln.startswith("error ") and f"broken[blink]-{i}.docx" in ln
        )
        assert re.search(reason.lstrip("^"), line.split(": ", 1)[1]), line
    assert indexed_sources(settings) == {SHANGHAI_PDF.name, NATIONAL_PDF.name}


@pytest.mark.parametrize("make", [non_xml_part, crc_error, bomb], ids=["non-XML part", "CRC error", "bomb"])
def test_an_upload_of_a_broken_docx_is_refused_in_chinese(tmp_path, make):
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus")
    source = tmp_path / "upload.docx"
    make(source)
    with pytest.raises(IngestError) as refused:
        save_upload(source, "补充办法.docx", settings)
    assert refused.value.reason.startswith(("文件无法读取：DOCX 文件损坏", "文件无法读取：DOCX 解压后"))
    assert not re.search(r"lxml|Error|zlib|CRC-32|<string>", refused.value.reason), refused.value.reason
    assert not any(settings.corpus_dir.iterdir()), "nothing is stored"


@pytest.mark.slow
def test_the_web_app_refuses_a_broken_docx_upload_in_one_chinese_line(tmp_path_factory, tmp_path):
    environment = build_env(tmp_path_factory.mktemp("broken-upload"))
    try:
        with running_app(environment) as url:
            client = connect(url, tmp_path)
            client.predict(*ADMIN, api_name="/login")
            for i, make in enumerate((non_xml_part, crc_error, bomb)):
                source = tmp_path / f"补充办法-{i}.docx"
                make(source)
                with pytest.raises(AppError) as refused:
                    client.predict(handle_file(str(source)), False, api_name="/upload")
                shown = str(refused.value).strip()
                assert re.match(rf"{re.escape(source.name)}：文件无法读取：DOCX (?:文件损坏|解压后)", shown), shown
                assert "\n" not in shown and not re.search(r"lxml|Error|zlib|CRC-32|Traceback", shown), shown
        assert not any(p.suffix == ".docx" for p in environment.settings.corpus_dir.iterdir()), "nothing is stored"
    finally:
        close_env(environment)


@pytest.mark.slow
def test_serve_starts_and_answers_with_a_long_signature_and_broken_docx_in_the_corpus(settings, tmp_path):
    """`serve` ingests at start-up: a notice signed by 30 departments (which hung it) and every broken DOCX (which
    made it exit 1) in corpus/; it comes up, logs one line per broken file, and answers from the notice."""
    (settings.corpus_dir / "thirty.txt").write_text(NOTICE_30, encoding="utf-8")
    for i, (make, _) in enumerate(BROKEN_DOCX.values()):
        make(settings.corpus_dir / f"broken-{i}.docx")
    log = tmp_path / "serve.log"
    with serving(settings, log, ingest=True) as (_, url, _ready):
        body = json.dumps({"question": f"《{NOTICE_30_TITLE}》对新建中试平台的补贴最高多少？"}).encode()
        request = urllib.request.Request(url + "api/ask", body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.loads(response.read())
    text = log.read_text(encoding="utf-8")
    assert "Traceback" not in text, text
    assert all(f"broken-{i}.docx" in text for i in range(len(BROKEN_DOCX))), text
    assert "5000万元" in answer["answer"] and answer["citations"][0]["doc_id"] == "thirty.txt", answer
    assert indexed_sources(settings) == {SHANGHAI_PDF.name, NATIONAL_PDF.name, "thirty.txt"}


PLAN = ["上海市中试平台认定管理办法", "第一条 对认定的市级中试平台，给予最高不超过1000万元的支持。"]


@pytest.mark.parametrize("algorithm", ["AES-128", "AES-256"])
def test_aes_encrypted_pdfs_with_an_owner_password_only_are_read(settings, embedder, tokenizer, algorithm):
    F.aes_pdf(settings.corpus_dir / "aes.pdf", PLAN, algorithm)
    F.aes_pdf(settings.corpus_dir / "locked.pdf", PLAN, algorithm, user_password="reader-secret")
    report = ingest(settings, embedder, tokenizer)
    docs = {Path(d.path).name: d for d in report.docs}
    assert (docs["aes.pdf"].status, docs["aes.pdf"].chunks) == ("new", 2)
    assert (docs["locked.pdf"].status, docs["locked.pdf"].reason) == ("failed", "PDF 已加密，需要密码才能打开")
    layout = Layout(settings)
    texts = [c.text for c in layout.load_chunks(layout.current())[0] if c.doc_id == "aes.pdf"]
    assert texts == [PLAN[0], PLAN[1].replace(" ", "")]
