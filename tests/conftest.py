"""Suite-wide fixtures: the loopback-only network guard and a local HTTP server."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NETGUARD = Path(__file__).resolve().parent / "support" / "netguard"
sys.path.insert(0, str(NETGUARD))

from tests_netguard import install  # noqa: E402

from tests.support.httpserver import LocalServer  # noqa: E402

install()

pytest_plugins = ["tests.support.argos_package", "tests.support.stores"]


@pytest.fixture
def http_server() -> Iterator[LocalServer]:
    server = LocalServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def subprocess_env(tmp_path: Path) -> dict[str, str]:
    """Environment for running `monitor` as a user would, with the network guard loaded."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONITOR_", "ARGOS_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(NETGUARD), str(ROOT)])
    env["HOME"] = str(tmp_path / "home")
    env["XDG_DATA_HOME"] = str(tmp_path / "home" / "data")
    env["XDG_CACHE_HOME"] = str(tmp_path / "home" / "cache")
    env["XDG_CONFIG_HOME"] = str(tmp_path / "home" / "config")
    env["PYTHONUNBUFFERED"] = "1"
    return env
