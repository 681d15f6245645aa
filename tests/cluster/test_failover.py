"""Three `monitor run` processes share one PostgreSQL store and 200 feeds on a local server.

Each feed gains a post every few seconds. One instance, the one publishing, is killed with
SIGKILL mid-run. The server's request log must show no feed fetched twice within its
interval and every feed polled again after the kill within one interval plus the lease; every
post served must be in the store and in NATS once per (id, revision); the digest goes out
once.
"""

from __future__ import annotations

import asyncio
import itertools
import signal
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.store import Store
from tests.digest.conftest import SmtpServer, relay  # noqa: F401 (the fixture)
from tests.queues.support import URLS, cleanup, delivered, require, unique_name
from tests.support.cli import run_monitor, start_daemon
from tests.support.config import write_rss_config
from tests.support.httpserver import LocalServer, Reply, Request
from tests.support.store import query
from tests.support.stores import StoreFactory

FEEDS = 200
EVERY = 4.0  # seconds between polls of a feed
LEASE = 3.0
NEW_POST_EVERY = 5.0


class Feeds:
    """200 RSS feeds; feed n has posts 0..k, k growing with time. Every request is logged."""

    def __init__(self, server: LocalServer) -> None:
        self.started = time.time()
        self.log: dict[int, list[float]] = defaultdict(list)
        self.served: dict[int, int] = defaultdict(int)  # highest post number served
        self._lock = threading.Lock()
        for n in range(FEEDS):
            server.route(f"/feed/{n}", self.handler(n))

    def handler(self, n: int) -> Callable[[Request], Reply]:
        return lambda request: self.reply(n, request)

    def reply(self, n: int, request: Request) -> Reply:
        now = time.time()
        newest = int((now - self.started) / NEW_POST_EVERY)
        with self._lock:
            self.log[n].append(now)
            self.served[n] = max(self.served[n], newest)
        items = "".join(
            f'<item><guid isPermaLink="false">f{n}-p{k}</guid><title>Comunicado {k}</title>'
            f"<description>La Cancillería informa del comunicado número {k} de la fuente {n}."
            "</description></item>"
            for k in range(newest, -1, -1)
        )
        body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>F{n}</title>{items}</channel></rss>'
        return Reply(body=body, headers={"Content-Type": "application/rss+xml"})


def holder(store: Store, job: str) -> str | None:
    rows = query(store, "SELECT owner FROM leases WHERE name = ?", (job,))
    return str(rows[0][0]) if rows else None


