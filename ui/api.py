"""The HTTP API, served by the app's own server (same process and port, same Assistant and answer log):

- ``POST /v1/chat/completions``: OpenAI-compatible, streamed (server-sent events) or not;
- ``GET /v1/models``: the one model;
- ``POST /api/ask``: ``{question, history?, jurisdiction?}`` → the JSON of ``policy-assistant ask --json``;
- ``GET /api/docs`` and ``GET /api/openapi.json``: its description.

The routes go into Gradio's FastAPI app when it is created (``Blocks.launch(app_kwargs=app_kwargs(...))``).
Every request passes `Access` (bearer key or loopback, rate limit) before its body is read; problems are
answered with an OpenAI-style JSON error (Chinese message, English code), never a traceback.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from fastapi.routing import APIRoute

from assistant.app.repository import Repository
from assistant.core.errors import InvalidQuestion, PolicyAssistantError, StorageError
from assistant.core.records import Answer
from assistant.core.settings import Settings
from assistant.core.text import clean_question
from assistant.service import Assistant
from ui.views.api_access import Access, Caller
from ui.views.api_docs import DESCRIPTION, render_docs
from ui.views.api_format import (
    chunk,
    completion,
    delta_text,
    event,
    pieces,
    question_and_history,
    validation_error,
)
from ui.views.api_schema import (
    ApiError,
    AskOut,
    AskRequest,
    ChatCompletionOut,
    ChatCompletionRequest,
    DeltaOut,
    ErrorOut,
    ModelListOut,
    ModelOut,
)

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 1 << 20
ACCESS_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "missing or wrong API key (when PA_API_KEYS is set)"},
    403: {"model": ErrorOut, "description": "no PA_API_KEYS set and the client is not on loopback"},
    429: {"model": ErrorOut, "description": "over PA_API_RATE requests per minute: see Retry-After"},
}
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "bad input: empty, too long, bad roles, malformed JSON …"},
    413: {"model": ErrorOut, "description": "a request body over 1 MB"},
    **ACCESS_RESPONSES,
}
STREAM_DOC = {"text/event-stream": {"schema": {"type": "string", "description": "data: {chunk}… data: [DONE]"}}}


def error_response(error: ApiError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers)


class ApiService:
    """What the routes work with: the assistant, the answer log and the access checks."""

    def __init__(self, assistant: Assistant, repo: Repository, settings: Settings):
        self.assistant, self.repo, self.settings = assistant, repo, settings
        self.access = Access(settings.api_key_list, settings.api_rate)
        self.started = int(time.time())
        self._answering = ThreadPoolExecutor(settings.api_answer_threads, thread_name_prefix="api-answer")

    async def answered(
        self, question: str, history: list[dict], jurisdiction: str | None, meta: dict, caller: Caller
    ) -> Answer:
        """The logged answer, computed on the answering threads in arrival order while the event loop serves
        other requests."""

        def answer_and_log() -> Answer:
            answer = self.assistant.ask(question, history, jurisdiction=jurisdiction)
            self.log(answer, jurisdiction, history, meta, caller)
            return answer

        return await asyncio.wrap_future(self._answering.submit(answer_and_log))

    async def chat_completion(self, body: ChatCompletionRequest, caller: Caller) -> Response:
        question, history = question_and_history(body)
        _check_question(question, f"messages[{len(body.messages) - 1}].content", self.settings)  # before any event
        completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        meta = {"endpoint": "/v1/chat/completions", "id": completion_id, "model": body.model}
        if body.stream:
            events = self._events(completion_id, created, body, question, history, dict(meta, stream=True), caller)
            return StreamingResponse(events, media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
        answer = await self.answered(question, history, body.jurisdiction, meta, caller)
        return JSONResponse(completion(completion_id, created, body.model, answer))

    async def ask(self, body: AskRequest, caller: Caller) -> Response:
        _check_question(body.question, "question", self.settings)
        history = [t.model_dump() for t in body.history]
        answer = await self.answered(body.question, history, body.jurisdiction, {"endpoint": "/api/ask"}, caller)
        return JSONResponse(answer.to_dict())

    def _events(
        self,
        completion_id: str,
        created: int,
        body: ChatCompletionRequest,
        question: str,
        history: list[dict],
        meta: dict,
        caller: Caller,
    ) -> Iterator[str]:
        """Server-sent events: the role, the answer text as it grows, a last chunk with the citations, [DONE]."""
        yield event(chunk(completion_id, created, body.model, DeltaOut(role="assistant", content="")))
        shown_before = ""
        try:
            for shown, final in self.assistant.ask_stream(question, history, jurisdiction=body.jurisdiction):
                piece = delta_text(shown_before, shown, final)
                shown_before = shown
                for part in pieces(piece):
                    yield event(chunk(completion_id, created, body.model, DeltaOut(content=part)))
                if final is not None:
                    self.log(final, body.jurisdiction, history, meta, caller)
                    yield event(chunk(completion_id, created, body.model, DeltaOut(), "stop", final))
        except Exception as exc:  # the response has started: the error travels as an event
            error = _translate(exc)
            yield event(error.body())
        yield event("[DONE]")

    def log(
        self, answer: Answer, jurisdiction: str | None, history: list[dict], meta: dict, caller: Caller
    ) -> int | None:
        """The answer in the app's answer log (channel "api"), with the conversation it was asked in; None when
        the log cannot be written (the repository logs why): the answer is given all the same."""
        settings = self.assistant.settings
        options: dict[str, Any] = {
            "retriever": settings.retriever,
            "jurisdiction": jurisdiction,
            "top_k": settings.top_k,
            "embedding_model": settings.embedding_model,
            "mode": answer.mode,
            "resolved_question": answer.resolved_question,
            "latency_ms": round(answer.latency_ms, 1),
            "caller": caller.label,
            "history": history,
            **meta,
        }
        citations = [c.to_dict() for c in answer.citations]
        try:
            return self.repo.log_answer(
                uuid.uuid4().hex, answer.question, answer.answer, answer.refused, citations, options, channel="api"
            )
        except StorageError:
            return None


def _check_question(question: str, param: str, settings: Settings) -> None:
    try:
        clean_question(question, settings.max_question_chars)
    except InvalidQuestion as exc:
        raise ApiError(400, exc.code, str(exc), param=param) from exc


def _translate(exc: Exception) -> ApiError:
    """Any failure of a request as the error its client gets; unexpected ones are logged with their traceback."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, RequestValidationError):
        return validation_error(exc.errors())
    if isinstance(exc, InvalidQuestion):
        return ApiError(400, exc.code, str(exc))
    if isinstance(exc, HTTPException):
        return ApiError(exc.status_code, "bad_request", f"请求无法处理（{exc.detail}）。")
    if isinstance(exc, PolicyAssistantError):
        log.warning("API request refused: %s", exc)
        return ApiError(503, "unavailable", f"服务暂不可用：{exc}")
    log.exception("API request failed")
    return ApiError(500, "internal_error", "服务器内部错误，请稍后再试；详情已记入服务日志。")


