"""The interface every platform adapter implements, and the state it is given."""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import urlsplit

from monitor.config import SourceSettings
from monitor.record import Item
from monitor.sources.http import HttpClient
from monitor.state import KnownPost, Presence, SourceState

__all__ = [
    "FetchResult",
    "KnownPost",
    "Presence",
    "RecheckResult",
    "Source",
    "SourceState",
]


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one poll found: the items (newest or oldest first, any order) and the new state."""

    items: Sequence[Item]
    state: SourceState
    not_modified: bool = False
    requests: int = 1
    skipped: int = 0  # malformed entries left out, each logged


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
    base = ""  # the API's root URL, for adapters that have one (a feed has its own URL)

    def __init__(self, settings: SourceSettings, http: HttpClient) -> None:
        self.settings = settings
        self.http = http

    @property
    def name(self) -> str:
        return self.settings.name

    @property
    def host(self) -> str:
        """The host its requests go to (`HttpClient` limits each host's concurrent requests;
        instances sharing a store share that budget per host)."""
        return urlsplit(self.base or self.settings.url or "").netloc.lower()

    @abc.abstractmethod
    async def fetch(self, state: SourceState) -> FetchResult:
        """Poll the platform once. Raise a `SourceError` subclass on failure."""

    @property
    def can_recheck(self) -> bool:
        """Whether this platform's adapter looks posts up again (it overrides `recheck`)."""
        return type(self).recheck is not Source.recheck

    async def recheck(self, posts: Sequence[KnownPost]) -> RecheckResult:
        """Ask the platform whether each post still exists; by default nothing is known.

        Errors that leave everything unknown may be raised as a `SourceError`.
        """
        return RecheckResult({post.id: "unknown" for post in posts})
