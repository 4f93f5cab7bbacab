"""Domain exceptions. Core code raises these; the CLI and the UI translate them at the edge."""


class PolicyAssistantError(Exception):
    """Base class of every error the assistant reports to a user."""


class InvalidQuestion(PolicyAssistantError):
    """The question, or another text a user submitted (a reply draft), is empty, too long or otherwise unusable;
    `code` names the problem for machines (empty_question, question_too_long, invalid_question)."""

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


class StorageError(PolicyAssistantError):
    """Data on disk cannot be read or written: the app database (answer log, feedback, ratings; chat goes on
    without it) or a new index generation (a full disk; the published index stays). The message is one Chinese
    line, the underlying error stays in the log or the exception's cause."""


class ConfigError(PolicyAssistantError):
    """A setting has an unusable value."""


class LLMError(PolicyAssistantError):
    """The configured LLM endpoint is down, too slow or returned something unusable."""
