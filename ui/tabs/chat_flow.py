"""The chat's handlers: asking (for the page and for API callers), logging, feedback (no layout here).

The page's ask never raises for a refused input: the message is shown inline under the input box and
the chat stays as it was, so no error overlay is left on the conversation. `/ask` for API callers
raises the same message as an error (through ui.errors).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import gradio as gr

from assistant.app.repository import Repository
from assistant.core.errors import PolicyAssistantError, StorageError
from assistant.core.records import Answer
from assistant.core.text import clean_question
from assistant.service import Assistant
from ui.errors import RECORDS_UNAVAILABLE, user_errors, user_message
from ui.views.render import answer_status, md_text, render_answer

log = logging.getLogger("ui")
SCOPES = {"全部": None, "国家": "national", "上海": "shanghai"}
THUMBS = {"有帮助": "up", "没帮助": "down"}
THINKING = "正在检索政策条款……"
NO_ERROR = ""


def new_session() -> dict:
    """Per-browser-session chat state: plain-text turns for the assistant, rendered messages for the
    chatbot, and the log record id of each answer (by message index) for feedback."""
    return {"id": uuid.uuid4().hex, "turns": [], "messages": [], "qa_ids": {}, "last_qa": None}


def inline_error(message: str) -> str:
    return f"⚠️ {md_text(message)}"


Step = tuple[list[dict], dict, Any, Answer | None]  # messages, state, status, the answer once there


def answer_steps(
    assistant: Assistant, repo: Repository, cleaned: str, jurisdiction: str | None, state: dict
) -> Iterator[Step]:
    """The chat while a question is answered: first the question with a placeholder, then the streamed
    text (at most one update per `ui_stream_interval_s`: each update re-sends the whole chat through Gradio, and
    an extractive answer is whole within milliseconds), then the rendered answer with its sources (logged; when
    the log cannot be written the answer is shown all the same, and the status says so).
    Raises PolicyAssistantError."""
    messages = [
        *state["messages"],
        {"role": "user", "content": md_text(cleaned)},
        {"role": "assistant", "content": THINKING},
    ]
    yield messages, state, "正在检索……", None
    answer: Answer | None = None
    interval, shown_at = assistant.settings.ui_stream_interval_s, time.monotonic()
    for shown, final in assistant.ask_stream(cleaned, state["turns"], jurisdiction=jurisdiction):
        if final is None and time.monotonic() - shown_at >= interval:
            messages[-1] = {"role": "assistant", "content": md_text(shown)}
            yield messages, state, gr.skip(), None
            shown_at = time.monotonic()
        answer = final
    if answer is None:  # ask_stream always ends with the answer
        raise RuntimeError("the answer stream ended without an answer")
    try:
        qa_id: int | None = log_answer(repo, assistant, state["id"], answer, jurisdiction)
    except StorageError:  # logged by the repository; the answer is shown all the same
        qa_id = None
    messages[-1] = {"role": "assistant", "content": render_answer(answer, jurisdiction)}
    status = answer_status(answer, qa_id, recorded=qa_id is not None)
    yield messages, answered_state(state, messages, qa_id, answer), status, answer


def at_once(steps: Callable[[str, str, dict | None], Iterator[tuple]], on_loop: bool) -> Callable:
    """A handler giving only the last of `steps`' updates: without an LLM the answer is whole within milliseconds,
    and every update Gradio sends re-sends the whole chat (its outputs processed, a message to the page).

    `on_loop`: a coroutine function, which Gradio runs on its event loop: answers are computed there one at a time
    in the queue's order, not handed to a worker thread and back (with 50 users, the loop and the worker threads
    taking turns with the GIL cost more CPU than the answers: 138 → 194 answers/s). Only for answers that wait on
    nothing but this process's CPU and files: the loop serves no other request meanwhile."""

    def last_step(text: str, scope_label: str, state: dict | None) -> tuple:
        *_, last = steps(text, scope_label, state)
        return last

    async def last_step_on_loop(text: str, scope_label: str, state: dict | None) -> tuple:
        return last_step(text, scope_label, state)

    return last_step_on_loop if on_loop else last_step


def answers_on_loop(assistant: Assistant) -> bool:
    """Whether a chat answer is whole at once and computed on Gradio's event loop: no LLM writes it, and the index
    and the answer log are local files."""
    return assistant.chat is None and assistant.settings.local_storage


def chat_handler(assistant: Assistant, steps: Callable) -> Callable:
    """`steps` itself when an LLM writes the answers (its text is shown as it grows, from a worker thread), else
    their last update: on the event loop when the index and the answer log are local files, else in a worker
    thread (a Chroma server or a database on the network, which an answer waits for)."""
    if assistant.chat is not None:
        return steps
    return at_once(steps, on_loop=answers_on_loop(assistant))


def chat_queued(assistant: Assistant) -> bool:
    """Whether the chat events go through Gradio's queue. An answer computed on the event loop in about a
    millisecond does not: the page posts it (`/gradio_api/run/…`) and gets the outputs in the reply, one request
    where the queue takes two, an event stream and its status messages (the queue's own work was three quarters
    of the server's CPU per answer with 50 users at once). Streamed LLM answers and answers that wait on a
    network store keep the queue and its concurrency limit."""
    return not answers_on_loop(assistant)


