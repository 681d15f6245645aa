"""The shared store: a PostgreSQL database, for teams and for several monitor instances.

Connections come from a pool (psycopg_pool); each store method is one short transaction on
one of them, and a read inside a transaction uses that transaction's connection. Every
connection has a `statement_timeout`, so a stuck query ends as an error instead of holding
the daemon. The store's SQL is written with `?` placeholders; they become `%s` here.
Migrations run under an advisory lock, so instances starting together migrate once.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from monitor.errors import StoreError
from monitor.store.backends import Connection, Cursor, Row

try:
    import psycopg
    from psycopg_pool import ConnectionPool
except ImportError as error:  # pragma: no cover - the extra is installed in tests
    raise StoreError(
        f"the PostgreSQL store needs psycopg, which is not installed ({error.name})",
        remedy="pip install 'monitor[postgresql]'",
    ) from None

MIGRATION_LOCK = 0x6D6F6E69746F7201  # "monitor" + 1: pg_advisory_xact_lock keys
OUTBOX_LOCK = 0x6D6F6E69746F7202
CLAIM_LOCK = 0x6D6F6E69746F7203
_PLACEHOLDER = re.compile(r"\?")
# StoreError's own remedy speaks of data_dir, which has nothing to do with this store.
_REMEDY = "check that PostgreSQL at [store] url is up and that its role may use the schema"


@lru_cache(maxsize=1024)
def to_pyformat(sql: str) -> str:
    """`?` placeholders as psycopg's `%s` (and a literal `%` doubled)."""
    return _PLACEHOLDER.sub("%s", sql.replace("%", "%%"))


class PgRow(tuple[Any, ...]):
    """A row by position or by column name, like `sqlite3.Row`."""

    names: dict[str, int]

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self.names[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self.names)


def _row_factory(cursor: Any) -> Any:
    return _row_class(tuple(column.name for column in cursor.description or ()))


@lru_cache(maxsize=1024)
def _row_class(columns: tuple[str, ...]) -> type[PgRow]:
    """One class per column list, made once: psycopg asks for a row maker every statement."""
    names = {name: index for index, name in enumerate(columns)}
    return type("Row", (PgRow,), {"names": names})


class PgDialect:
    name = "postgresql"
    # A writer holds this until it commits: outbox rows commit in `seq` order, so a reader
    # that has seen row n never later meets a row below n (publishing in order depends on it).
    outbox_lock = f"SELECT pg_advisory_xact_lock({OUTBOX_LOCK})"
    # An fsync a published batch otherwise: the publisher's store cost on PostgreSQL.
    lazy_commit = "SET LOCAL synchronous_commit = off"
    # The time now, not the transaction's start: a claim compares it with leases others
    # wrote a moment ago.
    now = "extract(epoch from clock_timestamp())::double precision"
    claim_lock = f"SELECT pg_advisory_xact_lock({CLAIM_LOCK})"
    skip_locked = " FOR UPDATE SKIP LOCKED"

    def json_text(self, column: str, key: str) -> str:
        return f"({column}::jsonb ->> '{key}')"

    def notify(self, channel: str) -> str | None:
        return f"SELECT pg_notify('{channel}', '')"


class _Cursor:
    def __init__(self, cursor: Any, pipeline: Any = None) -> None:
        self._cursor = cursor
        self._pipeline = pipeline

    @property
    def rowcount(self) -> int:
        if self._pipeline is not None and self._cursor.pgresult is None:
            self._pipeline.sync()  # the count arrives with the statement's result
        return int(self._cursor.rowcount)

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def fetchall(self) -> list[Any]:
        return list(self._cursor.fetchall())


class _Connection:
    """A transaction's connection, speaking the store's `?` SQL."""

    def __init__(self, connection: Any, pipeline: Any = None) -> None:
        self._connection = connection
        self._pipeline = pipeline

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> Cursor:
        cursor = self._connection.cursor(row_factory=_row_factory)
        cursor.execute(to_pyformat(sql), tuple(parameters) or None)
        return _Cursor(cursor, self._pipeline)

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Cursor:
        cursor = self._connection.cursor(row_factory=_row_factory)
        cursor.executemany(to_pyformat(sql), [tuple(p) for p in parameters])
        return _Cursor(cursor, self._pipeline)


