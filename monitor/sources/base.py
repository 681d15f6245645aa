"""The interface every platform adapter implements, and the state it is given."""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import ClassVar, Literal

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


Presence = Literal["present", "missing", "unknown"]


@dataclass(frozen=True, slots=True)
class KnownPost:
    """A stored post a recheck asks the platform about."""

    id: str
    native_id: str
    url: str | None
    published_at: datetime | None
    kind: str = "post"


@dataclass(frozen=True, slots=True)
class RecheckResult:
    """Per post id: `present`, `missing` (the platform says it is gone) or `unknown`.

    `unknown` is anything that could not tell: a timeout, a 5xx, a 429, a refusal, a post
    past the per-run bound. Ids absent from `presence` are unknown.
    """

    presence: Mapping[str, Presence]
    requests: int = 0

    def of(self, post_id: str) -> Presence:
        return self.presence.get(post_id, "unknown")


class Source(abc.ABC):
    """One configured account or feed on one platform."""

    platform: ClassVar[str]
    # Whether `recheck` can tell deleted posts from present ones on this platform.
    can_recheck: ClassVar[bool] = False

    def __init__(self, settings: SourceSettings, http: HttpClient) -> None:
        self.settings = settings
        self.http = http

    @property
    def name(self) -> str:
        return self.settings.name

    @abc.abstractmethod
    async def fetch(self, state: SourceState) -> FetchResult:
        """Poll the platform once. Raise a `SourceError` subclass on failure."""

    async def recheck(self, posts: Sequence[KnownPost]) -> RecheckResult:
        """Ask the platform whether each post still exists; by default nothing is known.

        Errors that leave everything unknown may be raised as a `SourceError`.
        """
        return RecheckResult({post.id: "unknown" for post in posts})
