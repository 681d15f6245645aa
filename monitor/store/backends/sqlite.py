"""The embedded store: one SQLite file in `data_dir`, WAL mode, one connection.

Every store method is one transaction on that connection; methods are called from the event
loop and from worker threads, hence one lock. The schema version is `PRAGMA user_version`.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from monitor.errors import StoreError
from monitor.store.backends import Connection, Row


class SqliteDialect:
    name = "sqlite"
    outbox_lock = None  # BEGIN IMMEDIATE: one writer at a time
    lazy_commit = None  # synchronous=NORMAL: a WAL commit does not wait for the disk
    now = "((julianday('now') - 2440587.5) * 86400.0)"
    claim_lock = None
    skip_locked = ""

    def json_text(self, column: str, key: str) -> str:
        return f"json_extract({column}, '$.{key}')"

    def notify(self, channel: str) -> str | None:
        return None


class SqliteBackend:
    dialect = SqliteDialect()

    def __init__(
        self,
        path: Path,
        *,
        readonly: bool = False,
        functions: Callable[[sqlite3.Connection], None] | None = None,
    ) -> None:
        self.path = path
        self.where = str(path)
        self._lock = threading.RLock()
        try:
            if readonly:
                if not path.is_file():
                    raise StoreError(
                        f"there is no store at {path}",
                        remedy="point [monitor] data_dir at a monitor's data, or run"
                        " `monitor collect` first",
                    )
                self._db = sqlite3.connect(
                    f"{path.resolve().as_uri()}?mode=ro",
                    uri=True,
                    isolation_level=None,
                    check_same_thread=False,
                    timeout=30,
                )
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(
                    path, isolation_level=None, check_same_thread=False, timeout=30
                )
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
                self._db.execute("PRAGMA foreign_keys=ON")
            # Rows by position or by name, in transactions as in reads (the PostgreSQL
            # backend's rows do the same).
            self._db.row_factory = sqlite3.Row
            if functions is not None:
                functions(self._db)
        except sqlite3.Error as error:
            raise StoreError(f"cannot open the store {path}: {error}") from None
        except OSError as error:
            raise StoreError(f"cannot create the store {path}: {error.strerror}") from None

    def listener(self, channels: Sequence[str]) -> None:
        return None  # one process uses the embedded store: nobody else to hear from

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
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

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self._lock:
            try:
                return list(self._db.execute(sql, params).fetchall())
            except sqlite3.Error as error:
                raise StoreError(f"cannot read the store {self.path}: {error}") from None

    def schema_version(self) -> int:
        with self._lock:
            return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self, migrations: Sequence[str]) -> None:
        version = self.schema_version()
        if version > len(migrations):
            raise StoreError(
                f"the store {self.path} has schema version {version}, newer than this monitor knows",
                remedy="upgrade the monitor, or point data_dir elsewhere",
            )
        for number, script in enumerate(migrations[version:], start=version + 1):
            with self.transaction() as db:
                for statement in script.split(";\n"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")
