"""An OpenAI-compatible chat model (vLLM, Ollama, …) through langchain, and the prompts sent to it.

Every failure of the endpoint (down, slow, garbage) surfaces as one `LLMError`; callers fall
back to the extractive answer.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Generator

from assistant.core.errors import ConfigError, LLMError
from assistant.core.records import Hit, Turn
from assistant.core.resources import prompt
from assistant.core.settings import Settings

log = logging.getLogger(__name__)
MAX_CONDENSED_CHARS = 200
HISTORY_TURNS = 4
HISTORY_CHARS = 300


class ChatModel:
    """A thin wrapper over langchain's ChatOpenAI with a whole-answer deadline."""

    def __init__(self, settings: Settings):
        from langchain_openai import ChatOpenAI
        from pydantic import SecretStr

        if settings.llm_model is None:
            raise ConfigError("an LLM needs LLM_MODEL (or PA_LLM_MODEL)")
        self.timeout = settings.llm_timeout
        self.cooldown = settings.llm_cooldown
        self.model = settings.llm_model
        self._down_until = 0.0
        self._chat = ChatOpenAI(
            base_url=settings.llm_base_url,
            model=settings.llm_model,
            api_key=SecretStr(settings.llm_api_key or "not-needed"),
            timeout=settings.llm_timeout,
            max_retries=0,
            temperature=0,
        )

    def stream(self, system: str, user: str) -> Generator[str, None, None]:
        """Text deltas as they arrive. Raises LLMError on any failure, a truncated answer, or when the
        whole-answer deadline passes, even while the endpoint sends nothing but keep-alives."""
        if time.monotonic() < self._down_until:
            raise LLMError(f"the endpoint failed less than {self.cooldown:g} s ago")
        deadline = time.monotonic() + self.timeout
        pieces: queue.Queue = queue.Queue()
        stop = threading.Event()
        threading.Thread(target=self._read, args=(system, user, pieces, stop), daemon=True).start()
        try:
            while True:
                try:
                    kind, value = pieces.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    raise LLMError(f"no complete answer within {self.timeout:g} s") from None
                if kind == "text":
                    yield value
                elif kind == "error":
                    raise value
                else:
                    return
        except LLMError:
            self._down_until = time.monotonic() + self.cooldown
            raise
        finally:
            stop.set()

    def _read(self, system: str, user: str, pieces: queue.Queue, stop: threading.Event) -> None:
        """Runs on a worker thread: puts ("text", str) items, then ("end", None) or ("error", LLMError)."""
        from langchain_core.messages import HumanMessage, SystemMessage

        chunks = None
        try:
            chunks = self._chat.stream([SystemMessage(system), HumanMessage(user)])
            finish = None
            for chunk in chunks:
                if stop.is_set():
                    return
                if not isinstance(chunk.content, str):
                    raise LLMError("the endpoint returned content that is not text")
                if chunk.content:
                    pieces.put(("text", chunk.content))
                finish = chunk.response_metadata.get("finish_reason") or finish
            if finish == "length":
                raise LLMError("the answer was cut off at the model's length limit")
            pieces.put(("end", None))
        except LLMError as exc:
            pieces.put(("error", exc))
        except Exception as exc:  # the endpoint's failures come as many types: connection, HTTP, JSON
            pieces.put(("error", LLMError(f"{type(exc).__name__}: {exc}")))
        finally:
            close = getattr(chunks, "close", None)  # a generator: closing it closes the HTTP stream
            if close is not None:
                close()

    def complete(self, system: str, user: str) -> str:
        return "".join(self.stream(system, user))


def context_block(hits: list[Hit]) -> str:
    item = prompt("context_item.txt")
    return "\n".join(
        item.format(
            n=n,
            title=h.document.title,
            doc_number=f"（{h.document.doc_number}）" if h.document.doc_number else "",
            section=h.chunk.section,
            page=h.chunk.page or "—",
            text=_data(h.chunk.text),
        )
        for n, h in enumerate(hits, 1)
    )


def _data(text: str) -> str:
    """Chunk text cannot close the <资料> block it sits in."""
    return text.strip().replace("<资料>", "〈资料〉").replace("</资料>", "〈/资料〉")


def answer_messages(question: str, hits: list[Hit]) -> tuple[str, str]:
    return prompt("answer_system.txt"), prompt("answer_user.txt").format(context=context_block(hits), question=question)


def condense(chat: ChatModel, question: str, history: list[Turn]) -> str | None:
    """The follow-up rewritten as a standalone question, or None when the model gives nothing usable."""
    turns = history[-HISTORY_TURNS:]
    lines = "\n".join(f"{'用户' if t.role == 'user' else '助手'}：{t.content[:HISTORY_CHARS]}" for t in turns)
    try:
        text = chat.complete(
            prompt("condense_system.txt"), prompt("condense_user.txt").format(history=lines, question=question)
        )
    except LLMError as exc:
        log.warning("condensing the follow-up failed, using the rule instead: %s", exc)
        return None
    text = next((line.strip() for line in text.splitlines() if line.strip()), "")
    text = text.removeprefix("改写后的独立问题：").strip()
    if not text or len(text) > MAX_CONDENSED_CHARS or not any("\u4e00" <= ch <= "\u9fff" for ch in text):
        log.warning("condensed follow-up unusable, using the rule instead: %r", text[:80])
        return None
    return text
