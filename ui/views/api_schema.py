"""Request and response shapes of the HTTP API (pydantic), and the error every refusal carries.

The chat completion follows OpenAI's wire format; what it adds (citations, refused, notice, …) are
extra top-level fields that OpenAI clients ignore. Unknown request fields (temperature, max_tokens, …)
are accepted and ignored.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MODEL_ID = "policy-assistant"
QUESTION = "新建中试平台采购设备最高补贴多少？"
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    413: "invalid_request_error",
    429: "rate_limit_error",
}


class ApiError(Exception):
    """A refusal at the HTTP edge: status, an English code, a Chinese message, extra headers."""

    def __init__(self, status: int, code: str, message: str, param: str | None = None, headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.param = status, code, message, param
        self.headers = headers or {}

    def body(self) -> dict:
        kind = ERROR_TYPES.get(self.status, "server_error")
        return {"error": {"message": self.message, "type": kind, "code": self.code, "param": self.param}}


# ---- requests ----------------------------------------------------------------------------------

Jurisdiction = Literal["national", "shanghai"]


class TextPart(BaseModel):
    type: Literal["text"]
    text: str


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "developer", "user", "assistant"]
    content: str | list[TextPart] | None = Field(None, description="text, or a list of text parts")

    @property
    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(part.text for part in self.content)
        return self.content or ""


class ChatCompletionRequest(BaseModel):
    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={"examples": [{"model": MODEL_ID, "messages": [{"role": "user", "content": QUESTION}]}]},
    )

    model: str = Field(MODEL_ID, description="accepted and echoed; there is one model")
    messages: list[ChatMessage] = Field(
        min_length=1,
        description="the conversation; the last message is the user's question, the earlier user and "
        "assistant messages its history (system messages are ignored: answers come from the documents)",
    )
    stream: bool = Field(False, description="server-sent events in OpenAI's chunk format, ending with [DONE]")
    jurisdiction: Jurisdiction | None = Field(None, description="extension: only this place's policies")


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    content: str


class AskRequest(BaseModel):
    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={"examples": [{"question": QUESTION}, {"question": "那已建的呢？", "history": []}]},
    )

    question: str
    history: list[Turn] = Field(default_factory=list, description="earlier turns, oldest first")
    jurisdiction: Jurisdiction | None = None


# ---- responses ---------------------------------------------------------------------------------


class CitationOut(BaseModel):
    marker: int = Field(description="the [n] of the answer text")
    doc_id: str
    doc_title: str
    doc_number: str | None = Field(description="文号")
    section: str = Field(description="clause path")
    page: int | None
    text: str = Field(description="the whole clause")


class AnswerExtras(BaseModel):
    citations: list[CitationOut]
    refused: bool = Field(description="true when the documents do not answer the question")
    notice: str | None = Field(None, description="e.g. the LLM answer failed verification: extractive answer")
    resolved_question: str | None = Field(None, description="how a follow-up was understood")
    verdict: str | None = Field(None, description="yes | no | not_stated for a yes/no question")
    mode: str = Field("extractive", description="extractive | llm")


class MessageOut(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class ChoiceOut(BaseModel):
    index: int = 0
    message: MessageOut
    finish_reason: str = "stop"
    logprobs: None = None


class ChatCompletionBase(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChoiceOut]


class ChatCompletionOut(AnswerExtras, ChatCompletionBase):
    """OpenAI's chat completion, then the AnswerExtras fields."""


class DeltaOut(BaseModel):
    role: Literal["assistant"] | None = None
    content: str | None = None


class ChunkChoiceOut(BaseModel):
    index: int = 0
    delta: DeltaOut
    finish_reason: str | None = None
    logprobs: None = None


class ChatCompletionChunkOut(BaseModel):
    """One server-sent event; the last one (finish_reason "stop") also carries the AnswerExtras fields."""

    model_config = ConfigDict(extra="allow")

    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChunkChoiceOut]


class ModelOut(BaseModel):
    id: str = MODEL_ID
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "policy-assistant"


class ModelListOut(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelOut]


class ContextOut(BaseModel):
    rank: int
    doc_id: str
    doc_number: str | None
    section: str
    page: int | None
    text: str
    score: float


class AskOut(BaseModel):
    """The same object as `policy-assistant ask --json`."""

    question: str
    answer: str
    refused: bool
    citations: list[CitationOut]
    contexts: list[ContextOut]
    latency_ms: float
    resolved_question: str | None
    notice: str | None
    mode: str
    verdict: str | None


class ErrorDetail(BaseModel):
    message: str = Field(description="in Chinese, naming the problem")
    type: str
    code: str = Field(description="e.g. malformed_json, empty_question, question_too_long, bad_role")
    param: str | None = None


class ErrorOut(BaseModel):
    error: ErrorDetail
