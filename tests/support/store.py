"""Reading the store's tables directly in tests, for assertions the public API has no read for.

Goes through `Store._query`, the store package's private read; monitor/ outside the package
never calls it. Rows by position or name, on either backend (`?` placeholders).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from monitor.store import Store
from monitor.store.backends import Row


def query(store: Store, sql: str, params: Sequence[Any] = ()) -> list[Row]:
    return store._query(sql, params)
