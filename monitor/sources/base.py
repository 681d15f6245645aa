"""The interface every platform adapter implements, and the state it is given."""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import ClassVar

from monitor.config import SourceSettings
from monitor.record import Item
from monitor.sources.http import HttpClient


@dataclass(frozen=True, slots=True)
class SourceState:
    """What a source remembers between polls. Stored with the posts, atomically.

    `cursor` is the adapter's own position (a since_id, min_id, newest message id);
    `extra` holds anything else it wants to keep (a resolved user id, a DID).
    """

    etag: str | None = None
    last_modified: str | None = None
    cursor: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def first_run(self) -> bool:
        return self.cursor is None and self.etag is None and self.last_modified is None

    def with_extra(self, **values: str) -> SourceState:
        return replace(self, extra={**self.extra, **values})


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one poll found: the items (newest or oldest first, any order) and the new state."""

    items: Sequence[Item]
    state: SourceState
    not_modified: bool = False
    requests: int = 1
    skipped: int = 0  # malformed entries left out, each logged


class Source(abc.ABC):
    """One configured account or feed on one platform."""

    platform: ClassVar[str]

    def __init__(self, settings: SourceSettings, http: HttpClient) -> None:
        self.settings = settings
        self.http = http

    @property
    def name(self) -> str:
        return self.settings.name

    @abc.abstractmethod
    async def fetch(self, state: SourceState) -> FetchResult:
        """Poll the platform once. Raise a `SourceError` subclass on failure."""
