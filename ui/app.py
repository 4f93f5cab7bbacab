"""Gradio app factory. Launch only from the CLI (`policy-assistant serve`) or `python -m ui`."""

from __future__ import annotations

import gradio as gr

from assistant.assistant import Assistant
from assistant.config import Settings
from assistant.errors import PolicyAssistantError
from ui.render import render_answer

EXAMPLES = ["新建中试平台采购设备最高补贴多少？", "已建的中试平台提升能级，补贴比例最高多少？",
            "中试服务券最高支持比例是多少？", "上海的中试平台方案文号是多少？", "北京的中试补贴标准是多少？"]


def build_app(assistant: Assistant) -> gr.Blocks:
    def respond(message: str, history: list[dict]):
        turns = [{"role": m["role"], "content": _text(m["content"])} for m in history]
        try:
            answer = assistant.ask(message, turns)
        except PolicyAssistantError as exc:
            raise gr.Error(str(exc)) from exc
        return render_answer(answer)

    with gr.Blocks(title="中试政策助手") as app:
        gr.Markdown("## 中试政策助手\n国家《制造业中试创新发展实施意见》（含解读）与《上海市中试平台创新发展实施方案》问答，答案均注明出处。")
        gr.ChatInterface(respond, examples=EXAMPLES, cache_examples=False)
    return app


def _text(content) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content)


def launch(assistant: Assistant, settings: Settings) -> None:
    build_app(assistant).queue(default_concurrency_limit=8).launch(
        server_name=settings.host, server_port=settings.port, show_error=True)
