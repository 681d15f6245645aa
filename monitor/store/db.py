"""The store's connection: opening, migrations, transactions and reads.

One SQLite file in `data_dir`, WAL mode. Every method of the store is one transaction;
methods are thread-safe (the translation worker runs in a thread), hence one lock.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from monitor.errors import StoreError
from monitor.record import format_time, utcnow
from monitor.store.migrations import MIGRATIONS

STORE_FILE = "monitor.db"


class StoreBase:
    """The plumbing every part of `Store` writes and reads through."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = path
        self._lock = threading.RLock()
        if readonly:
            self._open_readonly(path)
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                path, isolation_level=None, check_same_thread=False, timeout=30
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.Error as error:
            raise StoreError(f"cannot open the store {path}: {error}") from None
        except OSError as error:
            raise StoreError(f"cannot create the store {path}: {error.strerror}") from None

    def _open_readonly(self, path: Path) -> None:
        """Reads only (`monitor web`): no migration, no journal change, no file created."""
        if not path.is_file():
            raise StoreError(
                f"there is no store at {path}",
                remedy="point [monitor] data_dir at a monitor's data, or run `monitor collect` first",
            )
        try:
            self._db = sqlite3.connect(
                f"{path.resolve().as_uri()}?mode=ro",
                uri=True,
                isolation_level=None,
                check_same_thread=False,
                timeout=30,
            )
            version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        except sqlite3.Error as error:
            raise StoreError(f"cannot open the store {path} to read: {error}") from None
        if version != len(MIGRATIONS):
            self._db.close()
            raise StoreError(
                f"the store {path} has schema version {version}; this monitor reads {len(MIGRATIONS)}",
                remedy="run `monitor check` once (it upgrades the store), or upgrade the monitor",
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as error:
                raise StoreError(f"cannot write to the store {self.path}: {error}") from None
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                try:
                    self._db.execute("COMMIT")
                except sqlite3.Error as error:
                    self._db.execute("ROLLBACK")
                    raise StoreError(f"cannot commit to the store {self.path}: {error}") from None

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """Rows of one read. Private to the store package; tests read through it too
        (tests/support/store.py), nothing else in monitor/ does."""
        with self._lock:
            cursor = self._db.execute(sql, params)
            cursor.row_factory = sqlite3.Row
            return list(cursor.fetchall())

    def _migrate(self) -> None:
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version > len(MIGRATIONS):
            raise StoreError(
                f"the store {self.path} has schema version {version}, newer than this monitor knows",
                remedy="upgrade the monitor, or point data_dir elsewhere",
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            with self.transaction() as db:
                for statement in script.split(";\n"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")

    @property
    def schema_version(self) -> int:
        with self._lock:
            return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def writable(self) -> bool:
        try:
            with self.transaction() as db:
                db.execute(
                    "UPDATE meta SET value = ? WHERE key = 'heartbeat'", (format_time(utcnow()),)
                )
        except (StoreError, sqlite3.Error):
            return False
        return True
