"""`monitor run` as a subprocess: polls on schedule, stops on SIGTERM, refuses a second instance."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from pathlib import Path

from monitor.config import parse_settings
from monitor.daemon import Daemon
from tests.support.cli import queued_records, start_daemon
from tests.support.config import write_rss_config
from tests.support.httpserver import LocalServer, Reply, free_port

DATA = Path(__file__).parent / "sources" / "testdata" / "rss"


def write_config(tmp_path: Path, server: LocalServer) -> Path:
    return write_rss_config(
        tmp_path,
        {"mppre-feed": server.url("/mppre"), "broken": server.url("/missing")},
        monitor='shutdown_grace = "5s"',
        source_extra='every = "1s"\njitter = "0.1s"\n',
    )


def wait_for_queue(
    config: Path, env: dict[str, str], cwd: Path, count: int, timeout: float = 20
) -> list[dict[str, object]]:
    deadline = time.monotonic() + timeout
    records: list[dict[str, object]] = []
    while time.monotonic() < deadline:
        records = queued_records(config, env, cwd, limit=100)
        if len(records) >= count:
            return records
        time.sleep(0.5)
    return records


def test_daemon_collects_on_schedule_and_stops_cleanly(
    http_server: LocalServer, tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    http_server.route(
        "/mppre",
        Reply(
            body=(DATA / "mppre.xml").read_bytes(), headers={"Content-Type": "application/rss+xml"}
        ),
    )
    config = write_config(tmp_path, http_server)
    daemon = start_daemon(config, subprocess_env, tmp_path)
    try:
        records = wait_for_queue(config, subprocess_env, tmp_path, 3)
        assert len(records) == 3
        newer = (
            (DATA / "mppre.xml")
            .read_bytes()
            .replace(
                b"<item>",
                b'<item><guid isPermaLink="false">nuevo-1</guid><title>Comunicado nuevo</title>'
                b"<description>La Canciller\xc3\xada informa sobre la nueva ronda de conversaciones.</description>"
                b"</item><item>",
                1,
            )
        )
        http_server.route(
            "/mppre", Reply(body=newer, headers={"Content-Type": "application/rss+xml"})
        )
        published = time.monotonic()
        records = wait_for_queue(config, subprocess_env, tmp_path, 4, timeout=10)
        assert len(records) == 4 and time.monotonic() - published < 1 + 5
        assert records[-1]["id"] == "rss:mppre-feed/nuevo-1"
        second = start_daemon(config, subprocess_env, tmp_path)
        _, err = second.communicate(timeout=30)
        assert second.returncode == 3 and "already running" in err
        time.sleep(1.5)
    finally:
        daemon.send_signal(signal.SIGTERM)
        _, err = daemon.communicate(timeout=30)
    assert daemon.returncode == 0, err
    assert "source mppre-feed: polling" in err
    assert "source broken:" in err and "HTTP 404" in err
    assert "monitor stopped" in err and "Traceback" not in err
    assert len(http_server.hits("/mppre")) >= 2

    restarted = start_daemon(config, subprocess_env, tmp_path)
    time.sleep(2.5)
    restarted.send_signal(signal.SIGINT)
    restarted.communicate(timeout=30)
    assert restarted.returncode == 0
    assert len(wait_for_queue(config, subprocess_env, tmp_path, 5, timeout=1)) == 4


def get(url: str) -> tuple[int, str]:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_health_metrics_and_sighup_reload(
    http_server: LocalServer, tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    http_server.route(
        "/mppre",
        Reply(
            body=(DATA / "mppre.xml").read_bytes(), headers={"Content-Type": "application/rss+xml"}
        ),
    )
    http_server.route(
        "/kremlin",
        Reply(
            body=(DATA / "kremlin-atom.xml").read_bytes(),
            headers={"Content-Type": "application/atom+xml"},
        ),
    )
    port = free_port()
    config = write_config(tmp_path, http_server)
    config.write_text(config.read_text().replace('health = ""', f'health = "127.0.0.1:{port}"'))
    daemon = start_daemon(config, subprocess_env, tmp_path)
    try:
        assert len(wait_for_queue(config, subprocess_env, tmp_path, 3)) == 3
        status, body = get(f"http://127.0.0.1:{port}/healthz")
        assert (status, json.loads(body)["status"]) == (200, "ok")
        status, metrics = get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200
        assert 'monitor_posts_collected_total{source="mppre-feed"} 3.0' in metrics
        assert 'monitor_fetch_errors_total{kind="not_found",source="broken"}' in metrics
        assert 'monitor_records_published_total{backend="sqlite"} 3.0' in metrics
        assert "monitor_source_last_success_timestamp_seconds" in metrics
        assert "monitor_translation_backlog 0.0" in metrics
        assert "monitor_digest_last_sent_timestamp_seconds 0.0" in metrics
        assert get(f"http://127.0.0.1:{port}/nope")[0] == 404

        config.write_text(
            config.read_text()
            + f"""
