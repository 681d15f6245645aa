"""Fixtures shared by the adapter tests: one HTTP client and a real store per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from monitor.sources.http import HttpClient
from monitor.store import Store


@pytest.fixture
async def http() -> AsyncIterator[HttpClient]:
    async with HttpClient(timeout=2.0, max_bytes=2 * 1024 * 1024) as client:
        yield client


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    db = Store.open(tmp_path)
    yield db
    db.close()
