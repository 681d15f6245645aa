"""The plumbing every part of `Store` writes and reads through: a backend (SQLite or
PostgreSQL, `monitor.store.backends`), its transactions, reads and migrations."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from monitor.errors import StoreError
from monitor.record import format_time, utcnow
from monitor.store.backends import Backend, Connection, Dialect, Row
from monitor.store.migrations import MIGRATIONS, PG_MIGRATIONS

STORE_FILE = "monitor.db"


class StoreBase:
    def __init__(self, backend: Backend, *, readonly: bool = False) -> None:
        self._backend = backend
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

    def transaction(self) -> AbstractContextManager[Connection]:
        """One write transaction, rolled back on any exception. Private to the store package
        in spirit: tests use it to set up states the public methods cannot reach."""
        return self._backend.transaction()

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Rows of one read. Private to the store package; tests read through it too
        (tests/support/store.py), nothing else in monitor/ does."""
        return self._backend.query(sql, params)

    @property
    def schema_version(self) -> int:
        return self._backend.schema_version()

    def writable(self) -> bool:
        try:
            with self.transaction() as db:
                db.execute(
                    "UPDATE meta SET value = ? WHERE key = 'heartbeat'", (format_time(utcnow()),)
                )
        except StoreError:
            return False
        return True
