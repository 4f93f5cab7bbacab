"""The service: the Assistant, which answers a question (and its history) from the published index."""

from assistant.service.assistant import Assistant
from assistant.service.records import Found, Scope

__all__ = ["Assistant", "Found", "Scope"]
