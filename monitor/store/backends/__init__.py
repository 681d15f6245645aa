"""Where the store's tables live: an embedded SQLite file or a PostgreSQL database.

The store's modules write one SQL for both where SQL allows (`?` placeholders, `ON CONFLICT`,
`RETURNING`, window functions, RFC 3339 times as text so they sort alike) and ask the
backend's `Dialect` for the few pieces that differ. A backend is small: transactions, reads,
migrations. Why not SQLAlchemy: the store's queries are few and almost all portable as
written; the differences (full-text search, a JSON field, the schema version) are a handful
of fragments, and the default install has no room for another 20 MB (see README, "What the
install weighs").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Connection(Protocol):
    """What a transaction hands the store's modules: `sqlite3.Connection` is one."""

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> Cursor: ...

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Cursor: ...


class Row(Protocol):
    """A result row, by position or by column name (`sqlite3.Row` is one)."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...

    def __len__(self) -> int: ...


class Dialect(Protocol):
    @property
    def name(self) -> str:
        """ "sqlite" or "postgresql" """
        ...

    def json_text(self, column: str, key: str) -> str:
        """SQL for the text of `key` in a JSON object stored as text in `column`."""
        ...

    @property
    def outbox_lock(self) -> str | None:
        """SQL run in a transaction before it adds outbox rows, so that rows commit in the
        order of their `seq` whatever else writes at the same time (None: writers are
        already serialised)."""
        ...

    @property
    def lazy_commit(self) -> str | None:
        """SQL that lets the current transaction's commit return before it is on disk, for a
        write that may be lost in a server crash (the outbox's sent mark: losing it means
        publishing a few records again, which at-least-once allows). None: commits already
        return without waiting for the disk (SQLite's WAL with synchronous=NORMAL)."""
        ...

    @property
    def now(self) -> str:
        """SQL for the database's clock in Unix seconds: every host sharing the store reads
        the same one, whatever its own clock says."""
        ...

    @property
    def claim_lock(self) -> str | None:
        """SQL that serialises the transactions claiming sources to poll, so per-host limits
        hold exactly across instances (None: writers are already serialised)."""
        ...

    def notify(self, channel: str) -> str | None:
        """SQL that tells listeners on `channel` once the transaction commits (None: no other
        process listens, the embedded store has one)."""
        ...

    @property
    def skip_locked(self) -> str:
        """Appended to a SELECT of rows to claim: rows another instance is claiming right now
        are passed over instead of waited for ("" where writers are serialised)."""
        ...


class Listener(Protocol):
    def wait(self, timeout: float) -> set[str]:
        """The channels notified, after the first notification or `timeout` seconds."""
        ...

    def close(self) -> None: ...


class Backend(Protocol):
    @property
    def dialect(self) -> Dialect: ...

    @property
    def where(self) -> str:
        """The store's location, for messages (a path, or a URL without its password)."""
        ...

    def transaction(self) -> AbstractContextManager[Connection]: ...

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    def schema_version(self) -> int: ...

    def listener(self, channels: Sequence[str]) -> Listener | None:
        """Notifications from other processes on `channels` (None: there are none)."""
        ...

    def migrate(self, migrations: Sequence[str]) -> None: ...

    def close(self) -> None: ...