def api_asker(assistant: Assistant, repo: Repository) -> Callable:
    """`/ask`: (question, scope, session) → (chat, cleared input, session, status); errors raise."""

    def ask(text: str, scope_label: str, state: dict | None):
        state = state or new_session()
        with user_errors(action="question"):
            cleaned = clean_question(text, assistant.settings.max_question_chars)
            for messages, new_state, status, _ in answer_steps(
                assistant, repo, cleaned, SCOPES.get(scope_label), state
            ):
                yield messages, "", new_state, status

    return chat_handler(assistant, ask)


def page_asker(assistant: Assistant, repo: Repository) -> Callable:
    """The page's ask: (question, scope, session) → (chat, input, session, status, inline error, widen button).

    A refused input keeps the chat and the typed text, and says why under the input box."""

    def ask_on_page(text: str, scope_label: str, state: dict | None):
        state = state or new_session()
        jurisdiction = SCOPES.get(scope_label)
        try:
            cleaned = clean_question(text, assistant.settings.max_question_chars)
        except PolicyAssistantError as exc:
            log.info("refused question: %s", user_message(exc)[:200])
            yield gr.skip(), gr.skip(), state, gr.skip(), inline_error(user_message(exc)), gr.skip()
            return
        try:
            steps = answer_steps(assistant, repo, cleaned, jurisdiction, state)
            for step, (messages, new_state, status, answer) in enumerate(steps):
                if step and answer is None:  # a streamed update: only the chat changes
                    yield messages, gr.skip(), new_state, gr.skip(), gr.skip(), gr.skip()
                    continue
                widen = gr.Button(visible=bool(answer and answer.refused and jurisdiction))
                yield messages, "", new_state, status, NO_ERROR, widen
        except PolicyAssistantError as exc:
            log.warning("question failed: %s", user_message(exc)[:200])
            yield state["messages"], text, state, "", inline_error(user_message(exc)), gr.Button(visible=False)

    return chat_handler(assistant, ask_on_page)


def last_question(state: dict | None) -> str:
    turns = (state or {}).get("turns") or []
    return next((t["content"] for t in reversed(turns) if t["role"] == "user"), "")


def log_answer(
    repo: Repository, assistant: Assistant, session_id: str, answer: Answer, jurisdiction: str | None
) -> int:
    """The answer in the app's log, with the settings it was given under; returns its record id."""
    settings = assistant.settings
    options: dict[str, Any] = {
        "retriever": settings.retriever.value,
        "jurisdiction": jurisdiction,
        "top_k": settings.top_k,
        "embedding_model": settings.embedding_model,
        "mode": answer.mode,
        "resolved_question": answer.resolved_question,
        "latency_ms": round(answer.latency_ms, 1),
    }
    citations = [c.to_dict() for c in answer.citations]
    return repo.log_answer(session_id, answer.question, answer.answer, answer.refused, citations, options)


def answered_state(state: dict, messages: list[dict], qa_id: int | None, answer: Answer) -> dict:
    """The session after an answer: its messages, its log record and the two new plain-text turns."""
    return {
        **state,
        "messages": messages,
        "last_qa": qa_id,
        "qa_ids": {**state["qa_ids"], len(messages) - 1: qa_id},
        "turns": [
            *state["turns"],
            {"role": "user", "content": answer.question},
            {"role": "assistant", "content": answer.answer},
        ],
    }


def clear_chat():
    return [], "", new_session(), ""


def feedback_saver(repo: Repository) -> Callable:
    def save_feedback(thumb_label: str, text: str, state: dict | None):
        qa_id = (state or {}).get("last_qa")
        if qa_id is None and (state or {}).get("turns"):  # answered, but the answer could not be logged
            return f"{RECORDS_UNAVAILABLE}。", gr.skip()
        if qa_id is None:
            return "还没有可以反馈的回答，请先提问。", gr.skip()
        try:
            repo.add_feedback(qa_id, THUMBS.get(thumb_label, "up"), text or "")
        except StorageError:  # logged by the repository
            return f"{RECORDS_UNAVAILABLE}。", gr.skip()
        return f"已记录对回答 #{qa_id} 的反馈，谢谢！", ""

    return save_feedback


def liker(repo: Repository) -> Callable:
    """👍/👎 under an answer: saved, and confirmed right under the chat."""

    def like(text: str, state: dict | None, data: gr.LikeData):
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        qa_id = (state or {}).get("qa_ids", {}).get(index)
        if qa_id is None:
            return gr.skip(), gr.skip()
        if data.liked in (None, ""):
            return "已取消评价（之前的反馈仍保留在记录中）。", gr.skip()
        liked = data.liked is True or data.liked == "Like"
        try:
            repo.add_feedback(qa_id, "up" if liked else "down", text or "")
        except StorageError:  # logged by the repository
            return f"{RECORDS_UNAVAILABLE}。", gr.skip()
        return f"已记录您对回答 #{qa_id} 的{'好评' if liked else '差评'}，谢谢！", ""

    return like
