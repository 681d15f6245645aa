"""`monitor run` as a subprocess: polls on schedule, stops on SIGTERM, refuses a second instance."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.support.httpserver import LocalServer, Reply

DATA = Path(__file__).parent / "sources" / "testdata" / "rss"


def write_config(tmp_path: Path, server: LocalServer) -> Path:
    config = tmp_path / "monitor.toml"
    config.write_text(f"""
[monitor]
data_dir = "{tmp_path / "data"}"
health = ""
shutdown_grace = "5s"

[translation]
enabled = false

[[sources]]
name = "mppre-feed"
platform = "rss"
url = "{server.url("/mppre")}"
every = "1s"
jitter = "0.1s"

[[sources]]
name = "broken"
platform = "rss"
url = "{server.url("/missing")}"
every = "1s"
jitter = "0.1s"
""")
    return config


def start(config: Path, env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(config), "run"],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_queue(
    config: Path, env: dict[str, str], cwd: Path, count: int, timeout: float = 20
) -> list[dict[str, object]]:
    deadline = time.monotonic() + timeout
    records: list[dict[str, object]] = []
    while time.monotonic() < deadline:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "monitor",
                "--config",
                str(config),
                "queue",
                "tail",
                "--limit",
                "100",
            ],
            env=env,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=30,
        )
        records = [json.loads(line) for line in done.stdout.splitlines()]
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
    daemon = start(config, subprocess_env, tmp_path)
    try:
        records = wait_for_queue(config, subprocess_env, tmp_path, 3)
        assert len(records) == 3
        second = start(config, subprocess_env, tmp_path)
        _, err = second.communicate(timeout=30)
        assert second.returncode == 3 and "already running" in err
        time.sleep(1.5)
    finally:
        daemon.send_signal(signal.SIGTERM)
        out, err = daemon.communicate(timeout=30)
    assert daemon.returncode == 0, err
    assert "source mppre-feed: polling" in err
    assert "source broken:" in err and "HTTP 404" in err
    assert "monitor stopped" in err and "Traceback" not in err
    assert len(http_server.hits("/mppre")) >= 2

    restarted = start(config, subprocess_env, tmp_path)
    time.sleep(2.5)
    restarted.send_signal(signal.SIGINT)
    restarted.communicate(timeout=30)
    assert restarted.returncode == 0
    assert len(wait_for_queue(config, subprocess_env, tmp_path, 3, timeout=1)) == 3
