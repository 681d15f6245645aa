"""Any query string either parses and runs, or is a `QueryError`: never an SQL error, on
either backend (an FTS5 MATCH expression or a tsquery)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.errors import QueryError
from monitor.search import highlight, parse_query
from monitor.store import Store
from tests.search.support import PUBLISHED, collect, item, publish
from tests.support.fuzz import fuzz_settings, texts_with
from tests.support.stores import BACKENDS, StoreFactory, require_postgresql

PIECES = [
    " ",
    " OR ",
    " AND ",
    " NOT ",
    "-",
    "(",
    ")",
    '"',
    "lang:es",
    "platform:x",
    "account:chan",
    'account:"a b"',
    "since:2026-10-01",
    "until:2026-10-31",
    "since:",
    "санкции",
    "sanción",
    "U.S.",
    "*",
    "_a",
    "''",
    "{original}:",
    "NEAR(",
    "^",
    "\u0301",
    "İ",
    "ß",
    # tsquery syntax (PostgreSQL)
    "'",
    "\\",
    "&",
    "|",
    "!",
    "<->",
    ":*",
    "l'union",
]


@pytest.fixture(scope="module", params=BACKENDS)
def fuzz_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    """One store per backend for the whole module (hypothesis runs many examples on it)."""
    if request.param == "postgresql":
        require_postgresql()
    factory = StoreFactory(request.param, tmp_path_factory.mktemp("fuzz") / "data")
    store = factory()
    publish(store, item("1", "Las sanciones de la Unión Europea"), "es", "The sanctions of the EU")
    publish(store, item("2", "Новые санкции"), "ru")
    try:
        yield store
    finally:
        factory.cleanup()


@fuzz_settings
@given(text=texts_with(PIECES, size=60, piece=6, count=12))
def test_any_query_parses_and_runs_or_is_a_query_error(fuzz_store: Store, text: str) -> None:
    try:
        query = parse_query(text)
    except QueryError as error:
        assert str(error) and "\n" not in error.args[0]
        return
    found = fuzz_store.search(query, limit=5)
    assert found.total >= len(found.records)
    for record in found.records:
        segments = highlight(record.text, record.language.code, found.terms)
        assert "".join(part for part, _ in segments) == record.text


@fuzz_settings
@given(st.text(max_size=200), st.sampled_from(["es", "ru", "en", None, "pt"]))
def test_highlight_always_gives_back_the_text(text: str, language: str | None) -> None:
    segments = highlight(text, language, frozenset({"sancion", "санкц", "a"}))
    assert "".join(part for part, _ in segments) == text


PARITY_WORDS = [
    "sanciones", "санкции", "sanction", "union", '"unión europea"', '"the sanctions"',
    "europe", "новые", "acuerdo", "agreements", "signed", "texto", "detectar", "eu",
    " OR ", " OR ", " -", " NOT ", "(", ")", "lang:es", "lang:ru", "platform:x",
    "account:feed", "since:2026-10-05", "until:2026-10-04", '"de la"', "la", "the",
]  # fmt: skip


@pytest.fixture(scope="module")
def both_stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Store]]:
    require_postgresql()
    factories = [
        StoreFactory(backend, tmp_path_factory.mktemp("parity") / "data") for backend in BACKENDS
    ]
    stores = tuple(factory() for factory in factories)
    for store in stores:
        publish(
            store, item("1", "Las sanciones de la Unión Europea"), "es", "The sanctions of the EU"
        )
        publish(
            store, item("2", "Новые санкции против Европы"), "ru", "New sanctions against Europe"
        )
        publish(
            store,
            item("3", "Acuerdo firmado", platform="x", published=PUBLISHED - timedelta(days=1)),
            "es",
            "Agreement signed",
            source="feed",
        )
        publish(store, item("4", "The union signed new agreements"), "en")
        collect(store, item("5", "Texto sin detectar de la unión"))
    try:
        yield stores[0], stores[1]
    finally:
        for factory in factories:
            factory.cleanup()


@fuzz_settings
@given(pieces=st.lists(st.sampled_from(PARITY_WORDS), min_size=1, max_size=7))
def test_both_backends_find_the_same_posts(
    both_stores: tuple[Store, Store], pieces: list[str]
) -> None:
    try:
        query = parse_query(" ".join(pieces))
    except QueryError:
        return
    sqlite, postgresql = (store.search(query, limit=10) for store in both_stores)
    assert [r.id for r in postgresql.records] == [r.id for r in sqlite.records]
    assert (postgresql.total, postgresql.terms) == (sqlite.total, sqlite.terms)
