"""Domain exceptions. Core code raises these; the CLI and the UI translate them at the edge."""


class PolicyAssistantError(Exception):
    """Base class of every error the assistant reports to a user."""


class InvalidQuestion(PolicyAssistantError):
    """The question is empty, too long or otherwise unusable; `code` names the problem for machines
    (empty_question, question_too_long, invalid_question)."""

    def __init__(self, message: str, code: str = "invalid_question"):
        super().__init__(message)
        self.code = code


class IngestError(PolicyAssistantError):
    """One input file could not be read or parsed. Other files are unaffected."""

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class IndexNotReady(PolicyAssistantError):
    """No usable index exists yet: run ingest first."""


class StoreLocked(PolicyAssistantError):
    """Another process holds the embedded index or an ingest is running."""


class ConfigError(PolicyAssistantError):
    """A setting has an unusable value."""


class LLMError(PolicyAssistantError):
    """The configured LLM endpoint is down, too slow or returned something unusable."""
