"""Data files are private to the monitor's user and group, whatever the umask it starts with."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import run_monitor
from tests.support.config import write_rss_config
from tests.support.httpserver import LocalServer, Reply

FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>MPPRE</title>
<link>https://mppre.example.org</link>
<item><guid>https://mppre.example.org/1</guid><title>Comunicado</title>
<description>La Cancillería rechaza las sanciones.</description>
<pubDate>Mon, 04 Jul 2022 12:00:00 GMT</pubDate></item></channel></rss>"""


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual login umask, inherited by the `monitor` subprocesses."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def test_data_files_are_not_world_readable_after_collect_digest_and_run(
    umask_022: None, http_server: LocalServer, tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    http_server.route("/feed", Reply(body=FEED, headers={"Content-Type": "application/rss+xml"}))
    data = tmp_path / "data"
    config = write_rss_config(
        tmp_path, {"mppre-feed": http_server.url("/feed")}, source_extra='every = "1h"\n'
    )
    collect = run_monitor(["--config", str(config), "collect"], subprocess_env, tmp_path)
    assert collect.returncode == 0, collect.stderr
    send = run_monitor(
        ["--config", str(config), "digest", "send", "--date", "2022-07-04"],
        subprocess_env,
        tmp_path,
    )
    assert send.returncode == 0, send.stderr
    daemon = subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(config), "run"],
        env=subprocess_env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    running: set[str] = set()
    try:
        # While it runs: a clean stop checkpoints and removes the write-ahead log.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            running = {path.name for path in data.rglob("*")}
            if {"monitor.lock", "monitor.db-wal"} <= running:
                wal_mode = stat.S_IMODE((data / "monitor.db-wal").stat().st_mode)
                assert wal_mode & 0o007 == 0 and wal_mode & 0o020 == 0, oct(wal_mode)
                break
            time.sleep(0.1)
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=60)

    names = {path.name for path in data.rglob("*")}
    assert {"monitor.db", "queue.db", "monitor.lock", "digests"} <= names
    assert "monitor.db-wal" in running, running
    assert any(name.endswith(".eml") for name in names)
    assert stat.S_IMODE(data.stat().st_mode) == 0o750
    for path in data.rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        if path.is_dir():
            assert mode == 0o750, path
        else:
            assert mode & 0o007 == 0 and mode & 0o020 == 0, f"{path}: {oct(mode)}"
