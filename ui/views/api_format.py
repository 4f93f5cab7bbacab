"""From requests to the assistant's terms, and from its Answer to OpenAI-shaped payloads; validation
errors of a request become one ApiError naming the problem."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from assistant.core.records import Answer
from ui.views.api_schema import (
    AnswerExtras,
    ApiError,
    ChatCompletionChunkOut,
    ChatCompletionOut,
    ChatCompletionRequest,
    ChoiceOut,
    ChunkChoiceOut,
    CitationOut,
    DeltaOut,
    MessageOut,
)

CONVERSATION_ROLES = ("user", "assistant")
# a sentence with the markers after its end, or a line, or what is left
PIECE = re.compile(r"[^。！？；!?;\n]*(?:[。！？；!?;]+(?:\[\d+\])*\n?|\n|$)")


def question_and_history(request: ChatCompletionRequest) -> tuple[str, list[dict]]:
    """The last message is the question; earlier user and assistant messages are its history."""
    *earlier, last = request.messages
    if last.role != "user":
        raise ApiError(
            400,
            "last_message_not_user",
            f"messages 的最后一条必须是用户（user）的问题，收到的是 {last.role}。",
            param=f"messages[{len(earlier)}].role",
        )
    history = [{"role": m.role, "content": m.text} for m in earlier if m.role in CONVERSATION_ROLES]
    return last.text, history


# ---- validation errors -------------------------------------------------------------------------


def _path(loc: Sequence[Any]) -> str:
    """('body', 'messages', 1, 'role') → 'messages[1].role' (stops at the field the error is about)."""
    text = ""
    for part in loc:
        if part == "body" and not text:
            continue
        if isinstance(part, int):
            text += f"[{part}]"
            continue
        text += f".{part}" if text else str(part)
        if part in ("role", "content", "jurisdiction"):
            break
    return text or "body"


def validation_error(errors: Sequence[dict]) -> ApiError:
    """The first problem of a request that failed validation, as a 400 naming it."""
    if not errors:
        return ApiError(400, "invalid_request", "请求无效。")
    error = errors[0]
    kind, loc = error.get("type", ""), tuple(error.get("loc", ()))
    path, given = _path(loc), error.get("input")
    if kind == "json_invalid":
        reason = (error.get("ctx") or {}).get("error", "")
        return ApiError(400, "malformed_json", f"请求体不是合法的 JSON（{reason}）。")
    if loc in ((), ("body",)):
        if kind == "missing":
            return ApiError(400, "empty_body", "请求体为空：请发送一个 JSON 对象。")
        return ApiError(400, "not_an_object", "请求体必须是 JSON 对象（Content-Type: application/json）。")
    if kind == "missing":
        return ApiError(400, "missing_field", f"缺少必填字段 {path}。", param=path)
    if "role" in loc:
        expected = (error.get("ctx") or {}).get("expected", "")
        return ApiError(400, "bad_role", f"{path} 的角色无效（收到 {given!r}），应为 {expected}。", param=path)
    if "jurisdiction" in loc:
        return ApiError(400, "bad_jurisdiction", f"jurisdiction 只能是 national 或 shanghai（收到 {given!r}）。", path)
    if path == "messages" and kind == "too_short":
        return ApiError(400, "empty_messages", "messages 不能为空：最后一条应是用户的问题。", param=path)
    if "content" in loc:
        return ApiError(400, "bad_content", f"{path} 必须是文本，或由文本片段组成的列表。", param=path)
    return ApiError(400, "invalid_request", f"{path} 的值无效（{error.get('msg', '')}）。", param=path)


# ---- answers → payloads ------------------------------------------------------------------------


def extras(answer: Answer) -> dict:
    """The fields an OpenAI client ignores: citations, refused, notice, resolved_question, verdict, mode."""
    return AnswerExtras(
        citations=[CitationOut(**c.to_dict()) for c in answer.citations],
        refused=answer.refused,
        notice=answer.notice,
        resolved_question=answer.resolved_question,
        verdict=answer.verdict,
        mode=answer.mode,
    ).model_dump(mode="json")


def completion(completion_id: str, created: int, model: str, answer: Answer) -> dict:
    return ChatCompletionOut(
        id=completion_id,
        created=created,
        model=model,
        choices=[ChoiceOut(message=MessageOut(content=answer.answer))],
        **extras(answer),
    ).model_dump(mode="json")


def chunk(
    completion_id: str,
    created: int,
    model: str,
    delta: DeltaOut,
    finish: str | None = None,
    answer: Answer | None = None,
) -> dict:
    payload = ChatCompletionChunkOut(
        id=completion_id,
        created=created,
        model=model,
        choices=[ChunkChoiceOut(delta=delta, finish_reason=finish)],
    ).model_dump(mode="json", exclude_none=False)
    payload["choices"][0]["delta"] = delta.model_dump(exclude_none=True)
    return {**payload, **extras(answer)} if answer is not None else payload


def event(data: dict | str) -> str:
    """One server-sent event."""
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return f"data: {text}\n\n"


def pieces(text: str) -> list[str]:
    """`text` cut after each sentence (its [n] markers kept with it) and line: what a stream sends at a time."""
    return [m.group(0) for m in PIECE.finditer(text) if m.group(0)]


def delta_text(sent: str, shown: str, answer: Answer | None) -> str:
    """What to send after `sent` so the client ends up with `shown`. When the final text does not
    continue what was streamed (an LLM answer replaced by the extractive one) the client gets the
    notice and the whole final answer after what it has."""
    if shown.startswith(sent):
        return shown[len(sent) :]
    notice = answer.notice if answer is not None and answer.notice else ""
    return "\n\n" + "\n\n".join(p for p in (notice, shown) if p)
