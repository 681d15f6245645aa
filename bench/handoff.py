"""Benchmark: how long a post takes from the platform to the queue when instances share work.

A local feed gains a post every `--every-post` seconds (1.5). The server notes when it first
served each post; NATS (127.0.0.1:4222, a stream of the run's own) notes when it stored the
record. Two runs on one PostgreSQL store (a fresh schema each, dropped afterwards), each
`--seconds` long:

- one instance, `--role collector,publisher`: the baseline, every hand-off inside one process;
- two instances, `--role collector` and `--role publisher`: the post is processed on the
  first and published by the second, which hears of it through the store's notifications.

Printed per run: records, the median and the largest delay from first served to stored in
NATS, and the median as a ratio to the baseline's.

    .venv/bin/python bench/handoff.py [--seconds 25] [--every-post 1.5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
NATS_URL = "nats://127.0.0.1:4222"

sys.path.insert(0, str(ROOT))

from monitor.queues.nats import SUBJECT_PREFIX, stream_name  # noqa: E402


class Feed:
    """One RSS feed whose post n appears `every` * n seconds after the start."""

    def __init__(self, every: float) -> None:
        self.every = every
        self.started = time.time()
        self.first_served: dict[str, float] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                body = outer.body()
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/feed"

    def body(self) -> bytes:
        now = time.time()
        newest = int((now - self.started) / self.every)
        for n in range(newest + 1):
            self.first_served.setdefault(f"p{n}", now)
        items = "".join(
            f'<item><guid isPermaLink="false">p{n}</guid><title>Comunicado {n}</title>'
            f"<description>La Cancillería informa del comunicado número {n}.</description></item>"
            for n in range(newest, -1, -1)
        )
        return (
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>{items}'
            "</channel></rss>"
        ).encode()


def config(folder: Path, schema: str, stream: str, feed: Feed) -> Path:
    folder.mkdir()
    path = folder / "monitor.toml"
    path.write_text(
        f'[monitor]\ndata_dir = "{folder}"\nhealth = ""\nlog_level = "warning"\n'
        '[translation]\nenabled = false\n[statements]\nenabled = false\n[web]\nlisten = ""\n'
        f'[store]\nbackend = "postgresql"\nurl = "{PG_URL}"\nschema = "{schema}"\n'
        f'[queue]\nbackend = "nats"\nurl = "{NATS_URL}"\nname = "{stream}"\n'
        f'[[sources]]\nname = "feed"\nplatform = "rss"\nurl = "{feed.url}"\n'
        'every = "1s"\njitter = "0.05s"\n'
    )
    return path


def run(roles: list[str], seconds: float, every_post: float) -> list[float]:
    """Delays (s) from first served to stored in NATS, one per record."""
    feed = Feed(every_post)
    schema, stream = f"handoff_{uuid.uuid4().hex[:10]}", f"handoff-{uuid.uuid4().hex[:10]}"
    with tempfile.TemporaryDirectory() as work:
        paths = [config(Path(work) / f"i{n}", schema, stream, feed) for n in range(len(roles))]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "monitor", "--config", str(path), "run", "--role", role],
                env=env,
                cwd=work,
                stderr=subprocess.DEVNULL,
            )
            for path, role in zip(paths, roles, strict=True)
        ]
        try:
            time.sleep(seconds)
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                process.wait(timeout=60)
        try:
            stored = asyncio.run(stored_times(stream))
        finally:
            with psycopg.connect(PG_URL, autocommit=True) as db:
                db.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    feed.server.shutdown()
    return [at - feed.first_served[post] for post, at in stored.items()]


async def stored_times(stream: str) -> dict[str, float]:
    """Post (its guid) -> when NATS stored its record; the stream is deleted after."""
    import nats

    client = await nats.connect(NATS_URL)
    try:
        js = client.jetstream()
        name = stream_name(stream)
        state = (await js.stream_info(name)).state
        out: dict[str, float] = {}
        for seq in range(state.first_seq, state.last_seq + 1) if state.messages else ():
            message = await js.get_msg(name, seq)
            post = json.loads(message.data or b"{}")["id"].rsplit("/", 1)[1]
            assert message.time is not None
            out.setdefault(post, message.time.timestamp())
        await js.delete_stream(name)
        return out
    finally:
        await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=25.0)
    parser.add_argument("--every-post", type=float, default=1.5, help="seconds between posts")
    args = parser.parse_args()
    print(
        f"handoff benchmark: one feed polled every 1 s, a new post every {args.every_post:g} s,"
        f" {args.seconds:g} s a run; delay from first served to stored in NATS"
        f" (subjects {SUBJECT_PREFIX}.>)\n"
    )
    print(f"{'instances (roles)':<42} {'records':>7} {'median s':>9} {'max s':>7} {'vs 1':>6}")
    baseline = 0.0
    for label, roles in (
        ("1 (collector,publisher): baseline", ["collector,publisher"]),
        ("2 (collector | publisher)", ["collector", "publisher"]),
    ):
        delays = run(roles, args.seconds, args.every_post)
        median = statistics.median(delays)
        baseline = baseline or median
        print(
            f"{label:<42} {len(delays):>7} {median:>9.3f} {max(delays):>7.3f}"
            f" {median / baseline:>5.1f}x"
        )


if __name__ == "__main__":
    main()
