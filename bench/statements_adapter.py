"""`bench/statements.py`'s default clusterer: the bench's interface over the monitor's
`StatementClusterer` (`--clusterer monitor`, or `--clusterer statements_adapter:cluster`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from monitor.statements.cluster import Settings, StatementClusterer, StatementPost


class BenchPost(Protocol):
    """The fields of the bench's `Post` (read-only attributes)."""

    @property
    def id(self) -> str: ...
    @property
    def platform(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def account(self) -> str: ...
    @property
    def published_at(self) -> datetime: ...
    @property
    def lang(self) -> str: ...
    @property
    def title(self) -> str | None: ...
    @property
    def text(self) -> str: ...
    @property
    def links(self) -> tuple[str, ...]: ...


def cluster(posts: Sequence[BenchPost], window: timedelta) -> list[str]:
    clusterer = StatementClusterer(Settings(window=window))
    return [
        clusterer.add(
            StatementPost(
                id=post.id,
                platform=post.platform,
                account=post.account,
                language=post.lang,
                published_at=post.published_at,
                text=post.text,
                title=post.title,
                source=post.source,
                links=tuple(post.links),
            )
        )
        for post in posts
    ]
