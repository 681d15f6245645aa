"""What is remembered between polls (a source's state, its known posts) and the period a
digest covers.

Shared by the adapters (`sources/`) and the digest, which produce and read these, and the
store, which keeps them; they live below all three so the store never imports a higher layer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal


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
class Window:
    """The half-open period [start, end) in UTC whose collected posts a digest covers."""

    start: datetime
    end: datetime

    @property
    def length(self) -> timedelta:
        return self.end - self.start
