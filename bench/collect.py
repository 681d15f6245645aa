"""Benchmark: one collection pass over 1,000 sources served by a local HTTP server.

The sources are mixed like a real deployment: 40 % RSS/Atom feeds, 30 % Telegram
channels, 10 % each X, Mastodon and Bluesky accounts, all answered by one
`ThreadingHTTPServer` in a child process speaking each platform's format (the
fixtures of tests/sources). Prints wall time, requests/s and peak RSS for a first
pass (every post new) and a second pass (304s for feeds, cursors for the APIs), and,
as the baseline measured in the same process, a bare httpx loop fetching one URL per
source with the same concurrency. Figures are given as ratios against that baseline
because these machines are noisy.

`--store postgresql` keeps the store in PostgreSQL (`--pg-url`, a fresh schema dropped
afterwards); `--store both` runs the embedded store, then PostgreSQL, in one process and
prints PostgreSQL's figures as ratios of the embedded store's.

    .venv/bin/python bench/collect.py [--sources 1000] [--posts 10] [--store sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import multiprocessing
import os
import queue
import resource
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.app import App
from monitor.config import Settings

SPANISH = (
    "Nos reunimos con el canciller para seguir afianzando los acuerdos bilaterales entre "
    "Venezuela y Rusia a través de la revisión de la agenda de cooperación."
)
RUSSIAN = (
    "Министр иностранных дел провёл переговоры с венесуэльским коллегой и обсудил вопросы "
    "двустороннего сотрудничества в энергетической сфере."
)


def feed(number: int, posts: int) -> bytes:
    text = SPANISH if number % 2 else RUSSIAN
    items = "".join(
        f"<item><guid>feed{number}-post{p}</guid><title>Comunicado {p}</title>"
        f"<link>https://example.org/{number}/{p}</link>"
        f"<pubDate>{formatdate(1656925920 + p * 60, usegmt=True)}</pubDate>"
        f"<description>&lt;p&gt;{text} ({number}-{p})&lt;/p&gt;</description></item>"
        for p in range(posts)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Feed {number}</title>'
        f"<link>https://example.org/{number}</link>{items}</channel></rss>"
    ).encode()


FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "sources" / "testdata"
MIX = ("rss", "rss", "rss", "rss", "telegram", "telegram", "telegram", "x", "mastodon", "bluesky")
TOKEN = "bench-token-not-a-secret"


@functools.cache
def fixture(*parts: str) -> bytes:
    return FIXTURES.joinpath(*parts).read_bytes()


def platform_reply(path: str, query: dict[str, list[str]]) -> tuple[int, str, bytes] | None:
    """Telegram, X, Mastodon and Bluesky answers, from the test fixtures, per account number."""
    json_type = "application/json; charset=utf-8"
    if path.startswith("/s/chan"):
        if "before" in query:
            return (
                200,
                "text/html",
                b"<html><body><section class='tgme_channel_history'></section></body></html>",
            )
        page = fixture("telegram", "page-newest.html").replace(b"MID_Russia", path[3:].encode())
        return 200, "text/html; charset=utf-8", page
    if path.startswith("/2/users/by/username/"):
        number = path.rsplit("cancilleria", 1)[-1]
        return 200, json_type, fixture("x", "user.json").replace(b"1316781476", number.encode())
    if path.startswith("/2/users/"):
        if "since_id" in query:
            return 200, json_type, fixture("x", "timeline-empty.json")
        name = "timeline-page2.json" if "pagination_token" in query else "timeline-page1.json"
        return 200, json_type, fixture("x", name)
    if path == "/api/v1/accounts/lookup":
        number = query["acct"][0].split("@")[0].removeprefix("acct")
        return (
            200,
            json_type,
            fixture("mastodon", "account.json").replace(b"109245317640941234", number.encode()),
        )
    if path.startswith("/api/v1/accounts/"):
        if "min_id" in query or "max_id" in query:
            return 200, json_type, b"[]"
        return 200, json_type, fixture("mastodon", "statuses-page1.json")
    if path == "/xrpc/app.bsky.feed.getAuthorFeed":
        if "cursor" in query:
            return 200, json_type, b'{"feed": []}'
        return 200, json_type, fixture("bluesky", "feed-page1.json")
    return None


def serve(port_queue: multiprocessing.Queue[int], posts: int) -> None:
    cache: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            answer = platform_reply(parts.path, parse_qs(parts.query))
            if answer is not None:
                status, content_type, payload = answer
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return
            number = int(self.path.rsplit("/", 1)[-1].split(".")[0])
            etag = f'"feed-{number}"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = cache.get(self.path) or cache.setdefault(self.path, feed(number, posts))
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.request_queue_size = 1024
    port_queue.put(server.server_address[1])
    server.serve_forever()


async def bare_loop(urls: list[str], concurrency: int) -> float:
    limit = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(
        limits=httpx.Limits(max_connections=concurrency), trust_env=False
    ) as client:

        async def one(url: str) -> None:
            async with limit:
                (await client.get(url)).raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(one(u) for u in urls))
        return time.perf_counter() - started


def source_settings(number: int, base: str) -> tuple[dict[str, Any], str]:
    """The config of source `number` and one URL the bare loop fetches for it."""
    platform = MIX[number % len(MIX)]
    name = f"{platform}-{number}"
    if platform == "rss":
        url = f"{base}/feeds/{number}.xml"
        return {"name": name, "platform": "rss", "url": url}, url
    handles = {
        "telegram": (f"chan{number}", f"{base}/s/chan{number}"),
        "x": (f"cancilleria{number}", f"{base}/2/users/by/username/cancilleria{number}"),
        "mastodon": (
            f"acct{number}@mastodon.social",
            f"{base}/api/v1/accounts/lookup?acct=acct{number}",
        ),
        "bluesky": (
            f"acct{number}.bsky.social",
            f"{base}/xrpc/app.bsky.feed.getAuthorFeed?actor=a{number}",
        ),
    }
    handle, url = handles[platform]
    settings = {"name": name, "platform": platform, "handle": handle, "base_url": base}
    if platform == "x":
        settings["token_env"] = "X_BEARER_TOKEN"
    return settings, url


async def monitor_pass(app: App) -> tuple[float, int, int]:
    started = time.perf_counter()
    outcomes = await app.collect_all()
    elapsed = time.perf_counter() - started
    errors = [o for o in outcomes if o.status == "error"]
    if errors:
        raise SystemExit(f"{len(errors)} source(s) failed, e.g. {errors[0].error}")
    return elapsed, sum(o.new for o in outcomes), sum(o.status == "not_modified" for o in outcomes)


PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True)
class Result:
    store: str
    baseline: float
    first: float
    second: float
    new: int
    unchanged: int
    rss_before: float
    rss_first: float  # this run's own peak up to the end of pass 1
    rss_end: float
    enrich: float
    enriched: int


class RssSampler:
    """The resident set of this process, sampled every 20 ms: the peak of one stretch of the
    run (`ru_maxrss` only knows the whole process's)."""

    def __init__(self) -> None:
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, current_rss_mb())

    def __enter__(self) -> RssSampler:
        self.peak = current_rss_mb()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, current_rss_mb())


