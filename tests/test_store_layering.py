"""The store owns its tables: no SQL on them elsewhere, and it imports no higher layer."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import monitor
from monitor.sources import base
from monitor.state import KnownPost, Presence, SourceState
from monitor.store import Store

PACKAGE = Path(monitor.__file__).parent
STORE = PACKAGE / "store"
HIGHER = (
    "monitor.sources",
    "monitor.digest",
    "monitor.translate",
    "monitor.queues",
    "monitor.statements",
    "monitor.pipeline",
)
TABLES = (
    "posts",
    "revisions",
    "sources",
    "source_events",
    "outbox",
    "outbox_cursor",
    "digests",
    "translation_cache",
    "meta",
    "alert_events",
    "post_search",
)
STATEMENT = re.compile(
    r"\b(FROM|INTO|UPDATE|JOIN)\s+(\w+\.)?(" + "|".join(TABLES) + r")\b", re.IGNORECASE
)


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
    return names


def _strings(path: Path) -> list[str]:
    return [
        node.value
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def test_store_imports_no_higher_layer() -> None:
    found = [
        (path.name, name)
        for path in STORE.glob("*.py")
        for name in _imports(path)
        if name.startswith(HIGHER)
    ]
    assert found == []


def test_no_sql_on_store_tables_outside_the_store() -> None:
    found = [
        (str(path.relative_to(PACKAGE)), text)
        for path in PACKAGE.rglob("*.py")
        if STORE not in path.parents
        for text in _strings(path)
        if STATEMENT.search(text)
    ]
    assert found == []


def test_query_is_private() -> None:
    assert not hasattr(Store, "query")


def test_adapters_still_import_the_state_from_sources_base() -> None:
    assert base.SourceState is SourceState
    assert base.KnownPost is KnownPost
    assert base.Presence is Presence
