"""Terminal rendering for the CLI: progress bars and tables (rich)."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from assistant.core.errors import InvalidQuestion
from assistant.core.records import Answer, Turn
from assistant.core.settings import Settings

console = Console(highlight=False, width=None if Console().is_terminal else 160)
STAGES = {"parse": "解析文件", "embed": "计算向量"}


def run_ingest(settings: Settings, paths: list[Path] | None, rebuild: bool):
    from assistant.index.build import ingest
    from assistant.index.embeddings import make_embedder
    from assistant.index.lexical import ChineseTokenizer

    embedder = make_embedder(settings)
    if console.is_terminal:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            tasks: dict[str, TaskID] = {}

            def update(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = progress.add_task(STAGES.get(stage, stage), total=total)
                progress.update(tasks[stage], completed=done, total=total)

            report = ingest(settings, embedder, ChineseTokenizer(), paths, rebuild, update)
    else:  # a log, a pipe, `make run` under a supervisor: a plain line per tenth of each stage
        report = ingest(settings, embedder, ChineseTokenizer(), paths, rebuild, PlainProgress())
    table = Table(
        title=f"ingest: {'index updated' if report.changed else 'nothing changed'} "
        f"({report.seconds:.1f} s, generation {report.generation})"
    )
    for col in ("文件", "标题", "文号", "页数", "条款", "分块", "秒", "状态"):
        table.add_column(col, overflow="fold")
    for d in report.docs:  # file names, titles and reasons are data: markup in them is shown as written
        doc = d.document
        table.add_row(
            escape(Path(d.path).name),
            escape(doc.title) if doc else "",
            escape(doc.doc_number or "") if doc else "",
            str(doc.page_count) if doc else "",
            str(d.clauses or ""),
            str(d.chunks or ""),
            f"{d.seconds:.2f}",
            d.status if not d.reason else f"[red]failed: {escape(d.reason)}[/red]",
        )
    console.print(table)
    for d in report.failed:
        console.print(f"[red]error[/red] {escape(d.path)}: {escape(d.reason or '')}", soft_wrap=True)  # one line
    return report


class PlainProgress:
    """Progress as plain lines ("计算向量 3840/39746（9%）"): the first and the last of a stage, and one per tenth."""

    def __init__(self) -> None:
        self._shown: dict[str, int] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        tenth = 10 * done // total if total else 10
        if self._shown.get(stage) == tenth or (stage not in self._shown and total == 0):
            return
        self._shown[stage] = tenth
        share = f"（{done / total:.0%}）" if total else ""
        console.print(f"{STAGES.get(stage, stage)} {done}/{total}{share}", highlight=False, soft_wrap=True)


def print_docs(settings: Settings) -> None:
    from assistant.index.layout import Layout

    layout = Layout(settings)
    generation = layout.current()
    if generation is None:
        console.print("no index yet: run `policy-assistant ingest`")
        return
    manifest = layout.load_manifest(generation)
    table = Table(title=f"indexed documents (generation {generation}, model {manifest.model})")
    for col in ("doc id", "标题", "文号", "发文单位", "日期", "范围", "页数", "条款", "分块"):
        table.add_column(col, overflow="fold")
    for e in manifest.entries.values():
        d = e.document
        table.add_row(
            escape(d.doc_id),
            escape(d.title),
            escape(d.doc_number or ""),
            escape("、".join(d.issuers)),
            d.date or "",
            escape(d.jurisdiction),
            str(d.page_count),
            str(e.clauses),
            str(e.chunks),
        )
    console.print(table)


def read_history(handle) -> list[Turn]:
    try:
        data = json.load(handle)
        turns = [Turn(str(t["role"]), str(t["content"])) for t in data]
    except (ValueError, TypeError, KeyError) as exc:
        raise InvalidQuestion(f"history must be a JSON list of {{role, content}} objects ({exc})") from exc
    if any(t.role not in ("user", "assistant") for t in turns):
        raise InvalidQuestion("history roles must be 'user' or 'assistant'")
    return turns


def print_answer(answer: Answer) -> None:
    if answer.resolved_question:
        console.print(f"[dim]理解为：{escape(answer.resolved_question)}[/dim]")
    console.print(answer.answer, markup=False)
    if answer.notice:
        console.print(f"[yellow]{escape(answer.notice)}[/yellow]")
    if answer.citations:
        console.print("\n[bold]来源[/bold]")
    for c in answer.citations:
        doc = c.document
        page = f"第{c.chunk.page}页" if c.chunk.page else ""
        console.print(escape(f"[{c.marker}] {doc.citation_title} {c.chunk.section} {page}"))
        console.print(f"    [dim]{escape(c.chunk.text)}[/dim]")
    mode = "大模型生成，已核验引用与数字" if answer.mode == "llm" else "条款原文摘录"
    console.print(f"[dim]{mode} · {answer.latency_ms:.0f} ms[/dim]")
