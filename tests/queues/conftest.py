"""One fixture per queue backend: the embedded queue and the real brokers on this machine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from monitor.queues.base import QueueBackend
from tests.queues.support import KINDS, cleanup, make_backend, require, unique_name


@dataclass
class Target:
    """A backend kind with its own stream/queue name, removed after the test."""

    kind: str
    name: str
    data_dir: Path
    opened: list[QueueBackend]

    def make(self, *, url: str | None = None, timeout: float = 3.0) -> QueueBackend:
        backend = make_backend(self.kind, self.name, self.data_dir, url=url, timeout=timeout)
        self.opened.append(backend)
        return backend


@pytest.fixture(params=KINDS)
async def target(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Target]:
    kind: str = request.param
    require(kind)
    found = Target(kind, unique_name(), tmp_path / "queue", [])
    try:
        yield found
    finally:
        for backend in found.opened:
            await backend.close()
        await cleanup(kind, found.name)
