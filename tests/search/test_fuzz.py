"""Any query string either parses and runs, or is a `QueryError`: never an SQL error."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from monitor.errors import QueryError
from monitor.search import highlight, parse_query
from monitor.store import Store
from tests.search.support import item, publish
from tests.support.fuzz import fuzz_settings, texts_with

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
]

_store_dir = tempfile.TemporaryDirectory()
STORE = Store.open(Path(_store_dir.name))
publish(STORE, item("1", "Las sanciones de la Unión Europea"), "es", "The sanctions of the EU")
publish(STORE, item("2", "Новые санкции"), "ru")


@fuzz_settings
@given(texts_with(PIECES, size=60, piece=6, count=12))
def test_any_query_parses_and_runs_or_is_a_query_error(text: str) -> None:
    try:
        query = parse_query(text)
    except QueryError as error:
        assert str(error) and "\n" not in error.args[0]
        return
    found = STORE.search(query, limit=5)
    assert found.total >= len(found.records)
    for record in found.records:
        segments = highlight(record.text, record.language.code, found.terms)
        assert "".join(part for part, _ in segments) == record.text


@fuzz_settings
@given(st.text(max_size=200), st.sampled_from(["es", "ru", "en", None, "pt"]))
def test_highlight_always_gives_back_the_text(text: str, language: str | None) -> None:
    segments = highlight(text, language, frozenset({"sancion", "санкц", "a"}))
    assert "".join(part for part, _ in segments) == text
