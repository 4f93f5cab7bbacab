"""Domain exceptions. Core code raises these; the CLI and the UI translate them at the edge."""


class PolicyAssistantError(Exception):
    """Base class of every error the assistant reports to a user."""


class InvalidQuestion(PolicyAssistantError):
    """The question is empty, too long or otherwise unusable."""


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
    """The app database (answer log, feedback, ratings) cannot be read or written. Chat goes on without it;
    the message is one Chinese line, the database's own error stays in the log."""


class ConfigError(PolicyAssistantError):
    """A setting has an unusable value."""


class AccessDenied(PolicyAssistantError):
    """An admin feature was used without valid credentials."""


class LLMError(PolicyAssistantError):
    """The configured LLM endpoint is down, too slow or returned something unusable."""
