"""The statement step of the pipeline: give each newly detected post its statement id.

The clusterer keeps the last `[statements] window` of posts in memory. After a restart it is
rebuilt from the store (posts keep the statement they were given), lazily, on first use.
Assignments are written before the post moves on, so a crash never re-clusters a post whose
statement may already have gone out.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence
from datetime import timedelta

from monitor.metrics import Metrics
from monitor.statements.cluster import Settings, StatementClusterer, StatementPost
from monitor.store import Store, StoredPost

log = logging.getLogger("monitor.statements")


class StatementStage:
    def __init__(
        self,
        store: Store,
        *,
        window: float,
        organisations: Mapping[str, str],
        metrics: Metrics | None = None,
    ) -> None:
        self.store = store
        self.window = timedelta(seconds=window)
        self.organisations = dict(organisations)
        self.metrics = metrics
        self._clusterer: StatementClusterer | None = None
        # enrich_collected runs in worker threads; the window is one sequence of posts.
        self._lock = threading.Lock()

    def assign(self, posts: Sequence[tuple[StoredPost, str]]) -> dict[str, str]:
        """(post, detected language) in collection order -> {post id: statement id}, stored.

        Posts that already have a statement keep it (edits, deferred translations)."""
        fresh = [(post, code) for post, code in posts if post.statement_id is None]
        if not fresh:
            return {}
        assigned: dict[str, str] = {}
        with self._lock:
            clusterer = self._window()
            for post, code in fresh:
                started = time.perf_counter()
                assigned[post.id] = clusterer.add(self._post(post, code))
                if self.metrics is not None:
                    self.metrics.statement_seconds.observe(time.perf_counter() - started)
                    if clusterer.last_signal != "alone":
                        self.metrics.statements_joined.labels(clusterer.last_signal).inc()
            self.store.assign_statements(list(assigned.items()))
        return assigned

    def forget(self) -> None:
        """Another instance may have clustered since: read the window from the store again."""
        with self._lock:
            self._clusterer = None

    def _window(self) -> StatementClusterer:
        if self._clusterer is None:
            clusterer = StatementClusterer(Settings(window=self.window))
            newest = self.store.newest_published()
            if newest is not None:
                seeded = self.store.clustered_since(newest - self.window)
                for post in seeded:
                    assert post.statement_id is not None
                    clusterer.seed(self._post(post, post.language or "und"), post.statement_id)
                log.info("statements: %d recent post(s) back in the window", len(seeded))
            self._clusterer = clusterer
        return self._clusterer

    def _post(self, post: StoredPost, code: str) -> StatementPost:
        item = post.item
        return StatementPost(
            id=post.id,
            platform=item.platform,
            account=self.organisations.get(post.source) or post.source,
            language=code,
            published_at=item.published_at or post.collected_at,
            text=item.text,
            title=item.title,
            source=post.source,
            links=item.links,
        )
