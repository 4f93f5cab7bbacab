"""Tab 1 政策问答: multi-turn chat with streamed, cited answers, a scope filter and feedback."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gradio as gr

from assistant.app.repository import Repository
from assistant.core.errors import PolicyAssistantError, StorageError
from assistant.core.records import Answer
from assistant.service import Assistant, clean_question
from ui.errors import RECORDS_UNAVAILABLE, page_error
from ui.views.render import answer_status, md_text, render_answer

EXAMPLES = [
    "上海对中试平台有哪些支持政策？",
    "新建中试平台采购设备最高补贴多少？",
    "已建的中试平台提升能级，补贴比例最高多少？",
    "中试服务券最高支持比例是多少？",
    "国家出台《实施意见》的背景是什么？",
    "上海的中试平台方案文号是多少？",
    "北京的中试补贴标准是多少？",
]
SCOPES = {"全部": None, "国家": "national", "上海": "shanghai"}
THUMBS = {"有帮助": "up", "没帮助": "down"}
THINKING = "正在检索政策条款……"


def new_session() -> dict:
    """Per-browser-session chat state: plain-text turns for the assistant, rendered messages for the
    chatbot, and the log record id of each answer (by message index) for feedback."""
    return {"id": uuid.uuid4().hex, "turns": [], "messages": [], "qa_ids": {}, "last_qa": None}


@dataclass
class ChatView:
    """The components of the tab."""

    session: gr.State
    scope: gr.Radio
    clear: gr.Button
    chatbot: gr.Chatbot
    question: gr.Textbox
    send: gr.Button
    status: gr.Markdown
    thumb: gr.Radio
    comment: gr.Textbox
    give: gr.Button
    feedback_status: gr.Markdown


def build(assistant: Assistant, repo: Repository) -> None:
    view = _layout()
    _wire(view, assistant, repo)


# ---- layout ------------------------------------------------------------------------------------


def _layout() -> ChatView:
    session = gr.State(None)
    with gr.Row():
        scope = gr.Radio(list(SCOPES), value="全部", label="政策范围", scale=3, elem_id="pa-scope")
        clear = gr.Button("新对话", variant="secondary", scale=1, elem_id="pa-clear")
    chatbot = gr.Chatbot(
        label="对话",
        height=520,
        elem_id="pa-chatbot",
        sanitize_html=True,
        allow_tags=False,
        feedback_options=("Like", "Dislike"),
        buttons=["copy"],
        placeholder="请输入您关心的中试政策问题，答案将注明政策出处。",
    )
    with gr.Row():
        question = gr.Textbox(
            placeholder="例如：新建中试平台采购设备最高补贴多少？",
            show_label=False,
            lines=1,
            max_lines=4,
            scale=5,
            elem_id="pa-question",
            autofocus=True,
        )
        send = gr.Button("发送", variant="primary", scale=1, elem_id="pa-send")
    status = gr.Markdown("", elem_id="pa-status")
    gr.Examples(EXAMPLES, inputs=[question], label="示例问题")
    with gr.Accordion("对最新回答的反馈", open=False, elem_id="pa-feedback"):
        with gr.Row():
            thumb = gr.Radio(list(THUMBS), value="有帮助", label="评价", scale=1)
            comment = gr.Textbox(label="意见（可选）", placeholder="哪里不准确、缺了什么……", scale=3)
        give = gr.Button("提交反馈")
        feedback_status = gr.Markdown("")
    return ChatView(session, scope, clear, chatbot, question, send, status, thumb, comment, give, feedback_status)


def _wire(view: ChatView, assistant: Assistant, repo: Repository) -> None:
    gr.on(
        [view.send.click, view.question.submit],
        _asker(assistant, repo),
        inputs=[view.question, view.scope, view.session],
        outputs=[view.chatbot, view.question, view.session, view.status],
        api_name="ask",
        concurrency_limit=8,
    )
    view.clear.click(clear_chat, outputs=[view.chatbot, view.question, view.session, view.status], api_name="clear")
    view.chatbot.clear(
        lambda: (new_session(), ""),
        outputs=[view.session, view.status],
        api_name="chatbot_clear",
        api_visibility="private",
    )
    view.give.click(
        _feedback_saver(repo),
        inputs=[view.thumb, view.comment, view.session],
        outputs=[view.feedback_status, view.comment],
        api_name="feedback",
    )
    view.chatbot.like(
        _liker(repo),
        inputs=[view.comment, view.session],
        outputs=[view.feedback_status, view.comment],
        api_name="like",
        api_visibility="private",
    )


# ---- handlers ----------------------------------------------------------------------------------


def _asker(assistant: Assistant, repo: Repository) -> Callable:
    def ask(text: str, scope_label: str, state: dict | None):
        state = state or new_session()
        try:
            cleaned = clean_question(text, assistant.settings.max_question_chars)
        except PolicyAssistantError as exc:
            raise page_error(str(exc)) from exc
        jurisdiction = SCOPES.get(scope_label)
        messages = [
            *state["messages"],
            {"role": "user", "content": md_text(cleaned)},
            {"role": "assistant", "content": THINKING},
        ]
        yield messages, "", state, "正在检索……"
        answer: Answer | None = None
        try:
            for shown, final in assistant.ask_stream(cleaned, state["turns"], jurisdiction=jurisdiction):
                if final is None:
                    messages[-1] = {"role": "assistant", "content": md_text(shown)}
                    yield messages, "", state, gr.skip()
                answer = final
        except PolicyAssistantError as exc:
            raise page_error(str(exc)) from exc
        if answer is None:  # ask_stream always ends with the answer
            raise RuntimeError("the answer stream ended without an answer")
        try:
            qa_id: int | None = log_answer(repo, assistant, state["id"], answer, jurisdiction)
        except StorageError:  # logged by the repository; the answer is shown all the same
            qa_id = None
        messages[-1] = {"role": "assistant", "content": render_answer(answer)}
        status = answer_status(answer, qa_id, recorded=qa_id is not None)
        yield messages, "", answered_state(state, messages, qa_id, answer), status

    return ask


def log_answer(
    repo: Repository, assistant: Assistant, session_id: str, answer: Answer, jurisdiction: str | None
) -> int:
    """The answer in the app's log, with the settings it was given under; returns its record id."""
    settings = assistant.settings
    options: dict[str, Any] = {
        "retriever": settings.retriever,
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


def _feedback_saver(repo: Repository) -> Callable:
    def save_feedback(thumb_label: str, text: str, state: dict | None):
        qa_id = (state or {}).get("last_qa")
        if qa_id is None and (state or {}).get("turns"):  # answered, but the answer could not be logged
            return f"{RECORDS_UNAVAILABLE}。", gr.skip()
        if qa_id is None:
            raise gr.Error("还没有可以反馈的回答，请先提问。")
        try:
            repo.add_feedback(qa_id, THUMBS.get(thumb_label, "up"), text or "")
        except StorageError:
            return f"{RECORDS_UNAVAILABLE}。", gr.skip()
        return f"已记录对回答 #{qa_id} 的反馈，谢谢！", ""

    return save_feedback


def _liker(repo: Repository) -> Callable:
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
        except StorageError:
            return f"{RECORDS_UNAVAILABLE}。", gr.skip()
        return f"已记录对回答 #{qa_id} 的{'好评' if liked else '差评'}，谢谢！", ""

    return like