def current_rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


@contextlib.contextmanager
def store_section(store: str, pg_url: str) -> Iterator[dict[str, Any]]:
    """`[store]` for one run; on PostgreSQL a fresh schema, dropped afterwards."""
    if store == "sqlite":
        yield {}
        return
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    try:
        yield {"backend": "postgresql", "url": pg_url, "schema": schema}
    finally:
        with psycopg.connect(pg_url, autocommit=True) as db:
            db.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


async def run_store(
    store: str, configured: list[dict[str, Any]], urls: list[str], pg_url: str
) -> tuple[Result, int]:
    with (
        tempfile.TemporaryDirectory() as data_dir,
        store_section(store, pg_url) as section,
    ):
        settings = Settings.model_validate(
            {
                "monitor": {"data_dir": data_dir, "health": "", "per_host_concurrency": 32},
                "translation": {"enabled": False},
                "store": section,
                "sources": configured,
            }
        )
        concurrency = settings.monitor.max_concurrency
        await bare_loop(urls[:50], concurrency)
        baseline = await bare_loop(urls, concurrency)
        rss_before = current_rss_mb()
        with RssSampler() as sampled:
            async with App(settings) as app:
                first, new, _ = await monitor_pass(app)
                rss_first = sampled.peak
                second, _, unchanged = await monitor_pass(app)
                enrich_started = time.perf_counter()
                enriched = await asyncio.to_thread(app.enricher.enrich_collected)
                enrich = time.perf_counter() - enrich_started
    result = Result(
        store,
        baseline,
        first,
        second,
        new,
        unchanged,
        rss_before,
        rss_first,
        sampled.peak,
        enrich,
        enriched,
    )
    return result, concurrency


