"""The plumbing every part of `Store` writes and reads through: a backend (SQLite or
PostgreSQL, `monitor.store.backends`), its transactions, reads and migrations."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from monitor.errors import StoreError
from monitor.record import format_time, utcnow
from monitor.store.backends import Backend, Connection, Dialect, Listener, Row
from monitor.store.migrations import MIGRATIONS, PG_MIGRATIONS

STORE_FILE = "monitor.db"
# Values one statement binds at most when it takes a list: well within SQLite's limit.
BOUND_VALUES = 400
T = TypeVar("T")
RECENT_COMMIT = 10.0  # seconds: a commit this recent shows the store writable


class StoreBase:
    def __init__(self, backend: Backend, *, readonly: bool = False) -> None:
        self._backend = backend
        self._last_commit = -RECENT_COMMIT
        self.readonly = readonly
        if readonly:
            version = backend.schema_version()
            if version != len(self.migrations):
                backend.close()
                raise StoreError(
                    f"the store {backend.where} has schema version {version}; this monitor reads"
                    f" {len(self.migrations)}",
                    remedy="run `monitor check` once (it upgrades the store), or upgrade the monitor",
                )
            return
        try:
            backend.migrate(self.migrations)
        except BaseException:
            backend.close()
            raise

    @property
    def migrations(self) -> Sequence[str]:
        return MIGRATIONS if self.dialect.name == "sqlite" else PG_MIGRATIONS

    @property
    def dialect(self) -> Dialect:
        return self._backend.dialect

    @property
    def where(self) -> str:
        return self._backend.where

    @property
    def path(self) -> Path | None:
        """The store's file, for an embedded store (the embedded queue copies from it)."""
        return getattr(self._backend, "path", None)

    def close(self) -> None:
        self._backend.close()

    def listener(self, channels: Sequence[str]) -> Listener | None:
        """Hear other instances' commits on `channels` (monitor.store.events); None on the
        embedded store, which has no other instance."""
        return self._backend.listener(channels)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One write transaction, rolled back on any exception. Private to the store package
        in spirit: tests use it to set up states the public methods cannot reach."""
        self._refuse_if_readonly()
        with self._backend.transaction() as db:
            yield db
        self._last_commit = time.monotonic()

    def _refuse_if_readonly(self) -> None:
        if self.readonly:  # the same refusal on both backends, before any SQL runs
            raise StoreError(
                f"the store {self.where} is open read-only",
                remedy="this command only reads; write through `monitor run` or `monitor collect`",
            )

    def _write_query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """One statement that writes and returns rows, committed on its own (PostgreSQL)."""
        self._refuse_if_readonly()
        rows = self._backend.query(sql, params)
        self._last_commit = time.monotonic()
        return rows

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Rows of one read. Private to the store package; tests read through it too
        (tests/support/store.py), nothing else in monitor/ does."""
        return self._backend.query(sql, params)

    @property
    def schema_version(self) -> int:
        return self._backend.schema_version()

    def recently_written(self) -> bool:
        """Whether a write committed in the last few seconds: no lock, no query."""
        return time.monotonic() - self._last_commit < RECENT_COMMIT

    def writable(self) -> bool:
        """Whether a write commits. A commit in the last few seconds answers without a probe,
        which would otherwise wait behind a long transaction (a big feed being saved) and make
        a busy daemon look stuck to /healthz."""
        if self.recently_written():
            return True
        try:
            with self.transaction() as db:
                db.execute(
                    "UPDATE meta SET value = ? WHERE key = 'heartbeat'", (format_time(utcnow()),)
                )
        except StoreError:
            return False
        return True


def chunked(values: Sequence[T], size: int = BOUND_VALUES) -> Iterator[Sequence[T]]:
    """`values` in runs of at most `size`, for a statement that binds each run."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def marks(count: int) -> str:
    """`?, ?, ?` for `count` bound values."""
    return ", ".join("?" * count)
