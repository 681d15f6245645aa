"""Reading the store's tables directly in tests, for assertions the public API has no read for.

Goes through `Store._query`, the store package's private read; monitor/ outside the package
never calls it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from monitor.store import Store


def query(store: Store, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
    return store._query(sql, params)
