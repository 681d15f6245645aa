"""The store: the one owner of every table and every SQL statement.

Posts and their revisions, source state, the outbox, the digest ledger, the translation
cache. `Store` is composed of one part per concern, each in its own module, all writing
through the connection and transactions of `db.StoreBase`. Nothing outside this package
writes SQL against these tables.
"""

from __future__ import annotations

from pathlib import Path

from monitor.config import Settings, required_secret
from monitor.errors import StoreError
from monitor.store.alerts import AlertEvent, AlertMatch, AlertsMixin
from monitor.store.backends.sqlite import SqliteBackend
from monitor.store.browse import BrowsedPost, BrowseMixin, Revision, Statement, TimelineFilter
from monitor.store.cache import CacheMixin
from monitor.store.cluster import ClusterMixin, InstanceInfo, InstanceView, Schedule, SourceClaim
from monitor.store.db import STORE_FILE, StoreBase
from monitor.store.deletions import DeletionsMixin
from monitor.store.digests import DigestEntry, DigestsMixin
from monitor.store.outbox import OutboxMixin, OutboxRow
from monitor.store.posts import PostsMixin, SaveResult, StoredPost
from monitor.store.retention import PruneResult, RetentionMixin
from monitor.store.search import SearchMixin, SearchResults
from monitor.store.search_index import register_functions
from monitor.store.sources import SourcesMixin, SourceStatus
from monitor.store.stages import StagesMixin
from monitor.store.statements import StatementsMixin

__all__ = [
    "STORE_FILE",
    "AlertEvent",
    "AlertMatch",
    "BrowsedPost",
    "DigestEntry",
    "InstanceInfo",
    "InstanceView",
    "OutboxRow",
    "PruneResult",
    "Revision",
    "SaveResult",
    "Schedule",
    "SearchResults",
    "SourceClaim",
    "SourceStatus",
    "Statement",
    "Store",
    "StoredPost",
    "TimelineFilter",
]


class Store(
    SourcesMixin,
    PostsMixin,
    StagesMixin,
    StatementsMixin,
    OutboxMixin,
    DeletionsMixin,
    DigestsMixin,
    AlertsMixin,
    CacheMixin,
    ClusterMixin,
    RetentionMixin,
    SearchMixin,
    BrowseMixin,
    StoreBase,
):
    @classmethod
    def open(cls, data_dir: Path, *, readonly: bool = False) -> Store:
        """The embedded store in `data_dir`; `readonly` opens an existing one for reading only."""
        backend = SqliteBackend(
            Path(data_dir) / STORE_FILE, readonly=readonly, functions=register_functions
        )
        return cls(backend, readonly=readonly)

    @classmethod
    def postgresql(
        cls,
        url: str,
        *,
        password: str | None = None,
        schema: str | None = None,
        readonly: bool = False,
        statement_timeout: float = 30.0,
    ) -> Store:
        """The store in a PostgreSQL database (`monitor[postgresql]`)."""
        from monitor.store.backends.postgresql import PostgresBackend

        backend = PostgresBackend(
            url,
            password=password,
            schema=schema,
            readonly=readonly,
            statement_timeout=statement_timeout,
        )
        return cls(backend, readonly=readonly)


def open_store(settings: Settings, *, readonly: bool = False) -> Store:
    """The store `[store]` configures: the embedded file in `data_dir`, or PostgreSQL."""
    chosen = settings.store
    if chosen.backend == "sqlite":
        return Store.open(settings.monitor.data_dir, readonly=readonly)
    password = (
        required_secret(chosen.password_env, "store.password_env", StoreError)
        if chosen.password_env
        else None
    )
    return Store.postgresql(
        chosen.url,
        password=password,
        schema=chosen.schema_name or None,
        readonly=readonly,
        statement_timeout=chosen.statement_timeout,
    )
