"""The store: the one owner of every table and every SQL statement.

Posts and their revisions, source state, the outbox, the digest ledger, the translation
cache. `Store` is composed of one part per concern, each in its own module, all writing
through the connection and transactions of `db.StoreBase`. Nothing outside this package
writes SQL against these tables.
"""

from __future__ import annotations

from pathlib import Path

from monitor.store.alerts import AlertEvent, AlertMatch, AlertsMixin
from monitor.store.browse import BrowsedPost, BrowseMixin, Revision, Statement, TimelineFilter
from monitor.store.cache import CacheMixin
from monitor.store.db import STORE_FILE, StoreBase
from monitor.store.deletions import DeletionsMixin
from monitor.store.digests import DigestEntry, DigestsMixin
from monitor.store.outbox import OutboxMixin, OutboxRow
from monitor.store.posts import PostsMixin, SaveResult, StoredPost
from monitor.store.retention import PruneResult, RetentionMixin
from monitor.store.search import SearchMixin, SearchResults
from monitor.store.sources import SourcesMixin, SourceStatus
from monitor.store.stages import StagesMixin
from monitor.store.statements import StatementsMixin

__all__ = [
    "STORE_FILE",
    "AlertEvent",
    "AlertMatch",
    "BrowsedPost",
    "DigestEntry",
    "OutboxRow",
    "PruneResult",
    "Revision",
    "SaveResult",
    "SearchResults",
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
    RetentionMixin,
    SearchMixin,
    BrowseMixin,
    StoreBase,
):
    @classmethod
    def open(cls, data_dir: Path, *, readonly: bool = False) -> Store:
        """The store in `data_dir`; `readonly` opens an existing one for reading only."""
        return cls(Path(data_dir) / STORE_FILE, readonly=readonly)
