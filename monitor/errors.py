"""The project's own small exception hierarchy. Every error carries its remedy."""

from __future__ import annotations


class MonitorError(Exception):
    """Base of every error the monitor raises on purpose."""

    remedy: str = ""

    def __init__(self, message: str, *, remedy: str | None = None) -> None:
        super().__init__(message)
        if remedy is not None:
            self.remedy = remedy

    def __str__(self) -> str:
        message = super().__str__()
        return f"{message} ({self.remedy})" if self.remedy else message


class ConfigError(MonitorError):
    """The configuration is missing, unreadable or invalid."""

    remedy = "fix the config file, then run `monitor check`"


class StoreError(MonitorError):
    """The SQLite store cannot be opened or written."""

    remedy = "check that data_dir exists, is writable and has free space"


class SourceError(MonitorError):
    """A source could not be fetched or parsed. `kind` names the failure for metrics."""

    kind: str = "error"
    retry_after: float | None = None

    def __init__(
        self,
        message: str,
        *,
        kind: str | None = None,
        retry_after: float | None = None,
        remedy: str | None = None,
        status: int | None = None,
        body: bytes = b"",
    ) -> None:
        super().__init__(message, remedy=remedy)
        if kind is not None:
            self.kind = kind
        self.retry_after = retry_after
        self.status = status
        self.body = body


class FetchError(SourceError):
    """The network request failed: timeout, refused, reset, or an HTTP error status."""

    kind = "http"


class RateLimited(FetchError):
    """The platform asked us to slow down (HTTP 429 or a rate-limit header)."""

    kind = "rate_limited"


class ParseError(SourceError):
    """The response arrived but is not what the platform should send."""

    kind = "parse"


class AuthError(SourceError):
    """The platform rejected or is missing the credentials."""

    kind = "auth"


class NotFound(SourceError):
    """The account or feed does not exist (any more)."""

    kind = "not_found"


class QueueError(MonitorError):
    """The queue backend cannot be reached or refused a message."""

    remedy = "check [queue] backend and url, and that the broker is running"


class TranslationError(MonitorError):
    """Translation failed or a model is missing or invalid."""


class DigestError(MonitorError):
    """The digest could not be built or delivered."""


class QueryError(MonitorError):
    """A search query is malformed. `position` is the 0-based character offset of the
    problem in the query (for a caret under it), or None when it concerns the whole query."""

    remedy = (
        'see the query language in `monitor search --help`, e.g. sanciones -"Unión Europea" lang:es'
    )

    def __init__(self, message: str, *, position: int | None = None, remedy: str | None = None):
        super().__init__(message, remedy=remedy)
        self.position = position