[[sources]]
name = "kremlin-ru"
platform = "rss"
url = "{http_server.url("/kremlin")}"
every = "1s"
"""
        )
        daemon.send_signal(signal.SIGHUP)
        assert len(wait_for_queue(config, subprocess_env, tmp_path, 5)) == 5
        config.write_text("garbage = [")
        daemon.send_signal(signal.SIGHUP)
        time.sleep(1)
        assert daemon.poll() is None
    finally:
        daemon.send_signal(signal.SIGTERM)
        _, err = daemon.communicate(timeout=30)
    assert daemon.returncode == 0, err
    assert "SIGHUP: config reloaded (1 added, 0 changed, 0 removed)" in err
    assert "SIGHUP: the new config is invalid" in err


def test_sigterm_mid_fetch_exits_zero_within_grace_and_loses_nothing(
    http_server: LocalServer, tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    body = (DATA / "mppre.xml").read_bytes()
    http_server.route(
        "/mppre", Reply(body=body, headers={"Content-Type": "application/rss+xml"}, delay=2.0)
    )
    config = write_config(tmp_path, http_server)
    daemon = start_daemon(config, subprocess_env, tmp_path)
    deadline = time.monotonic() + 20
    while not http_server.hits("/mppre") and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    stopped_at = time.monotonic()
    daemon.send_signal(signal.SIGTERM)
    _, err = daemon.communicate(timeout=30)
    assert daemon.returncode == 0, err
    assert time.monotonic() - stopped_at < 5 + 2
    records = wait_for_queue(config, subprocess_env, tmp_path, 3, timeout=1)
    assert len(records) == 3
    assert len({(r["id"], r["revision"]) for r in records}) == 3
    http_server.route("/mppre", Reply(body=body, headers={"Content-Type": "application/rss+xml"}))
    restarted = start_daemon(config, subprocess_env, tmp_path)
    time.sleep(3)
    restarted.send_signal(signal.SIGTERM)
    restarted.communicate(timeout=30)
    assert len(wait_for_queue(config, subprocess_env, tmp_path, 4, timeout=1)) == 3


async def test_a_job_cancelled_by_the_shutdown_ends_quietly(tmp_path: Path) -> None:
    """APScheduler cancels running jobs when it shuts down and logs a traceback for any that
    raise: on shutdown a cancelled job just ends; at any other time the cancel goes through."""
    settings = parse_settings(
        {"monitor": {"data_dir": str(tmp_path / "data"), "health": ""}}, tmp_path / "m.toml"
    )
    daemon = Daemon(settings)
    started = asyncio.Event()

    async def slow() -> None:
        started.set()
        await asyncio.sleep(60)

    try:
        for stopping, ends_quietly in ((False, False), (True, True)):
            if stopping:
                daemon.stopping.set()
            started.clear()
            task = asyncio.ensure_future(daemon._job(slow)())
            await started.wait()
            task.cancel()
            await asyncio.wait([task])
            assert task.cancelled() is not ends_quietly
    finally:
        await daemon.app.aclose()