def measure(
    store: str,
    configured: list[dict[str, Any]],
    urls: list[str],
    pg_url: str,
    answers: multiprocessing.Queue[tuple[Result, int]],
) -> None:
    os.environ["X_BEARER_TOKEN"] = TOKEN
    answers.put(asyncio.run(run_store(store, configured, urls, pg_url)))


def report(result: Result, n: int) -> None:
    baseline, first, second = result.baseline, result.first, result.second
    print(f"{'run (store: ' + result.store + ')':<34} {'wall s':>8} {'req/s':>8} {'vs bare':>8}")
    print(f"{'bare httpx loop (baseline)':<34} {baseline:>8.2f} {n / baseline:>8.0f} {1.0:>8.2f}")
    print(
        f"{'monitor pass 1 (all new)':<34} {first:>8.2f} {n / first:>8.0f} {first / baseline:>8.2f}"
    )
    print(
        f"{'monitor pass 2 (304s, cursors)':<34} {second:>8.2f} {n / second:>8.0f} {second / baseline:>8.2f}"
    )
    print(
        f"posts stored in pass 1: {result.new}; sources not modified in pass 2: {result.unchanged}"
    )
    print(f"pass 1 / pass 2 speed-up: {first / second:.1f}x (goal >= 3x); pass 1 goal <= 15 s")
    print(
        f"RSS: {result.rss_before:.0f} MB before the monitor, peak {result.rss_first:.0f} MB"
        f" up to the end of pass 1 (goal <= 300 MB), {result.rss_end:.0f} MB after detection"
        " and clustering (their models loaded)"
    )
    print(
        f"language detection of the {result.enriched} stored posts: {result.enrich:.2f} s "
        f"({result.enrich / max(1, result.enriched) * 1000:.2f} ms/post)"
    )
    print()


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--posts", type=int, default=10, help="posts per feed")
    parser.add_argument("--store", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--pg-url", default=PG_URL, help="the PostgreSQL server (--store)")
    args = parser.parse_args()

    ports: multiprocessing.Queue[int] = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(ports, args.posts), daemon=True)
    server.start()
    base = f"http://127.0.0.1:{ports.get(timeout=10)}"
    os.environ["X_BEARER_TOKEN"] = TOKEN
    configured = [source_settings(n, base) for n in range(args.sources)]
    urls = [url for _, url in configured]
    stores = ("sqlite", "postgresql") if args.store == "both" else (args.store,)
    results = []
    spawn = multiprocessing.get_context("spawn")
    for store in stores:
        # Each store in a process of its own: its peak resident set is then its own, not
        # what the previous run left behind (detection models, allocator arenas).
        answers: multiprocessing.Queue[tuple[Result, int]] = spawn.Queue()
        child = spawn.Process(
            target=measure,
            args=(store, [settings for settings, _ in configured], urls, args.pg_url, answers),
        )
        child.start()
        while True:
            try:
                result, concurrency = answers.get(timeout=1.0)
                break
            except queue.Empty:
                if not child.is_alive():
                    raise SystemExit(
                        f"the {store} run ended without a result (exit {child.exitcode})"
                    ) from None
        child.join()
        results.append(result)
    server.kill()

    n = args.sources
    print(
        f"collect benchmark: {n} sources on 127.0.0.1 (40% RSS with {args.posts} posts, 30% Telegram,"
        f" 10% each X, Mastodon, Bluesky), concurrency {concurrency}\n"
    )
    for result in results:
        report(result, n)
    if len(results) == 2:
        lite, pg = results
        print(
            f"postgresql / sqlite in this run: pass 1 {pg.first / lite.first:.2f}x (goal <= 1.5x),"
            f" pass 2 {pg.second / lite.second:.2f}x, language detection"
            f" {pg.enrich / max(lite.enrich, 1e-9):.2f}x; peak RSS in pass 1 {pg.rss_first:.0f} MB"
            f" vs {lite.rss_first:.0f} MB, with detection {pg.rss_end:.0f} MB vs {lite.rss_end:.0f} MB"
        )


if __name__ == "__main__":
    asyncio.run(main())
