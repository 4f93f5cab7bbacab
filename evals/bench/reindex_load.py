"""Chat while an admin re-indexes through the web app: `serve` on a loopback port, N chat users asking in a loop,
first for a baseline window, then while one admin session runs `/reindex` over a corpus with new documents (a
notice signed by 30 departments, whose signature once froze every user for 46 s, and a bulk TXT that gives the
re-index real parsing and embedding to do). Reports p50/p95/max and errors of the answers started in each window.

    python -m evals.bench.reindex_load [--users 10] [--bulk-mb 1.0] [--baseline-s 20] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from assistant.core.settings import Settings
from assistant.index.build import ingest
from assistant.index.embeddings import make_embedder
from assistant.index.lexical import ChineseTokenizer
from evals.bench.load import ENDPOINT, SCOPE, SCRIPTS
from evals.bench.proc import serving
from evals.bench.report import stats

ADMIN = ("bench-admin", "bench-secret")
ANSWER_TIMEOUT_S = 120.0
REINDEX_TIMEOUT_S = 3600.0
DEPARTMENTS = (
    "交通运输部 国家发展改革委 教育部 科技部 财政部 人力资源社会保障部 自然资源部 生态环境部 住房城乡建设部 "
    "水利部 农业农村部 商务部 文化和旅游部 国家卫生健康委 应急管理部 国务院国资委 海关总署 税务总局 "
    "市场监管总局 国家统计局 国家知识产权局 国家能源局 国家林草局 国家药监局 国家数据局 国家标准委 中国科学院 "
    "中国工程院 中国证监会 国家邮政局"
).split()
NOTICE = (
    "交通运输部等部门关于印发《农村公路养护提质行动方案》的通知\n交公路发〔2025〕31号\n各省、自治区、直辖市交通运输厅：\n"
    "现将《农村公路养护提质行动方案》印发给你们，请认真贯彻落实。\n"
    + "　".join(DEPARTMENTS)
    + "\n2025年4月2日\n农村公路养护提质行动方案\n一、总体要求\n到2027年，农村公路优良中等路率达到85%。\n"
)
ROAD_CLAUSES = (
    "县级交通运输主管部门每年对辖区农村公路路面开展{n}次技术状况检测，结果向社会公开。",
    "农村公路日常养护按每公里{n}元的标准安排资金，由县级财政统筹保障。",
    "乡道和村道的桥梁每{n}年至少进行一次定期检查，发现病害及时处治。",
    "鼓励采用专业化养护队伍，养护合同期限一般不少于{n}年。",
    "雨雪冰冻天气后{n}小时内完成主要路段的巡查和清障。",
)


@dataclass
class Answer:
    started: float
    ms: float
    error: str | None = None


@dataclass
class Window:
    t0: float = 0.0
    t1: float = 0.0

    def figures(self, answers: list[Answer]) -> dict:
        inside = [a for a in answers if self.t0 <= a.started <= self.t1]
        ok = [a.ms for a in inside if a.error is None]
        errors = [a.error for a in inside if a.error]
        return {"seconds": round(self.t1 - self.t0, 1), "latency_ms": stats(ok), "errors": len(errors)} | (
            {"error_list": sorted(set(errors))[:10]} if errors else {}
        )


def write_new_documents(corpus: Path, bulk_mb: float, seed: int = 1) -> None:
    """The 30-department notice and a bulk TXT of `bulk_mb` MB on a topic no chat script asks about."""
    (corpus / "road-notice.txt").write_text(NOTICE, encoding="utf-8")
    rng, lines, size = random.Random(seed), ["农村公路养护管理办法汇编"], 0
    while size < bulk_mb * 1024 * 1024:
        line = f"第{len(lines)}条 " + rng.choice(ROAD_CLAUSES).format(n=rng.randint(2, 9999))
        lines.append(line)
        size += len(line.encode("utf-8")) + 1
    (corpus / "road-bulk.txt").write_text("\n".join(lines), encoding="utf-8")


def _client(url: str):
    """A gradio_client session; its HTTP calls wait as long as an answer may take (httpx's 5 s default would
    count a slow answer as an error)."""
    from gradio_client import Client

    return Client(
        url, verbose=False, analytics_enabled=False, download_files=False, httpx_kwargs={"timeout": ANSWER_TIMEOUT_S}
    )


def _ask(client, question: str) -> Answer:
    started = time.perf_counter()
    try:
        client.submit(question, SCOPE, api_name=ENDPOINT).result(timeout=ANSWER_TIMEOUT_S)
        return Answer(started, (time.perf_counter() - started) * 1000)
    except Exception as exc:  # noqa: BLE001 - a load run counts errors, it does not stop at one
        return Answer(started, (time.perf_counter() - started) * 1000, f"{type(exc).__name__}: {exc}")


def chat_loop(url: str, script: str, stop: threading.Event, out: list[Answer]) -> None:
    """One user playing its script again and again (a new chat each pass) until `stop`; every answer recorded,
    and a failed connection as an error."""
    while not stop.is_set():
        try:
            client = _client(url)
        except Exception as exc:  # noqa: BLE001 - as above
            out.append(Answer(time.perf_counter(), 0.0, f"connecting: {type(exc).__name__}: {exc}"))
            continue
        try:
            for question in SCRIPTS[script]:
                if stop.is_set():
                    break
                out.append(_ask(client, question))
        finally:
            client.close()


def admin_reindex(url: str) -> tuple[str, float]:
    """Log in as the admin and re-index through the web app; (its status text, seconds)."""
    client = _client(url)
    try:
        client.predict(*ADMIN, api_name="/login")
        started = time.perf_counter()
        status = client.submit(api_name="/reindex").result(timeout=REINDEX_TIMEOUT_S)
        return str(status), time.perf_counter() - started
    finally:
        client.close()


def measure(url: str, corpus: Path, users: int, bulk_mb: float, baseline_s: float) -> dict:
    answers: list[Answer] = []
    stop = threading.Event()
    names = list(SCRIPTS)
    threads = [
        threading.Thread(target=chat_loop, args=(url, names[i % len(names)], stop, answers), daemon=True)
        for i in range(users)
    ]
    for thread in threads:
        thread.start()
    baseline, during = Window(), Window()
    time.sleep(5.0)  # the users connect and reach their first answers
    baseline.t0 = time.perf_counter()
    time.sleep(baseline_s)
    baseline.t1 = during.t0 = time.perf_counter()
    write_new_documents(corpus, bulk_mb)
    status, seconds = admin_reindex(url)
    during.t1 = time.perf_counter()
    stop.set()
    for thread in threads:
        thread.join(timeout=ANSWER_TIMEOUT_S + 30)
    return {
        "users": users,
        "bulk_mb": bulk_mb,
        "reindex_s": round(seconds, 1),
        "reindex_status": status[:400],
        "baseline": baseline.figures(answers),
        "during_reindex": during.figures(answers),
    }


def run(users: int, bulk_mb: float, baseline_s: float, work: Path) -> dict:
    corpus, data = work / "corpus", work / "data"
    shutil.copytree(Path(__file__).resolve().parents[2] / "corpus", corpus)
    settings = Settings.from_env(corpus_dir=corpus, data_dir=data)
    ingest(settings, make_embedder(settings), ChineseTokenizer())
    admin = {"PA_ADMIN_USER": ADMIN[0], "PA_ADMIN_PASSWORD": ADMIN[1]}
    with serving(settings, work / "serve.log", env=admin) as (_, url, _ready):
        load1 = float(Path("/proc/loadavg").read_text().split()[0])
        figures = measure(url, corpus, users, bulk_mb, baseline_s)
    return {**figures, "load1_before": load1, "load1_after": float(Path("/proc/loadavg").read_text().split()[0])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--bulk-mb", type=float, default=1.0)
    parser.add_argument("--baseline-s", type=float, default=20.0)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pa-reindex-load-") as work:
        result = run(args.users, args.bulk_mb, args.baseline_s, Path(work))
    text = json.dumps(result, ensure_ascii=False, indent=1)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
