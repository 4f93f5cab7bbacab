"""Command line: policy-assistant ingest | docs | ask | serve | eval | bench | purge."""

from __future__ import annotations

import json
import logging
import os
import sys
from functools import wraps
from pathlib import Path

import click

from assistant.core.errors import PolicyAssistantError
from assistant.core.settings import Settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def translate_errors(func):
    """Domain errors become click errors (one clear line, exit status 1)."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except PolicyAssistantError as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper


@click.group()
@click.option("--data-dir", type=click.Path(path_type=Path), help="Index and app data [env PA_DATA_DIR].")
@click.option("--corpus-dir", type=click.Path(path_type=Path), help="Policy documents [env PA_CORPUS_DIR].")
@click.option("--embedding-model", help="sentence-transformers name or local path [env PA_EMBEDDING_MODEL].")
@click.option("--chroma-url", help="Use a Chroma server, e.g. http://127.0.0.1:8000 [env PA_CHROMA_URL].")
@click.option("-v", "--verbose", count=True, help="More log output.")
@click.pass_context
@translate_errors
def cli(ctx, data_dir, corpus_dir, embedding_model, chroma_url, verbose):
    """中试政策助手: cited answers about manufacturing pilot-scale testing policies."""
    logging.basicConfig(
        level=logging.WARNING - 10 * min(verbose, 2), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    ctx.obj = Settings.from_env(
        data_dir=data_dir, corpus_dir=corpus_dir, embedding_model=embedding_model, chroma_url=chroma_url
    )


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--rebuild", is_flag=True, help="Re-embed everything into a fresh index.")
@click.pass_obj
@translate_errors
def ingest(settings: Settings, paths, rebuild):
    """Index the corpus (or the given files): incremental, crash-safe."""
    from assistant.cli.console import run_ingest

    report = run_ingest(settings, list(paths) or None, rebuild)
    if report.failed:
        sys.exit(1)


@cli.command()
@click.pass_obj
@translate_errors
def docs(settings: Settings):
    """List the indexed documents."""
    from assistant.cli.console import print_docs

    print_docs(settings)


@cli.command()
@click.argument("question")
@click.option(
    "--history",
    "history_file",
    type=click.File(encoding="utf-8"),
    help='JSON list of {"role": "user"|"assistant", "content": str}.',
)
@click.option("--json", "as_json", is_flag=True, help="Print the answer as one JSON object.")
@click.option("--jurisdiction", type=click.Choice(["national", "shanghai"]))
@click.option("--retriever", type=click.Choice(["hybrid", "lexical", "dense"]))
@click.option("--top-k", type=int)
@click.option("--no-llm", is_flag=True, help="Answer extractively even when LLM_BASE_URL/LLM_MODEL are set.")
@click.pass_obj
@translate_errors
def ask(settings: Settings, question, history_file, as_json, jurisdiction, retriever, top_k, no_llm):
    """Answer one question with citations."""
    from assistant.cli.console import print_answer, read_history
    from assistant.service import Assistant

    history = read_history(history_file) if history_file else []
    settings = settings.replace(retriever=retriever or settings.retriever)
    assistant = Assistant.from_settings(settings)
    answer = assistant.ask(question, history, jurisdiction=jurisdiction, top_k=top_k, llm=False if no_llm else None)
    if as_json:
        click.echo(json.dumps(answer.to_dict(), ensure_ascii=False))
    else:
        print_answer(answer)


@cli.command()
@click.option("--host", help="[env PA_HOST, default 127.0.0.1]")
@click.option("--port", type=int, help="[env PA_PORT, default 7860]")
@click.option("--no-ingest", is_flag=True, help="Serve the existing index without checking the corpus.")
@click.pass_obj
@translate_errors
def serve(settings: Settings, host, port, no_ingest):
    """Build the index if missing or stale, then serve the web app."""
    from assistant.app.repository import database_url
    from assistant.cli.console import run_ingest

    settings = settings.replace(host=host or settings.host, port=port or settings.port)
    database_url(settings.db_url)  # an unusable PA_DATABASE_URL fails now, in one line, not after the ingest
    if not no_ingest:
        run_ingest(settings, None, False)
    from assistant.service import Assistant
    from ui.app import launch

    assistant = Assistant.from_settings(settings)
    assistant.warm()
    launch(assistant, settings, review_tools())


def review_tools():
    """The eval harness as the review tab uses it."""
    from evals.ratings import write_csv, write_jsonl
    from evals.report import HEADLINE, METRIC_LABELS
    from evals.runner import DEFAULT_DATASET, run_eval
    from ui.tabs.review import ReviewTools

    return ReviewTools(
        default_dataset=DEFAULT_DATASET,
        run_eval=run_eval,
        write_csv=write_csv,
        write_jsonl=write_jsonl,
        metric_labels=METRIC_LABELS,
        metrics=tuple(HEADLINE),
    )


@cli.command(name="eval")
@click.option(
    "--dataset",
    type=click.Path(path_type=Path, exists=True),
    default=Path("evals/sets/dataset.jsonl"),
    show_default=True,
)
@click.option("--out", type=click.Path(path_type=Path), default=Path("evals/out"), show_default=True)
@click.option(
    "--retriever", type=click.Choice(["hybrid", "lexical", "dense", "all"]), default="hybrid", show_default=True
)
@click.option("--llm", is_flag=True, help="Also evaluate the LLM answerer (needs LLM_BASE_URL/LLM_MODEL).")
@click.pass_obj
@translate_errors
def eval_cmd(settings: Settings, dataset, out, retriever, llm):
    """Score the assistant on a gold dataset and write a report."""
    from evals.runner import run_eval

    summary = run_eval(settings, dataset, out, retriever, llm=llm)
    click.echo(summary["table_md"])
    click.echo(f"\nreport: {out / 'summary.md'}")


@cli.command()
@click.option("--out", type=click.Path(path_type=Path), default=Path("bench"), show_default=True)
@click.option("--quick", is_flag=True, help="Smaller tiers, for a smoke run.")
@click.option(
    "--stage",
    "stages",
    multiple=True,
    metavar="NAME",
    help="Run only this stage (repeatable), with the stages it needs: 'shipped ingest', 'cold start' (cold "
    "answers, `serve`, its memory and the concurrent users), 'warm ask', 'langchain baseline', 'synthetic "
    "ingest', 'scale tiers', 'large TXT ingest'.",
)
@click.pass_obj
@translate_errors
def bench(settings: Settings, out, quick, stages):
    """Measure latency, cold start, ingest throughput, scale and memory; write bench/report.md."""
    from evals.bench.run import chosen_stages, run_bench

    try:
        chosen_stages(stages)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--stage") from None
    report = run_bench(settings, out, quick=quick, stages=stages)
    click.echo(report)


@cli.command()
@click.option(
    "--days",
    type=click.IntRange(min=0),
    help="Keep the answers of the last DAYS days [default: env PA_LOG_RETENTION_DAYS, else 365].",
)
@click.pass_obj
@translate_errors
def purge(settings: Settings, days):
    """Delete logged answers (with their feedback and ratings) older than the retention period."""
    from assistant.app.repository import Repository

    days = settings.log_retention_days if days is None else days
    repo = Repository(settings.db_url)
    try:
        count = repo.purge_older_than(days)
    finally:
        repo.close()
    click.echo(f"purged {count} answer records older than {days} days")


def main() -> None:
    cli(prog_name="policy-assistant")
