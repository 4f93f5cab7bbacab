"""Parsing takes bounded time: no regex of the cleaner, the structure parser, the chunker or the fact extractor
backtracks over a long input, and every file is parsed in a child process under a per-file time limit.

The adversarial files are generated here. Each is parsed by the real pipeline in the real worker process with
a limit far above what a linear parse needs (each file parses in about a second) and far below what a
quadratic or exponential pattern needs on inputs of this size (minutes to hours): a file that hits the limit
is a pattern that backtracks.
"""

from __future__ import annotations

import itertools
import os
import re
import signal
import time
from pathlib import Path

import pytest

from assistant.core.errors import IngestError
from assistant.core.settings import Settings
from assistant.index.layout import Layout
from ingest.isolated import ParseWorker
from ingest.parse import parse_file
from ingest.structure import ORGAN_LINE
from tests.corpus_fixtures import DEPARTMENTS, NOTICE_30, NOTICE_30_TITLE, cli, cli_process

HANG_BOUND_S = 20.0
NOTE = "上海市中试平台补充说明\n第一条 中试服务券补贴比例不超过百分之五十。\n"
NOTES = ("note-a.txt", "note-b.txt")
PARSING_CPU_S = 2.0
RUN = 100_000  # characters of each adversarial run


def _repeat(unit: str, n: int = RUN) -> str:
    return (unit * (n // len(unit) + 1))[:n]


# (file name, body): long runs without punctuation or line ends, long repeated lists, and the markers each
# pattern looks for repeated without their closing part
ADVERSARIAL = {
    "organ-list-not-ending-in-a-suffix.txt": "　".join(DEPARTMENTS * (RUN // 200)) + "　中国证监会\n2025年3月1日",
    "organ-suffixes-glued.txt": "通知\n" + _repeat("部委局厅院署中心办公厅") + "行\n2025年1月1日",
    "chinese-run.txt": _repeat("中试平台建设支持"),
    "digit-run.txt": _repeat("1234567890"),
    "digits-and-units.txt": _repeat("1元2万3亿4%"),
    "chinese-numerals.txt": _repeat("一二三四五六七八九十百千"),
    "blanks-in-figures.txt": _repeat("1" + " " * 50 + "亿"),
    "notice-title-unclosed.txt": "通知\n" + _repeat("印发《"),
    "notice-title-brackets.txt": "通知\n" + _repeat("印发《关于》"),
    "heading-markers.txt": _repeat("第一二三四五六七八九十（一）(1)1."),
    "dates-and-numbers.txt": "通知\n" + _repeat("2025年1月1日沪经信技〔2025〕"),
    "subjects-unclosed.txt": _repeat("针对对于对“中试"),
    "comparators.txt": _repeat("最高不超过不低于以上左右"),
    "trailer-lines.txt": "\n".join(["抄送：" + "各有关单位" * 9] * (RUN // 50)),
    "page-numbers.txt": "正文开始\n" + _repeat("— — — 3 — — —\n第 3 页 共 7 页\n") + "正文结束。",
    "spaced-characters.txt": _repeat("上 海 市 中 试 "),
    "open-brackets.txt": _repeat("《（【〔"),
    "facts.txt": _repeat("针对已建的中试平台，补贴比例不超过30%，支持金额不超过5000万元；"),
    "blank-lines.md": "# 标题\n" + "\n" * RUN + "正文",
    "blank-bullets.md": "# 标题\n" + _repeat(" \n-\n"),
    "heading-marks.md": "# 标题\n" + _repeat("#\n"),
}


def test_organ_line_accepts_the_language_of_the_repeated_pattern():
    """The old `^(?:ORGAN)+$` on every short line over an alphabet of suffix pieces: the same answers."""
    old = re.compile(r"^(?:.+?(?:委员会|人民政府|办公厅|办公室|总局|部|厅|局|署|委|院|中心)(?!办公厅|办公室))+$")
    pieces = ["部", "办公厅", "办公室", "委", "员会", "中心", "总", "局", "国", " ", "、"]
    for n in range(1, 5):
        for combo in itertools.product(pieces, repeat=n):
            line = "".join(combo)
            assert bool(ORGAN_LINE.fullmatch(line)) == bool(old.match(line)), line


def test_a_notice_signed_by_30_departments_parses(tmp_path):
    path = tmp_path / "thirty.txt"
    path.write_text(NOTICE_30, encoding="utf-8")
    with ParseWorker(HANG_BOUND_S) as worker:
        parsed = worker.call(path, parse_file, path, Settings(data_dir=tmp_path, corpus_dir=tmp_path))
    document = parsed.document
    assert (document.title, document.doc_number, document.date) == (
        NOTICE_30_TITLE,
        "工信部联科〔2025〕88号",
        "2025-03-01",
    )
    assert [c.path for c in parsed.chunks] == [
        ("印发通知",),
        ("一、总体要求",),
        ("二、重点任务", "（一）支持中试平台建设"),
    ]
    assert "中国证监会" in parsed.chunks[0].text and parsed.chunks[2].facts[1].unit == "万元"


@pytest.mark.parametrize("name", ADVERSARIAL)
def test_adversarial_input_parses_in_bounded_time(tmp_path, name):
    path = tmp_path / name
    path.write_text("中试平台管理办法\n" + ADVERSARIAL[name] + "\n第一条 结尾。\n", encoding="utf-8")
    settings = Settings(data_dir=tmp_path, corpus_dir=tmp_path)
    with ParseWorker(HANG_BOUND_S) as worker:
        try:
            parsed = worker.call(path, parse_file, path, settings)
        except IngestError as exc:  # a verdict on the content is fine; running out of time is not
            assert exc.reason.startswith(("没有文字层", "文字层解码为乱码", "解析后没有可收录的正文")), exc.reason
            return
    assert all(len(c.text) <= settings.max_run_chars for c in parsed.chunks)


def test_a_file_over_the_time_limit_fails_alone(settings):
    """`policy-assistant ingest` with a parse time limit far below what a 9 MB text needs (seconds) and far above
    what a short note needs (milliseconds): that file fails with the limit as its reason, the notes are indexed
    and the command ends."""
    for pdf in settings.corpus_dir.glob("*.pdf"):
        pdf.unlink()
    for name in NOTES:
        (settings.corpus_dir / name).write_text(NOTE, encoding="utf-8")
    clause = "支持企业建设中试平台，对新建的中试平台按照设备投资的30%给予补贴，支持金额最高不超过5000万元。"
    big = settings.corpus_dir / "huge.txt"
    big.write_text("\n".join(["关于中试平台建设的若干措施"] + [f"第{i}条 {clause}" for i in range(60_000)]))
    done = cli(settings, "ingest", env={"PA_PARSE_TIMEOUT": "0.5"})
    assert done.returncode == 1, done.stderr
    assert re.search(r"error \S*huge\.txt: 解析超过 0\.5 秒的时限，已跳过", done.stdout), done.stdout
    layout = Layout(settings)
    indexed = {e.document.source_path for e in layout.load_manifest(layout.current()).entries.values()}
    assert indexed == set(NOTES)


def _parser_children(pid: int) -> list[int]:
    """Live `python -m ingest.isolated` processes whose parent is `pid`."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            stat = (proc / "stat").read_text()
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"ingest.isolated" in cmdline:
            found.append(int(proc.name))
    return found


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_killed_ingest_leaves_no_parser_behind(settings, tmp_path):
    """SIGKILL an ingest while its child parses a large file: the child notices and ends too."""
    clause = "支持企业建设中试平台，对新建的中试平台按照设备投资的30%给予补贴，支持金额最高不超过5000万元。"
    big = settings.corpus_dir / "huge.txt"
    big.write_text("\n".join(["关于中试平台建设的若干措施"] + [f"第{i}条 {clause}" for i in range(120_000)]))
    proc = cli_process(settings, tmp_path / "ingest.log", "ingest")
    try:
        deadline = time.monotonic() + 120
        while not (children := _parser_children(proc.pid)) or _cpu_seconds(children[0]) < PARSING_CPU_S:
            assert proc.poll() is None and time.monotonic() < deadline, "no parser child at work"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)  # the child is parsing: start-up costs well under PARSING_CPU_S
        proc.wait(timeout=30)
        deadline = time.monotonic() + 60
        while any(_alive(c) for c in children):
            assert time.monotonic() < deadline, f"parser {children} outlived its ingest"
            time.sleep(0.1)
        spool = Layout(settings).root / f".spool-{proc.pid}"
        assert spool.is_dir() and not list(spool.glob("*.jsonl")), "the parser went on to the end of the file"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
