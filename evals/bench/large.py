"""Ingest of one large TXT (20 MB in a full run) by a fresh process with the configured model: wall time, chunks,
and the peak RSS of the ingest process and of its parser child. Ingest streams in batches, so memory stays
bounded by a batch plus the parsed chunks: the target is 1 GB."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from assistant.core.settings import Settings
from evals.bench.proc import child_env
from ingest.parse import parse_file

RSS_LIMIT_MB = 1024.0
NUMERALS = "一二三四五六七八九十"
SCRIPT = textwrap.dedent("""
    import json, resource, time
    from assistant.core.settings import Settings
    from assistant.index.build import ingest
    from assistant.index.embeddings import make_embedder
    from assistant.index.lexical import ChineseTokenizer
    settings = Settings.from_env()
    embedder = make_embedder(settings)
    started = time.perf_counter()
    report = ingest(settings, embedder, ChineseTokenizer())
    status = open("/proc/self/status").read().splitlines()
    print(json.dumps({
        "seconds": time.perf_counter() - started,
        "timings": report.timings,
        "docs": [(d.status, d.chunks, d.reason) for d in report.docs],
        "ingest_rss_mb": next(int(l.split()[1]) for l in status if l.startswith("VmHWM:")) / 1024,
        "parser_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }))
""")


def write_large_txt(path: Path, corpus_dir: Path, megabytes: float, seed: int = 1) -> int:
    """A policy-like TXT of `megabytes` MB: a title, then clauses of the shipped documents in random order, each
    under a 第X条 heading. Returns the number of clauses."""
    settings = Settings(corpus_dir=corpus_dir)
    clauses = [
        c.text.replace("\n", "")
        for p in sorted(corpus_dir.iterdir())
        if p.suffix == ".pdf"
        for c in parse_file(p, settings).chunks
        if c.kind == "clause"
    ]
    rng, size, lines = random.Random(seed), 0, ["中试平台建设支持政策汇编"]
    while size < megabytes * 1024 * 1024:
        line = f"第{NUMERALS[len(lines) % 10]}条 {rng.choice(clauses)}"
        lines.append(line)
        size += len(line.encode("utf-8")) + 1
    path.write_text("\n".join(lines), encoding="utf-8")
    return len(lines) - 1


def large_txt(settings: Settings, work: Path, megabytes: float) -> dict:
    corpus, data = work / "corpus", work / "data"
    corpus.mkdir(parents=True)
    clauses = write_large_txt(corpus / "large.txt", settings.corpus_dir, megabytes)
    env = child_env(settings.replace(corpus_dir=corpus, data_dir=data))
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=7200)
    if done.returncode != 0:
        raise RuntimeError(f"large TXT ingest exited with {done.returncode}: {done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    status, chunks, reason = result["docs"][0]
    if status != "new":
        raise RuntimeError(f"large TXT not indexed: {status} {reason}")
    return {
        "megabytes": round((corpus / "large.txt").stat().st_size / 1048576, 1),
        "clauses": clauses,
        "chunks": chunks,
        "process_s": time.perf_counter() - started,
        "ingest_s": result["seconds"],
        "timings": result["timings"],
        "ingest_rss_mb": result["ingest_rss_mb"],
        "parser_rss_mb": result["parser_rss_mb"],
        "peak_rss_mb": max(result["ingest_rss_mb"], result["parser_rss_mb"]),
    }


def render_large_txt(r: dict) -> list[str]:
    big = r.get("large_txt")
    if not big:
        return []
    t = big["timings"]
    model = r.get("meta", {}).get("model")
    return [
        f"\n\n## Large TXT ingest\n\nOne {big['megabytes']} MB TXT ({big['clauses']} clauses → "
        f"{big['chunks']} chunks), `ingest` in a fresh process with {model}: **{big['ingest_s']:.0f} s** "
        f"(parse {t.get('parse', 0):.0f} s in the parser child, tokenize {t.get('tokenize', 0):.0f} s, "
        f"embed {t.get('embed', 0):.0f} s, store {t.get('store', 0):.0f} s); peak RSS "
        f"**{big['ingest_rss_mb']:.0f} MB** for the ingest process, {big['parser_rss_mb']:.0f} MB for its parser "
        f"child (target ≤ {RSS_LIMIT_MB:.0f} MB each). Chunks are tokenized, embedded, stored and written batch "
        "by batch."
    ]
