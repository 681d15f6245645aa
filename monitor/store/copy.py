"""`monitor store copy`: the embedded store moved into an empty PostgreSQL database.

Every table is copied as it is, keys included: the outbox keeps its `seq` and its cursor, so
nothing is published twice or skipped; sources keep their ETags and cursors, so nothing is
re-read. The SQLite file is read in one read transaction (a consistent snapshot, even if a
`monitor collect` writes meanwhile) and PostgreSQL is written in one transaction, so a copy
that fails leaves the target as empty as it was and can simply be run again.

Tables are found in the SQLite file, not listed here, so a table a later migration adds is
copied without a change to this module; a table or column PostgreSQL lacks stops the copy.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from monitor.errors import StoreError
from monitor.search.index import Document
from monitor.store.backends import Connection
from monitor.store.db import STORE_FILE, StoreBase, marks
from monitor.store.migrations import MIGRATIONS, PG_MIGRATIONS
from monitor.store.search_index import PG_PUT_DOC, pg_doc_row

BATCH = 1000
# A copy is run by hand and may move millions of rows: longer statements than the daemon's.
COPY_STATEMENT_TIMEOUT = 600.0
SEARCH_TABLE = "post_search"  # FTS5 in SQLite, a tsvector table in PostgreSQL
# Tables the migrations seed with a row (by this key): copied rows replace it, and the seed
# alone does not make a target non-empty (see `_refuse_data`).
SEEDED = {"meta": "key", "outbox_cursor": "id"}
PG_TABLES = frozenset(
    [*re.findall(r"CREATE TABLE (\w+)", "".join(PG_MIGRATIONS)), "monitor_schema"]
)

Progress = Callable[[str, int, int], None]  # table, rows copied so far, rows in all


@dataclass(frozen=True)
class CopyResult:
    target: str  # the URL without its password
    schema: str  # where the tables are
    rows: tuple[tuple[str, int], ...]  # (table, rows copied), in copy order


@dataclass(frozen=True)
class _Column:
    name: str
    source: str  # the SQLite expression it is read from
    text: bool  # a TEXT column: SQLite may hold a number there, PostgreSQL may not
    identity: bool


def copy_to_postgresql(
    data_dir: Path,
    url: str,
    *,
    password: str | None = None,
    schema: str | None = None,
    progress: Progress | None = None,
) -> CopyResult:
    """Copy the embedded store in `data_dir` into the (empty) PostgreSQL database at `url`."""
    from monitor.store.backends.postgresql import PostgresBackend

    with _Snapshot(Path(data_dir) / STORE_FILE) as snapshot:
        backend = PostgresBackend(
            url, password=password, schema=schema, statement_timeout=COPY_STATEMENT_TIMEOUT
        )
        try:
            # Before migrating: a schema holding someone else's tables is not created into.
            _refuse_foreign_tables(backend.query, schema)
            target = StoreBase(backend)  # creates and migrates the monitor's tables
            with target.transaction() as db:
                where = str(db.execute("SELECT current_schema()").fetchone()[0])
                _refuse_data(db, f"{backend.where}, schema {where},")
                tables = snapshot.tables()
                rows = tuple(
                    (table, _copy_table(snapshot, db, table, progress)) for table in tables
                )
                rows += ((SEARCH_TABLE, _copy_search_index(snapshot, db, progress)),)
                _check_counts(snapshot, db, [*tables, SEARCH_TABLE])
        finally:
            backend.close()
    return CopyResult(target=backend.where, schema=where, rows=rows)


class _Snapshot:
    """The SQLite store, read-only, inside one read transaction."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise StoreError(
                f"there is no embedded store at {path}",
                remedy="point [monitor] data_dir at the monitor's data (the config it ran with)",
            )
        self.path = path
        try:
            self.db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
            self.db.isolation_level = None
            version = int(self.db.execute("PRAGMA user_version").fetchone()[0])
            self.db.execute("BEGIN")
        except sqlite3.Error as error:
            raise StoreError(f"cannot read the store {path}: {error}") from None
        if version != len(MIGRATIONS):
            self.db.close()
            raise StoreError(
                f"the store {path} has schema version {version}; this monitor copies"
                f" version {len(MIGRATIONS)}",
                remedy="run `monitor check` once with the embedded store (it upgrades it),"
                " or use the monitor version that wrote it",
            )

    def __enter__(self) -> _Snapshot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.db.close()

    def read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        try:
            return self.db.execute(sql, params).fetchall()
        except sqlite3.Error as error:
            raise StoreError(f"cannot read the store {self.path}: {error}") from None

    def stream(self, sql: str) -> Iterator[list[Any]]:
        try:
            cursor = self.db.execute(sql)
            while batch := cursor.fetchmany(BATCH):
                yield batch
        except sqlite3.Error as error:
            raise StoreError(f"cannot read the store {self.path}: {error}") from None

    def tables(self) -> list[str]:
        """The store's ordinary tables (SQLite's own and the FTS5 index's excluded)."""
        rows = self.read(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'"
            " AND name NOT LIKE ? ORDER BY rootpage",
            (SEARCH_TABLE + "%",),
        )
        return [str(name) for (name,) in rows]

    def columns(self, table: str) -> list[str]:
        return [str(row[1]) for row in self.read(f'PRAGMA table_info("{table}")')]

    def count(self, table: str) -> int:
        return int(self.read(f'SELECT COUNT(*) FROM "{table}"')[0][0])

    def sequence(self, table: str) -> int:
        """The highest key AUTOINCREMENT ever gave `table` (rows may have been pruned since)."""
        rows = self.read("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,))
        return int(rows[0][0]) if rows else 0


def _refuse_foreign_tables(query: Callable[..., list[Any]], schema: str | None) -> None:
    rows = query(
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = COALESCE(CAST(? AS TEXT), current_schema())",
        (schema,),
    )
    foreign = sorted(str(row[0]) for row in rows if str(row[0]) not in PG_TABLES)
    if foreign:
        raise StoreError(
            f"the target {f'schema {schema}' if schema else 'database'} is not empty: it holds"
            " tables that are not the monitor's"
            f" ({', '.join(foreign[:10])}{', ...' if len(foreign) > 10 else ''})",
            remedy="copy into an empty database, or name a new schema with --schema",
        )


def _refuse_data(db: Connection, where: str) -> None:
    found: list[str] = []
    for table in sorted(PG_TABLES - {"monitor_schema"}):
        if table == "meta":
            sql = "SELECT COUNT(*) FROM meta WHERE key != 'heartbeat'"
        elif table == "outbox_cursor":
            sql = "SELECT COUNT(*) FROM outbox_cursor WHERE sent_through != 0"
        else:
            sql = f"SELECT COUNT(*) FROM {table}"
        count = int(db.execute(sql).fetchone()[0])
        if count:
            found.append(f"{table} ({count} row{'s' if count != 1 else ''})")
    if found:
        raise StoreError(
            f"the target {where} already holds a monitor store: {', '.join(found)}",
            remedy="copy into an empty database or a new --schema; nothing was written",
        )


def _plan(snapshot: _Snapshot, db: Connection, table: str) -> list[_Column]:
    """Each PostgreSQL column of `table` and where its value comes from in SQLite."""
    target = db.execute(
        "SELECT column_name, data_type, is_identity FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    if not target:
        raise StoreError(
            f"the PostgreSQL store has no table {table}, which the embedded store has",
            remedy="upgrade the monitor so both stores are at the same version",
        )
    source = snapshot.columns(table)
    names = {str(row[0]) for row in target}
    missing = [name for name in source if name not in names]
    if missing:
        raise StoreError(
            f"the PostgreSQL table {table} has no column {', '.join(missing)}",
            remedy="upgrade the monitor so both stores are at the same version",
        )
    columns = []
    for name, data_type, is_identity in target:
        # SQLite's implicit rowid (the insertion order) is a real column in PostgreSQL.
        if name in source or name == "rowid":
            columns.append(
                _Column(
                    name=name,
                    source=f'"{name}"',
                    text=data_type == "text",
                    identity=is_identity == "YES",
                )
            )
    return columns


def _copy_table(snapshot: _Snapshot, db: Connection, table: str, progress: Progress | None) -> int:
    columns = _plan(snapshot, db, table)
    names = ", ".join(c.name for c in columns)
    overriding = " OVERRIDING SYSTEM VALUE" if any(c.identity for c in columns) else ""
    insert = f"INSERT INTO {table} ({names}){overriding} VALUES ({marks(len(columns))})"
    if table in SEEDED:
        key = SEEDED[table]
        updates = ", ".join(f"{c.name} = EXCLUDED.{c.name}" for c in columns if c.name != key)
        insert += f" ON CONFLICT ({key}) DO UPDATE SET {updates}"
    total = snapshot.count(table)
    texts = [index for index, column in enumerate(columns) if column.text]
    done = 0
    select = f'SELECT {", ".join(c.source for c in columns)} FROM "{table}" ORDER BY rowid'
    for batch in snapshot.stream(select):
        db.executemany(insert, [_as_text(row, texts) for row in batch])
        done += len(batch)
        if progress is not None:
            progress(table, done, total)
    if progress is not None and not done:
        progress(table, 0, total)
    for column in columns:
        if column.identity:
            _advance_identity(snapshot, db, table, column.name)
    return done


def _as_text(row: Sequence[Any], texts: list[int]) -> list[Any]:
    values = list(row)
    for index in texts:
        value = values[index]
        if value is not None and not isinstance(value, str):
            values[index] = value.decode() if isinstance(value, bytes) else str(value)
    return values


def _advance_identity(snapshot: _Snapshot, db: Connection, table: str, column: str) -> None:
    """Set the identity past every key SQLite ever gave: new rows continue the numbering,
    and an outbox whose sent rows were pruned does not hand out a `seq` already sent."""
    top = max(
        int(db.execute(f"SELECT COALESCE(MAX({column}), 0) FROM {table}").fetchone()[0]),
        snapshot.sequence(table),
    )
    if top > 0:
        db.execute("SELECT setval(pg_get_serial_sequence(?, ?), ?)", (table, column, top))


def _copy_search_index(snapshot: _Snapshot, db: Connection, progress: Progress | None) -> int:
    """The full-text index, copied row for row: both backends index the same tokens (the
    monitor's own stems, `monitor.search.index`), so SQLite's stemmed columns are reused as
    they are, with the `terms` tsvector PostgreSQL searches made from them (as
    `store.search_index` writes it), rather than every post re-stemmed."""
    total = snapshot.count(SEARCH_TABLE)
    done = 0
    select = f"SELECT rowid, original, translation, tags FROM {SEARCH_TABLE} ORDER BY rowid"
    for batch in snapshot.stream(select):
        rows = []
        for doc, *texts in batch:
            original, translation, tags = (text or "" for text in texts)
            rows.append(pg_doc_row(doc, Document(original, translation, tags)))
        db.executemany(PG_PUT_DOC, rows)
        done += len(batch)
        if progress is not None:
            progress(SEARCH_TABLE, done, total)
    if progress is not None and not done:
        progress(SEARCH_TABLE, 0, total)
    return done


def _check_counts(snapshot: _Snapshot, db: Connection, tables: list[str]) -> None:
    """Inside the transaction, so a miscount rolls the whole copy back."""
    for table in tables:
        expected = snapshot.count(table)
        found = int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
        if found != expected:
            raise StoreError(
                f"copying {table}: {expected} rows read, {found} written; nothing was copied"
            )