def redacted(url: str) -> str:
    """The URL without a password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    user = f"{parts.username}:***@" if parts.username else "***@"
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, user + host + port, parts.path, parts.query, ""))


class PostgresBackend:
    dialect = PgDialect()

    def __init__(
        self,
        url: str,
        *,
        password: str | None = None,
        schema: str | None = None,
        readonly: bool = False,
        statement_timeout: float = 30.0,
        pool_size: int = 8,
    ) -> None:
        self.where = redacted(url)
        self.readonly = readonly
        self.schema = schema
        options = [f"-c statement_timeout={int(statement_timeout * 1000)}"]
        if schema:
            options.append(f"-c search_path={schema}")
        if readonly:
            options.append("-c default_transaction_read_only=on")
        kwargs: dict[str, Any] = {"options": " ".join(options), "autocommit": True}
        if password is not None:
            kwargs["password"] = password
        self._url, self._kwargs = url, kwargs
        self._local = threading.local()
        try:
            self._pool = ConnectionPool(
                url,
                min_size=1,
                max_size=pool_size,
                kwargs=kwargs,
                open=True,
                timeout=30.0,
                name="monitor-store",
            )
            self._pool.wait(timeout=30.0)
        except psycopg.Error as error:
            raise StoreError(
                f"cannot connect to the PostgreSQL store {self.where}: {_reason(error)}",
                remedy="check [store] url, that the server is up, and password_env",
            ) from None
        except Exception as error:  # the pool's own timeout error
            raise StoreError(
                f"cannot connect to the PostgreSQL store {self.where}: {error}",
                remedy="check [store] url, that the server is up, and password_env",
            ) from None

    def close(self) -> None:
        self._pool.close()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        current = getattr(self._local, "connection", None)
        if current is not None:  # nested: the outer transaction decides
            yield current
            return
        try:
            # Pipeline mode: statements go out without waiting for their results, which are
            # read when asked for (a fetch, a rowcount) or at COMMIT; a transaction of writes
            # is then one round trip instead of one per statement, BEGIN and COMMIT included.
            with (
                self._pool.connection() as connection,
                connection.pipeline() as pipeline,
                connection.transaction(),
            ):
                wrapped = _Connection(connection, pipeline)
                self._local.connection = wrapped
                try:
                    yield wrapped
                finally:
                    self._local.connection = None
        except psycopg.Error as error:
            raise StoreError(
                f"the PostgreSQL store {self.where}: {_reason(error)}", remedy=_REMEDY
            ) from None

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        current = getattr(self._local, "connection", None)
        try:
            if current is not None:
                rows: list[Row] = current.execute(sql, params).fetchall()
                return rows
            with self._pool.connection() as connection:
                cursor = connection.cursor(row_factory=_row_factory)
                cursor.execute(to_pyformat(sql), tuple(params) or None)
                return list(cursor.fetchall()) if cursor.description else []
        except psycopg.Error as error:
            raise StoreError(
                f"the PostgreSQL store {self.where}: {_reason(error)}", remedy=_REMEDY
            ) from None

    def listener(self, channels: Sequence[str]) -> PgListener:
        """A connection of its own (not the pool's: it waits), listening on `channels`."""
        try:
            connection = psycopg.connect(self._url, **self._kwargs)
            for channel in channels:  # names of the store's own making: letters and "_"
                connection.execute(f"LISTEN {channel}")
        except psycopg.Error as error:
            raise StoreError(
                f"cannot listen on the PostgreSQL store {self.where}: {_reason(error)}",
                remedy=_REMEDY,
            ) from None
        return PgListener(connection, self.where)

    def schema_version(self) -> int:
        rows = self.query(
            "SELECT COALESCE(MAX(version), 0) FROM monitor_schema"
            if self._has_version_table()
            else "SELECT 0"
        )
        return int(rows[0][0])

    def _has_version_table(self) -> bool:
        rows = self.query("SELECT to_regclass('monitor_schema') IS NOT NULL")
        return bool(rows[0][0])

    def migrate(self, migrations: Sequence[str]) -> None:
        with self.transaction() as db:
            db.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))
            if self.schema:  # a name checked by the config: letters, digits, "_"
                db.execute(f"CREATE SCHEMA IF NOT EXISTS {self.schema}")
            db.execute(
                "CREATE TABLE IF NOT EXISTS monitor_schema"
                " (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
            version = int(
                db.execute("SELECT COALESCE(MAX(version), 0) FROM monitor_schema").fetchone()[0]
            )
            if version > len(migrations):
                raise StoreError(
                    f"the store {self.where} has schema version {version}, newer than this"
                    " monitor knows",
                    remedy="upgrade the monitor, or point [store] url elsewhere",
                )
            for number, script in enumerate(migrations[version:], start=version + 1):
                for statement in script.split(";\n"):
                    if statement.strip():
                        db.execute(statement)
                db.execute("INSERT INTO monitor_schema (version) VALUES (?)", (number,))


def _reason(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


class PgListener:
    """Notifications sent with `pg_notify` by other connections, other instances included."""

    def __init__(self, connection: Any, where: str) -> None:
        self._connection = connection
        self.where = where

    def wait(self, timeout: float) -> set[str]:
        """The channels notified, after the first notification or `timeout` seconds."""
        try:
            first = list(self._connection.notifies(timeout=timeout, stop_after=1))
            rest = list(self._connection.notifies(timeout=0.0)) if first else []
        except psycopg.Error as error:
            raise StoreError(
                f"listening on the PostgreSQL store {self.where}: {_reason(error)}",
                remedy=_REMEDY,
            ) from None
        return {notice.channel for notice in first + rest}

    def close(self) -> None:
        self._connection.close()
