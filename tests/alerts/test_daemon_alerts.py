"""The daemon alerts within seconds of storing a post, and a kill -9 between a webhook
delivery and its record repeats that one delivery, never more."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

from tests.alerts.conftest import Webhook, verify
from tests.support.config import write_rss_config
from tests.support.httpserver import LocalServer, Reply, Request


def feed() -> str:
    now = format_datetime(datetime.now(UTC))
    items = [
        ("1", "Tarvania rechaza las nuevas sanciones contra su flota pesquera."),
        ("2", "La embajada invita al festival de cine de Tarvania el próximo sábado."),
    ]
    entries = "".join(
        f"<item><title>Comunicado {n}</title><link>https://tv.example/{n}</link>"
        f"<guid>https://tv.example/{n}</guid><pubDate>{now}</pubDate>"
        f"<description>{text}</description></item>"
        for n, text in items
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>tv</title>{entries}</channel></rss>'


def start(config: Path, env: dict[str, str], tmp_path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(config), "run"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "daemon.log", "a"),
        text=True,
    )


def wait_for(condition: threading.Event | None, check: object = None, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition is not None and condition.is_set():
            return True
        if callable(check) and check():
            return True
        time.sleep(0.05)
    return False


def test_kill_9_between_delivery_and_record_repeats_only_that_delivery(
    http_server: LocalServer,
    webhook: Webhook,
    subprocess_env: dict[str, str],
    tmp_path: Path,
) -> None:
    http_server.route("/feed", Reply(body=feed(), headers={"Content-Type": "application/rss+xml"}))
    arrived = threading.Event()
    hold = {"seconds": 60.0}

    def receive(request: Request) -> Reply:
        arrived.set()
        return Reply(200, "ok", delay=hold["seconds"])

    http_server.route("/hook", receive)
    env = {**subprocess_env, "MONITOR_TEST_HOOK_SECRET": "test-webhook-secret-0123456789"}
    config = write_rss_config(
        tmp_path,
        {"tv-feed": http_server.url("/feed")},
        rest=(
            f'[[alerts]]\nname = "sanctions"\nquery = "sanción"\nwebhook = "{webhook.url}"\n'
            'secret_env = "MONITOR_TEST_HOOK_SECRET"\n'
        ),
    )
    daemon = start(config, env, tmp_path)
    try:
        assert wait_for(arrived), (tmp_path / "daemon.log").read_text()
        os.kill(daemon.pid, signal.SIGKILL)  # the webhook has it; the store has not heard back
        daemon.wait(10)
    finally:
        if daemon.poll() is None:
            daemon.kill()
    hold["seconds"] = 0.0
    daemon = start(config, env, tmp_path)
    try:
        assert wait_for(None, lambda: len(webhook.received()) >= 2), (
            tmp_path / "daemon.log"
        ).read_text()
        time.sleep(3)  # a further pass sends nothing more
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(30) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
    first, again = webhook.received()
    assert verify(first) and verify(again)
    assert first.headers["x-monitor-delivery"] == again.headers["x-monitor-delivery"]
    (event,) = webhook.payloads()[1]["events"]
    assert event["record"]["id"] == "rss:tv-feed/https://tv.example/1"
