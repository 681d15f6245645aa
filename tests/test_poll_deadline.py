"""`[monitor] poll_deadline`: a server dripping bytes cannot hold a poll past the deadline."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.app import App
from monitor.config import Settings
from tests.support.httpserver import DripServer, LocalServer, Reply

DATA = Path(__file__).parent / "sources" / "testdata" / "rss"
RSS = {"Content-Type": "application/rss+xml"}


@pytest.fixture
def drip_server() -> Iterator[DripServer]:
    server = DripServer((DATA / "mppre.xml").read_bytes())
    yield server
    server.stop()


def test_the_key_has_a_default_and_takes_durations() -> None:
    assert Settings.model_validate({}).monitor.poll_deadline == 300.0
    monitor = Settings.model_validate({"monitor": {"poll_deadline": "90s"}}).monitor
    assert monitor.poll_deadline == 90.0


async def test_a_dripping_server_times_out_at_the_deadline_and_others_still_succeed(
    http_server: LocalServer, drip_server: DripServer, tmp_path: Path
) -> None:
    http_server.route("/kremlin", Reply(body=(DATA / "kremlin-atom.xml").read_bytes(), headers=RSS))
    settings = Settings.model_validate(
        {
            "monitor": {
                "data_dir": str(tmp_path / "data"),
                "health": "",
                "poll_deadline": "2s",
                "timeout": "20s",
                "per_host_concurrency": 1,
            },
            "sources": [
                {"name": "drip", "platform": "rss", "url": drip_server.url("/feed")},
                {"name": "kremlin", "platform": "rss", "url": http_server.url("/kremlin")},
            ],
        }
    )
    async with App(settings) as app:
        started = time.monotonic()
        drip, good = await app.collect_all()
        elapsed = time.monotonic() - started
        assert 1.5 < elapsed < 6.0
        assert drip.status == "error" and drip.error_kind == "timeout"
        assert "poll_deadline" in (drip.error or "")
        assert good.status == "ok" and good.new > 0
        status = {s.name: s for s in app.store.source_statuses()}
        assert status["drip"].last_error_kind == "timeout"
        assert status["drip"].consecutive_errors == 1
        assert status["kremlin"].last_success is not None
        assert b'monitor_fetch_errors_total{kind="timeout",source="drip"} 1.0' in (
            app.metrics.render()
        )
        # The host's only concurrency slot was given back: the next poll gets through.
        (again,) = await app.collect_all(["drip"])
        assert again.status == "ok" and again.new > 0
