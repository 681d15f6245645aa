"""A seeded store and the web view over it, asked through httpx's ASGI transport."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from monitor.config import Settings
from monitor.store import Store
from monitor.web import build_app
from monitor.web.security import Credentials
from tests.support.stores import BACKENDS, StoreFactory, require_postgresql
from tests.web.support import Seeded, make_settings, seed


@pytest.fixture(scope="module", params=BACKENDS)
def data(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Settings, Store, Seeded]]:
    """One seeded store per module and backend: the pages only read it."""
    if request.param == "postgresql":
        require_postgresql()
    opener = StoreFactory(request.param, tmp_path_factory.mktemp("web") / "data")
    try:
        settings = make_settings(opener.data_dir, store=opener.settings())
        store = opener()
        yield settings, store, seed(store)
    finally:
        opener.cleanup()


@pytest.fixture
def seeded(data: tuple[Settings, Store, Seeded]) -> Seeded:
    return data[2]


def client_for(
    settings: Settings, store: Store, credentials: Credentials | None = None
) -> httpx.AsyncClient:
    app = build_app(settings, store, credentials=credentials)
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
        base_url="http://127.0.0.1:8788",
    )


@pytest.fixture
async def client(data: tuple[Settings, Store, Seeded]) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(data[0], data[1]) as http:
        yield http


def data_dir_of(data: tuple[Settings, Store, Seeded]) -> Path:
    return Path(data[0].monitor.data_dir)
