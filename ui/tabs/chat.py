"""Tab 1 政策问答: multi-turn chat with cited answers, a scope filter, feedback and 原文定位."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from assistant.app.repository import Repository
from assistant.service import Assistant
from ui.tabs import locate as locate_panel
from ui.tabs.chat_flow import (
    SCOPES,
    THUMBS,
    api_asker,
    chat_queued,
    clear_chat,
    feedback_saver,
    last_question,
    liker,
    new_session,
    page_asker,
)

EXAMPLES = [
    "上海对中试平台有哪些支持政策？",
    "新建中试平台采购设备最高补贴多少？",
    "已建的中试平台提升能级，补贴比例最高多少？",
    "中试服务券最高支持比例是多少？",
    "国家出台《实施意见》的背景是什么？",
    "上海的中试平台方案文号是多少？",
    "北京的中试补贴标准是多少？",
]
FOLLOW_JS = "() => { if (window.paFollow) window.paFollow(); }"
TO_ANSWER_JS = "() => { setTimeout(() => window.paScrollToAnswer && window.paScrollToAnswer(), 30); }"


@dataclass
class ChatView:
    """The components of the tab."""

    session: gr.State
    pending: gr.State
    scope: gr.Radio
    clear: gr.Button
    chatbot: gr.Chatbot
    like_note: gr.Markdown
    question: gr.Textbox
    send: gr.Button
    question_error: gr.Markdown
    status: gr.Markdown
    widen: gr.Button
    examples: gr.Dataset
    api_ask: gr.Button
    thumb: gr.Radio
    comment: gr.Textbox
    give: gr.Button
    feedback_status: gr.Markdown
    locate: locate_panel.LocatePanel


def build(assistant: Assistant, repo: Repository, workdir: Path) -> None:
    view = _layout()
    _wire_asking(view, assistant, repo)
    _wire_feedback(view, repo)
    locate_panel.wire(view.locate, assistant, workdir, api_name="locate")


# ---- layout ------------------------------------------------------------------------------------


def _layout() -> ChatView:
    session, pending, key = gr.State(None), gr.State(""), locate_panel.bridge("locate")
    with gr.Row(elem_id="pa-chat-top", equal_height=True):
        scope = gr.Radio(
            list(SCOPES), value="全部", label="政策范围", show_label=False, container=False, scale=3, elem_id="pa-scope"
        )
        clear = gr.Button("新对话", variant="secondary", size="sm", scale=0, min_width=80, elem_id="pa-clear")
    with gr.Row(elem_id="pa-chat-main"):
        with gr.Column(scale=3, min_width=300):
            chatbot, like_note = _conversation()
            question, send, question_error, status, widen = _input_area()
            examples = gr.Dataset(
                components=["textbox"],
                samples=[[q] for q in EXAMPLES],
                type="index",
                label="示例问题（点击即发送）",
                elem_id="pa-examples",
                samples_per_page=len(EXAMPLES),
            )
            api_ask = gr.Button(visible=False)  # the trigger of /ask for API callers; the page uses its own event
            thumb, comment, give, feedback_status = _feedback_form()
        located = locate_panel.layout("pa-chat", key)
    return ChatView(
        session,
        pending,
        scope,
        clear,
        chatbot,
        like_note,
        question,
        send,
        question_error,
        status,
        widen,
        examples,
        api_ask,
        thumb,
        comment,
        give,
        feedback_status,
        located,
    )


def _conversation() -> tuple[gr.Chatbot, gr.Markdown]:
    chatbot = gr.Chatbot(
        label="对话",
        height="calc(100vh - 320px)",
        min_height=300,
        max_height=720,
        elem_id="pa-chatbot",
        sanitize_html=True,
        allow_tags=False,
        autoscroll=False,  # ui/static/app.js scrolls to the start of a new answer instead of its end
        feedback_options=("Like", "Dislike"),
        buttons=["copy"],
        placeholder="请输入您关心的中试政策问题，答案将注明政策出处。",
    )
    like_note = gr.Markdown("", elem_id="pa-like-note")
    return chatbot, like_note


def _input_area():
    with gr.Row(elem_id="pa-input-row", equal_height=True):
        question = gr.Textbox(
            placeholder="请输入问题，如：新建中试平台补贴多少？",
            show_label=False,
            lines=1,
            max_lines=4,
            scale=5,
            elem_id="pa-question",
            html_attributes=gr.InputHTMLAttributes(enterkeyhint="send", autocomplete="off"),
        )
        send = gr.Button("发送", variant="primary", scale=0, min_width=72, elem_id="pa-send")
    question_error = gr.Markdown("", elem_id="pa-question-error")
    status = gr.Markdown("", elem_id="pa-status")
    widen = gr.Button("在全部文件中重新查找", size="sm", visible=False, elem_id="pa-widen")
    return question, send, question_error, status, widen


def _feedback_form():
    with gr.Accordion("对最新回答的反馈", open=False, elem_id="pa-feedback"):
        with gr.Row():
            thumb = gr.Radio(list(THUMBS), value="有帮助", label="评价", scale=1)
            comment = gr.Textbox(label="意见（可选）", placeholder="哪里不准确、缺了什么……", scale=3)
        give = gr.Button("提交反馈")
        feedback_status = gr.Markdown("", elem_id="pa-feedback-status")
    return thumb, comment, give, feedback_status


# ---- wiring ------------------------------------------------------------------------------------


def _wire_asking(view: ChatView, assistant: Assistant, repo: Repository) -> None:
    ask_on_page = page_asker(assistant, repo)

    def then_ask(event, question: gr.components.Component) -> None:
        event.then(None, js=FOLLOW_JS).then(
            ask_on_page,
            inputs=[question, view.scope, view.session],
            outputs=[view.chatbot, view.question, view.session, view.status, view.question_error, view.widen],
            api_visibility="private",
            concurrency_limit=assistant.settings.ui_concurrency,
            queue=chat_queued(assistant),
        ).then(None, js=TO_ANSWER_JS)

    then_ask(
        gr.on([view.send.click, view.question.submit], None, js="() => {}", api_visibility="private"), view.question
    )
    then_ask(
        view.examples.click(lambda index: EXAMPLES[index], [view.examples], [view.pending], api_visibility="private"),
        view.pending,
    )
    then_ask(
        view.widen.click(
            lambda state: (last_question(state), "全部"),
            [view.session],
            [view.pending, view.scope],
            api_visibility="private",
        ),
        view.pending,
    )
    view.api_ask.click(
        api_asker(assistant, repo),
        inputs=[view.question, view.scope, view.session],
        outputs=[view.chatbot, view.question, view.session, view.status],
        api_name="ask",
        concurrency_limit=assistant.settings.ui_concurrency,
        queue=chat_queued(assistant),
    )
    view.clear.click(
        clear_chat, outputs=[view.chatbot, view.question, view.session, view.status], api_name="clear"
    ).then(
        lambda: ("", "", gr.Button(visible=False)),
        outputs=[view.question_error, view.like_note, view.widen],
        api_visibility="private",
    )
    view.chatbot.clear(
        lambda: (new_session(), ""),
        outputs=[view.session, view.status],
        api_name="chatbot_clear",
        api_visibility="private",
    )


def _wire_feedback(view: ChatView, repo: Repository) -> None:
    view.give.click(
        feedback_saver(repo),
        inputs=[view.thumb, view.comment, view.session],
        outputs=[view.feedback_status, view.comment],
        api_name="feedback",
    )
    view.chatbot.like(
        liker(repo),
        inputs=[view.comment, view.session],
        outputs=[view.like_note, view.comment],
        api_name="like",
        api_visibility="private",
    )
