"""Benchmark: how soon an alert reaches its webhook after the post is collected.

A real `monitor run` polls a local RSS feed every 2 s; each trial adds one matching item to
the feed and times, from the moment the server handed out the feed holding it:

- queue:  the record appearing in the embedded queue (collect, store, detect, cluster,
          publish): the baseline, measured in the same run;
- alert:  the signed webhook POST arriving (the goal is <= 10 s from the post being stored).

It prints p50 and max of both, and the alert figure as a ratio of the baseline.

    .venv/bin/python bench/alerts.py [--trials 10]
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.httpserver import LocalServer, Reply, Request  # noqa: E402

SENTENCES = [
    "Tarvania rechaza las nuevas sanciones contra el puerto número {n}.",
    "El ministerio condena las sanciones impuestas a la región {n} esta mañana.",
]


class Feed:
    def __init__(self) -> None:
        self.items: list[tuple[int, str]] = []
        self.served_with: dict[int, float] = {}  # item -> first time a feed holding it went out
        self.lock = threading.Lock()

    def add(self, n: int) -> None:
        with self.lock:
            self.items.append((n, SENTENCES[n % 2].format(n=n)))

    def reply(self, request: Request) -> Reply:
        with self.lock:
            now = time.monotonic()
            for n, _ in self.items:
                self.served_with.setdefault(n, now)
            stamp = format_datetime(datetime.now(UTC))
            entries = "".join(
                f"<item><title>Comunicado {n}</title><link>https://tv.example/{n}</link>"
                f"<guid>https://tv.example/{n}</guid><pubDate>{stamp}</pubDate>"
                f"<description>{text}</description></item>"
                for n, text in self.items
            )
        body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>tv</title>{entries}</channel></rss>'
        return Reply(body=body, headers={"Content-Type": "application/rss+xml"})


def queued(data_dir: Path) -> set[str]:
    path = data_dir / "queue.db"
    if not path.exists():
        return set()
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            return {row[0] for row in db.execute("SELECT message_id FROM messages")}
    except sqlite3.Error:
        return set()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10)
    args = parser.parse_args()
    server = LocalServer().start()
    feed = Feed()
    hooks: dict[str, float] = {}

    def hook(request: Request) -> Reply:
        for part in request.body.decode().split('"id":"rss:tv/https://tv.example/')[1:]:
            hooks.setdefault(part.split('"', 1)[0], time.monotonic())
        return Reply(200, "ok")

    server.route("/feed", feed.reply)
    server.route("/hook", hook)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        config = tmp / "monitor.toml"
        config.write_text(
            f'[monitor]\ndata_dir = "{tmp / "data"}"\nhealth = ""\nlog_level = "warning"\n'
            '[translation]\nenabled = false\n[web]\nlisten = ""\n'
            f'[[sources]]\nname = "tv"\nplatform = "rss"\nurl = "{server.url("/feed")}"\n'
            'every = "2s"\njitter = "1s"\n'
            f'[[alerts]]\nname = "sanctions"\nquery = "sanción"\nwebhook = "{server.url("/hook")}"\n'
            'secret_env = "BENCH_HOOK_SECRET"\nmax_per_hour = 1000\n'
        )
        env = {**os.environ, "BENCH_HOOK_SECRET": "bench-secret", "PYTHONPATH": str(ROOT)}
        daemon = subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(config), "run"],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        queue_lat: list[float] = []
        alert_lat: list[float] = []
        try:
            time.sleep(3)  # started, first (empty) poll done
            for n in range(args.trials):
                feed.add(n)
                message = f"rss:tv/https://tv.example/{n}#1"
                deadline = time.monotonic() + 60
                seen_queue: float | None = None
                while time.monotonic() < deadline and (seen_queue is None or str(n) not in hooks):
                    if seen_queue is None and message in queued(tmp / "data"):
                        seen_queue = time.monotonic()
                    time.sleep(0.02)
                served = feed.served_with.get(n)
                if served is None or seen_queue is None or str(n) not in hooks:
                    print(f"trial {n}: no alert within 60 s", file=sys.stderr)
                    return 1
                queue_lat.append(seen_queue - served)
                alert_lat.append(hooks[str(n)] - served)
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(30)
            server.stop()
    q50, a50 = statistics.median(queue_lat), statistics.median(alert_lat)
    print(f"trials: {args.trials} (poll every 2 s)")
    print(f"queue (baseline)  p50 {q50:6.2f} s  max {max(queue_lat):6.2f} s")
    print(f"alert (webhook)   p50 {a50:6.2f} s  max {max(alert_lat):6.2f} s")
    print(f"alert / queue     p50 {a50 / q50:5.2f}x   goal: alert max <= 10 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