def guarded_route(access: Access) -> type[APIRoute]:
    """A route class whose requests pass `access` first, and whose failures become JSON errors."""

    class GuardedRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def guarded(request: Request) -> Response:
                try:
                    host = request.client.host if request.client else None
                    request.state.caller = access.admit(request.headers.get("authorization"), host)
                    declared = request.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
                        raise ApiError(413, "request_too_large", f"请求体超过 {MAX_BODY_BYTES // 1024} KB。")
                    return await handler(request)
                except Exception as exc:
                    return error_response(_translate(exc))

            return guarded

    return GuardedRoute


def build_router(service: ApiService) -> APIRouter:
    router = APIRouter(route_class=guarded_route(service.access), tags=["policy assistant"])

    @router.post(
        "/v1/chat/completions",
        response_model=None,
        summary="OpenAI-compatible chat completion",
        responses={200: {"model": ChatCompletionOut, "content": STREAM_DOC}, **ERROR_RESPONSES},
    )
    async def chat_completions(body: ChatCompletionRequest, request: Request) -> Response:
        """The last message is the question, the earlier ones its history. The answer text with its [n]
        markers is choices[0].message.content; `citations` and `refused` are extra top-level fields
        (in a stream: on the last chunk, the one with finish_reason "stop")."""
        return await service.chat_completion(body, request.state.caller)

    @router.get("/v1/models", response_model=ModelListOut, summary="The one model", responses=ACCESS_RESPONSES)
    def models() -> ModelListOut:
        return ModelListOut(data=[ModelOut(created=service.started)])

    @router.post(
        "/api/ask",
        response_model=None,
        summary="Ask one question",
        responses={200: {"model": AskOut}, **ERROR_RESPONSES},
    )
    async def ask(body: AskRequest, request: Request) -> Response:
        """The same JSON object as `policy-assistant ask --json`."""
        return await service.ask(body, request.state.caller)

    return router


def openapi_schema(routes: list) -> dict:
    schema = get_openapi(title="中试政策助手 HTTP API", version="1", description=DESCRIPTION, routes=routes)
    for path in schema["paths"].values():  # a 422 never happens: validation problems are 400s
        for operation in path.values():
            operation.get("responses", {}).pop("422", None)
    for name in ("HTTPValidationError", "ValidationError"):
        schema.get("components", {}).get("schemas", {}).pop(name, None)
    return schema


def app_kwargs(assistant: Assistant, repo: Repository, settings: Settings) -> dict:
    """Keyword arguments for Gradio's FastAPI app: the API routes and their description pages."""
    service = ApiService(assistant, repo, settings)
    api = build_router(service)
    schema = openapi_schema(api.routes)
    pages = APIRouter()
    pages.add_api_route("/api/openapi.json", lambda: JSONResponse(schema), include_in_schema=False)
    pages.add_api_route(
        "/api/docs", lambda: HTMLResponse(render_docs(schema)), include_in_schema=False, response_class=HTMLResponse
    )
    announce(settings)
    return {"routes": [*api.routes, *pages.routes]}


def announce(settings: Settings) -> None:
    where = f"http://{settings.host}:{settings.port}"
    if settings.api_key_list:
        log.info(
            "HTTP API at %s/v1 and %s/api/ask: %d API key(s), %s requests per minute and key",
            where,
            where,
            len(settings.api_key_list),
            settings.api_rate or "unlimited",
        )
    else:
        log.warning(
            "HTTP API at %s/v1 and %s/api/ask answers loopback clients only: PA_API_KEYS is not set", where, where
        )
