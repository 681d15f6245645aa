"""Store-dependent tests on both backends: the embedded SQLite file and PostgreSQL.

`store_backend` is parametrised over "sqlite" and "postgresql"; `open_test_store` opens a
fresh store for the test on that backend, and reopening gives the same data (same data
dir, same schema). Each PostgreSQL test has its own schema, dropped at teardown, so runs
and tests do not see each other. `open_test_store.config()` is the `[store]` section that
points a `monitor ...` subprocess at the same store (`.settings()` the same as a dict).

PostgreSQL is at PG_URL (CI starts it: .ci/services.sh). Without it the PostgreSQL params
skip locally and fail under CI, so a machine that lost its server is noticed.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from monitor.store import Store

PG_URL = os.environ.get("MONITOR_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = ("sqlite", "postgresql")


@cache
def postgresql_unavailable() -> str | None:
    """Why PostgreSQL cannot be used here, or None when it can."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install 'monitor[postgresql]')"
    try:
        psycopg.connect(PG_URL, connect_timeout=3).close()
    except psycopg.Error as error:
        first = str(error).strip().splitlines()
        return f"PostgreSQL is not reachable at {PG_URL}: {first[0] if first else error}"
    return None


def require_postgresql() -> None:
    reason = postgresql_unavailable()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; .ci/services.sh starts it")
    pytest.skip(reason)


def new_schema() -> str:
    return "t_" + uuid.uuid4().hex


def drop_schema(schema: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True, connect_timeout=5) as connection:
        connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


class StoreFactory:
    """Opens the test's store on its backend; every call is the same store (same data)."""

    def __init__(self, backend: str, data_dir: Path) -> None:
        self.backend = backend
        self.data_dir = data_dir
        self.schema = new_schema() if backend == "postgresql" else None
        self._opened: list[Store] = []

    def __call__(self, *, readonly: bool = False) -> Store:
        if self.schema is None:
            store = Store.open(self.data_dir, readonly=readonly)
        else:
            store = Store.postgresql(PG_URL, schema=self.schema, readonly=readonly)
        self._opened.append(store)
        return store

    def config(self) -> str:
        """The `[store]` section for a monitor.toml (with `[monitor] data_dir` = data_dir for
        SQLite)."""
        return store_section(self.backend, self.schema)

    def settings(self) -> dict[str, str]:
        """The `store` table of a settings dict (parse_settings) for the same store."""
        if self.schema is None:
            return {"backend": "sqlite"}
        return {"backend": "postgresql", "url": PG_URL, "schema": self.schema}

    def cleanup(self) -> None:
        for store in self._opened:
            with contextlib.suppress(Exception):  # already closed, or closed by the test
                store.close()
        if self.schema is not None:
            drop_schema(self.schema)


def store_section(backend: str, schema: str | None) -> str:
    if backend == "sqlite":
        return '\n[store]\nbackend = "sqlite"\n'
    return f'\n[store]\nbackend = "postgresql"\nurl = "{PG_URL}"\nschema = "{schema}"\n'


@pytest.fixture(params=BACKENDS)
def store_backend(request: pytest.FixtureRequest) -> str:
    backend: str = request.param
    if backend == "postgresql":
        require_postgresql()
    return backend


@pytest.fixture
def open_test_store(store_backend: str, tmp_path: Path) -> Iterator[StoreFactory]:
    """A factory: `open_test_store()` opens (or reopens) the test's store;
    `open_test_store(readonly=True)` opens it read-only; `.config()` is its `[store]`."""
    factory = StoreFactory(store_backend, tmp_path / "data")
    try:
        yield factory
    finally:
        factory.cleanup()


@pytest.fixture
def backend_store(open_test_store: StoreFactory) -> Store:
    """The test's store, opened once (closed at teardown)."""
    return open_test_store()


@pytest.fixture
def postgresql_store_factory(tmp_path: Path) -> Iterator[StoreFactory]:
    """The PostgreSQL store alone, for tests of PostgreSQL-only behaviour."""
    require_postgresql()
    factory = StoreFactory("postgresql", tmp_path / "data")
    try:
        yield factory
    finally:
        factory.cleanup()
