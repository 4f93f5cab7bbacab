"""The bench's light Gradio client against a real Gradio app on a loopback port, queued and direct events alike,
and which of the app's chat events skip the queue."""

from __future__ import annotations

import gradio as gr
import pytest

from evals.bench import gradio_queue
from tests.ui_fixtures import free_port, wait_ready


def _counter(step: int):
    async def count(text: str, total: int | None):
        total = (total or 0) + step
        return f"{text}:{total}", total

    return count


@pytest.fixture(scope="module")
def url():
    with gr.Blocks() as app:
        box, out, total = gr.Textbox(), gr.Textbox(), gr.State(None)
        queued, direct = gr.Button(), gr.Button()
        queued.click(_counter(1), [box, total], [out, total], api_name="queued")
        direct.click(_counter(10), [box, total], [out, total], api_name="direct", queue=False)
    port = free_port()
    app.queue().launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True)
    address = f"http://127.0.0.1:{port}/"
    try:
        wait_ready(address)
        yield address
    finally:
        app.close()


def test_queued_and_direct_events_share_the_session_state(url):
    queued = gradio_queue.endpoint(url, "queued", 30)
    direct = gradio_queue.endpoint(url, "direct", 30)
    assert queued.queued and not direct.queued
    first, second = gradio_queue.Session(url, 30), gradio_queue.Session(url, 30)
    try:
        assert first.call(queued, ["a", None])[0] == "a:1"
        assert first.call(direct, ["b", None])[0] == "b:11"
        assert first.call(queued, ["c", None])[0] == "c:12"
        assert second.call(direct, ["d", None])[0] == "d:10", "another session has its own state"
    finally:
        first.close()
        second.close()


def test_an_unknown_event_is_an_error(url):
    with pytest.raises(gradio_queue.QueueError, match="nope"):
        gradio_queue.endpoint(url, "nope", 30)


def test_the_chat_skips_the_queue_only_when_answers_are_whole_on_the_event_loop():
    from assistant.core.settings import Settings
    from assistant.llm.chat import ChatModel
    from assistant.service import Assistant
    from ui.tabs.chat_flow import chat_queued

    local = Assistant(Settings(embedding_model="hash-64"))
    assert not chat_queued(local)
    assert chat_queued(Assistant(Settings(embedding_model="hash-64", chroma_url="http://127.0.0.1:9")))
    assert chat_queued(Assistant(Settings(embedding_model="hash-64", database_url="postgresql://pa@db/pa")))
    llm = Settings(embedding_model="hash-64", llm_base_url="http://127.0.0.1:9/v1", llm_model="fake")
    assert chat_queued(Assistant(llm, chat=ChatModel(llm)))