def test_three_instances_share_polling_and_survive_a_kill(
    http_server: LocalServer,
    tmp_path: Path,
    subprocess_env: dict[str, str],
    postgresql_store_factory: StoreFactory,
    relay: SmtpServer,  # noqa: F811
    request: pytest.FixtureRequest,
) -> None:
    require("nats")
    stream = unique_name()
    feeds = Feeds(http_server)
    send_at = (datetime.now(UTC) + timedelta(seconds=4)).strftime("%H:%M:%S")
    config = write_rss_config(
        tmp_path,
        {f"feed-{n}": http_server.url(f"/feed/{n}") for n in range(FEEDS)},
        monitor='shutdown_grace = "10s"\nper_host_concurrency = 16',
        source_extra=f'every = "{EVERY}s"\njitter = "0.01s"\n',
        rest=postgresql_store_factory.config()
        + f'\n[cluster]\nlease = "{LEASE}s"\n'
        + f'\n[queue]\nbackend = "nats"\nurl = "{URLS["nats"]}"\nname = "{stream}"\n'
        + "\n[statements]\nenabled = false\n"
        + f'\n[digest]\ndelivery = "smtp"\nsend_at = "{send_at}"\nto = ["team@example.org"]\n'
        + f'[digest.smtp]\nhost = "{relay.host}"\nport = {relay.port}\nstarttls = false\n',
    )
    try:
        # A post collected before the digest's time: the first digest is due at start.
        first = run_monitor(
            ["--config", str(config), "collect", "--source", "feed-0"], subprocess_env, tmp_path
        )
        assert first.returncode == 0, first.stderr
        time.sleep(max(0.0, feeds.started + 4.5 - time.time()))
        instances = [
            start_daemon(config, subprocess_env, tmp_path, roles, log=tmp_path / f"{n}.log")
            for n, roles in enumerate(
                ("collector,publisher,digest", "collector,publisher,digest", "collector")
            )
        ]
        time.sleep(10)
        publishing = holder(postgresql_store_factory(), "publisher")
        assert publishing is not None
        victim = next(p for p in instances if publishing.endswith(f"-{p.pid}"))
        victim.send_signal(signal.SIGKILL)
        killed_at = time.time()
        victim.wait(timeout=10)
        time.sleep(LEASE + 2 * EVERY + 2)
        # The collector alone stops first: its last pass may leave records for a publisher.
        errors = {}
        for process in sorted(instances, key=lambda p: p is not instances[2]):
            if process is not victim:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=60)
                errors[process.pid] = (tmp_path / f"{instances.index(process)}.log").read_text()
        ended = time.time()
    finally:
        for process in locals().get("instances", []):
            if process.poll() is None:
                process.kill()
        # The monitor's subjects are its default ones: no other stream may hold them after.
        request.addfinalizer(lambda: asyncio.run(cleanup("nats", stream)))
    for err in errors.values():
        assert "Traceback" not in err, err
        assert "monitor stopped" in err, err

    # No feed fetched twice within its interval (but for feed-0's `monitor collect`, which
    # polls when asked); every feed polled again after the kill within an interval and a lease.
    feeds.log[0].pop(0)
    gaps = [b - a for times in feeds.log.values() for a, b in itertools.pairwise(times)]
    assert min(gaps) >= EVERY - 0.1, sorted(gaps)[:5]
    resumed_by = killed_at + LEASE + EVERY + 2.0
    late = [n for n in range(FEEDS) if not any(killed_at < t <= resumed_by for t in feeds.log[n])]
    assert not late and resumed_by < ended, late[:10]

    # Nothing lost: every post served is stored and published, once per (id, revision).
    store = postgresql_store_factory()
    stored = {str(row[0]) for row in query(store, "SELECT id FROM posts")}
    served = {f"rss:feed-{n}/f{n}-p{k}" for n, top in feeds.served.items() for k in range(top + 1)}
    assert stored == served
    assert store.outbox_pending() == 0
    messages = asyncio.run(delivered("nats", stream, tmp_path))
    published = [(m.record["id"], m.record["revision"]) for m in messages]
    assert len(published) == len(set(published))
    assert {post_id for post_id, _ in published} == served

    # The digest went out once, though two instances could send it.
    assert len(relay.inbox.messages) == 1

    listing = run_monitor(["--config", str(config), "instances"], subprocess_env, tmp_path)
    assert listing.returncode == 0, listing.stderr
    assert listing.stdout.count("(stopped)") == 2 and listing.stdout.count("(gone)") == 1, (
        listing.stdout
    )


def test_a_short_stall_keeps_the_leases(
    http_server: LocalServer,
    tmp_path: Path,
    subprocess_env: dict[str, str],
    postgresql_store_factory: StoreFactory,
) -> None:
    """An instance stopped (SIGSTOP) for half a lease still holds its jobs when it resumes."""
    feeds = Feeds(http_server)
    config = write_rss_config(
        tmp_path,
        {f"feed-{n}": http_server.url(f"/feed/{n}") for n in range(5)},
        monitor='shutdown_grace = "5s"',
        source_extra=f'every = "{EVERY}s"\njitter = "0.01s"\n',
        rest=postgresql_store_factory.config() + '\n[cluster]\nlease = "6s"\n',
    )
    instances = [
        start_daemon(config, subprocess_env, tmp_path, "collector,publisher") for _ in range(2)
    ]
    store = postgresql_store_factory()
    try:
        deadline = time.monotonic() + 30
        while (publishing := holder(store, "publisher")) is None:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        stalled = next(p for p in instances if publishing.endswith(f"-{p.pid}"))
        stalled.send_signal(signal.SIGSTOP)
        time.sleep(3.0)  # half the lease, and more than one heartbeat missed
        # Anyone may take a lease that ran out: this one has not.
        taken = store.try_lease("publisher", "probe", 1.0)
        stalled.send_signal(signal.SIGCONT)
        time.sleep(3.0)  # beats again: the lease stays its own
        owner = holder(store, "publisher")
    finally:
        for process in instances:
            process.send_signal(signal.SIGCONT)
            process.send_signal(signal.SIGTERM)
        errors = [process.communicate(timeout=60)[1] for process in instances]
    assert not taken and owner == publishing
    assert all("Traceback" not in err for err in errors), errors
    assert sum(len(times) for times in feeds.log.values()) > 0
