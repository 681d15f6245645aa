"""Benchmark: sources polled per minute by 1, 2 and 4 instances sharing one PostgreSQL store.

A local server (a child process) listens on `--hosts` ports of 127.0.0.1, each a host of
its own so that `per_host_concurrency` is not what limits, and answers every request after
`--delay` (200 ms): polling is network-bound, as against real platforms. It serves
`--sources` small RSS feeds with an ETag (`--posts` items, none by default) and answers 304
to a matching If-None-Match, so a poll costs an instance little CPU; it logs each request
(when, which feed, which instance by its User-Agent, 200 or 304).

For 1, 2 and 4 instances (`--instances`): a fresh schema on `--pg-url`, dropped afterwards,
and that many `monitor run --role collector` processes, each with its own data_dir (the
embedded queue locks it) and `max_concurrency` `--concurrency`, so that one instance's
ceiling (concurrency / delay) is below the demand (sources / every) even with 4. Once each
instance has polled, a `--warmup`; the requests the server sees in the next `--seconds`
are the polls counted. Then SIGTERM.

Printed per run: polls per minute, the ratio to 1 instance (the baseline, same process;
goals >= 1.8x at 2, >= 3.2x at 4), the share of the ideal (instances x concurrency /
delay), polls per instance, CPU in cores of the instances, the server and every PostgreSQL
process on the machine, beside `os.cpu_count()`; the database load per poll from
`pg_stat_database` (the whole database: every client of it) and from the statistics of
the run's schema; the shortest gap between two polls of one source (never below `every`).

    .venv/bin/python bench/scale.py [--sources 1500] [--seconds 30] [--instances 1,2,4]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import itertools
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
AGENT = "scale-bench/"  # + the instance's number: the server tells the instances apart
TICKS = os.sysconf("SC_CLK_TCK")
Entry = tuple[float, int, int, int]  # arrival (Unix s), feed number, instance, status


@functools.cache
def feed(number: int, posts: int) -> bytes:
    items = "".join(
        f"<item><guid>feed{number}-post{p}</guid><title>Comunicado {p}</title>"
        f"<link>https://example.org/{number}/{p}</link><description>Texto {p}</description></item>"
        for p in range(posts)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Feed {number}'
        f"</title><link>https://example.org/{number}</link>{items}</channel></rss>"
    ).encode()


def reply(status: int, headers: dict[str, str], body: bytes) -> bytes:
    lines = [
        f"HTTP/1.1 {status} {'OK' if status == 200 else 'Not Modified'}",
        f"Content-Length: {len(body)}",
    ]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def serve_async(ready: multiprocessing.Queue[list[int]], args: argparse.Namespace) -> None:
    log: list[Entry] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:  # keep-alive: the monitor's client reuses its connections
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
                path = head[0].split(" ")[1]
                fields = (line.partition(":") for line in head[1:] if line)
                headers = {name.strip().lower(): value.strip() for name, _, value in fields}
                if path.startswith("/__stats"):
                    answer = reply(200, {}, json.dumps(log).encode())
                    if "reset" in path:
                        log.clear()
                else:
                    number = int(path.rsplit("/", 1)[-1].split(".")[0])
                    agent = headers.get("user-agent", "")
                    instance = int(agent[len(AGENT) :]) if agent.startswith(AGENT) else -1
                    etag = f'"feed-{number}"'
                    status = 304 if headers.get("if-none-match") == etag else 200
                    log.append((time.time(), number, instance, status))
                    await asyncio.sleep(args.delay)
                    body = feed(number, args.posts) if status == 200 else b""
                    kind = "application/rss+xml; charset=utf-8"
                    answer = reply(status, {"ETag": etag, "Content-Type": kind}, body)
                writer.write(answer)
                await writer.drain()
        writer.close()

    servers = [await asyncio.start_server(handle, "127.0.0.1", 0) for _ in range(args.hosts)]
    ready.put([server.sockets[0].getsockname()[1] for server in servers])
    await asyncio.Event().wait()


def serve(ready: multiprocessing.Queue[list[int]], args: argparse.Namespace) -> None:
    asyncio.run(serve_async(ready, args))


def server_log(port: int, *, reset: bool = False) -> list[Entry]:
    url = f"http://127.0.0.1:{port}/__stats{'?reset' if reset else ''}"
    rows = httpx.get(url, trust_env=False).json()
    return [(float(at), int(number), int(who), int(status)) for at, number, who, status in rows]


def config_text(number: int, data_dir: Path, schema: str, ports: list[int], args: Any) -> str:
    def keys(table: dict[str, Any]) -> str:  # a JSON scalar is a TOML one
        return "".join(f"{key} = {json.dumps(value)}\n" for key, value in table.items())

    sections: dict[str, dict[str, Any]] = {
        "monitor": {
            "data_dir": str(data_dir),
            "health": "",
            "user_agent": f"{AGENT}{number}",
            "log_level": "warning",
            "max_concurrency": args.concurrency,
            "shutdown_grace": 3,
        },
        "store": {"backend": "postgresql", "url": args.pg_url, "schema": schema},
        "cluster": {"lease": args.lease},
        "translation": {"enabled": False},
        "statements": {"enabled": False},
    }
    text = "".join(f"[{name}]\n{keys(table)}" for name, table in sections.items())
    for n in range(args.sources):
        url = f"http://127.0.0.1:{ports[n % len(ports)]}/feeds/{n}.xml"
        source = {"name": f"feed-{n}", "platform": "rss", "url": url}
        text += "[[sources]]\n" + keys(source | {"every": args.every, "jitter": args.jitter})
    return text


def cpu_seconds(pid: int) -> float:
    """utime + stime of `pid` (all its threads); 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def postgres_cpu() -> dict[int, float]:
    """Every PostgreSQL process on the machine (whoever it serves) and its CPU seconds."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if Path(f"/proc/{entry}/comm").read_text().strip() == "postgres":
                    found[int(entry)] = cpu_seconds(int(entry))
    return found


DB_STATS = (
    "SELECT xact_commit, tup_inserted + tup_updated + tup_deleted, blks_hit + blks_read"
    " FROM pg_stat_database WHERE datname = current_database()"
)
SCHEMA_STATS = (
    "SELECT (SELECT COALESCE(SUM(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_all_tables"
    " WHERE schemaname = %(s)s), (SELECT COALESCE(SUM(heap_blks_hit + heap_blks_read"
    " + COALESCE(idx_blks_hit + idx_blks_read, 0)), 0) FROM pg_statio_all_tables"
    " WHERE schemaname = %(s)s)"
)


@dataclass(frozen=True)
class Snapshot:
    at: float
    db: tuple[int, ...]  # transactions, rows written, blocks touched: database-wide
    schema: tuple[int, ...]  # rows written, blocks touched: this run's schema
    instances: float
    server: float
    postgres: dict[int, float]


def snapshot(pg_url: str, schema: str, pids: list[int], server: int) -> Snapshot:
    # A connection of its own each time: a fresh view of the statistics.
    with psycopg.connect(pg_url, autocommit=True) as db:
        totals = db.execute(DB_STATS).fetchone() or (0, 0, 0)
        mine = db.execute(SCHEMA_STATS, {"s": schema}).fetchone() or (0, 0)
    return Snapshot(
        time.time(),
        tuple(int(v) for v in totals),
        tuple(int(v) for v in mine),
        sum(cpu_seconds(pid) for pid in pids),
        cpu_seconds(server),
        postgres_cpu(),
    )


@dataclass(frozen=True)
class Run:
    instances: int
    seconds: float
    polls: int
    modified: int  # polls answered 200 (first polls), the rest 304
    per_instance: tuple[int, ...]
    cpu_instances: float  # cores
    cpu_server: float
    cpu_postgres: float
    db: tuple[float, ...]  # per poll
    schema: tuple[float, ...]  # per poll
    sources_polled: int
    min_gap: float
    short_gaps: int

    @property
    def per_minute(self) -> float:
        return self.polls / self.seconds * 60


@contextlib.contextmanager
def fresh_schema(pg_url: str) -> Iterator[str]:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    try:
        yield schema
    finally:
        with psycopg.connect(pg_url, autocommit=True) as db:
            db.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def wait_for_instances(n: int, procs: list[subprocess.Popen[bytes]], port: int, logs: Path) -> None:
    """Until every instance has polled once (startup and migrations done)."""
    deadline = time.monotonic() + 120
    while {entry[2] for entry in server_log(port)} < set(range(n)):
        for number, proc in enumerate(procs):
            if proc.poll() is not None:
                tail = (logs / f"instance-{number}.log").read_text()[-3000:]
                raise SystemExit(f"instance {number} ended ({proc.returncode}):\n{tail}")
        if time.monotonic() > deadline:
            raise SystemExit("the instances did not poll within 120 s")
        time.sleep(0.5)


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()  # SIGTERM: the daemon finishes in-flight polls
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def measure(n: int, ports: list[int], server_pid: int, args: argparse.Namespace) -> Run:
    with tempfile.TemporaryDirectory() as tmp, fresh_schema(args.pg_url) as schema:
        work = Path(tmp)
        server_log(ports[0], reset=True)
        procs: list[subprocess.Popen[bytes]] = []
        try:
            for number in range(n):
                config = work / f"instance-{number}.toml"
                config.write_text(config_text(number, work / f"data-{number}", schema, ports, args))
                command = ["-m", "monitor", "--config", str(config), "run", "--role", "collector"]
                with (work / f"instance-{number}.log").open("wb") as out:
                    popen = subprocess.Popen(
                        [sys.executable, *command], cwd=ROOT, stdout=out, stderr=out
                    )
                procs.append(popen)
            wait_for_instances(n, procs, ports[0], work)
            time.sleep(args.warmup)
            pids = [proc.pid for proc in procs]
            before = snapshot(args.pg_url, schema, pids, server_pid)
            time.sleep(args.seconds)
            after = snapshot(args.pg_url, schema, pids, server_pid)
        finally:
            stop(procs)
        log = server_log(ports[0], reset=True)
        errors = [line for p in work.glob("*.log") for line in p.read_text().splitlines()]
    window = [e for e in log if before.at <= e[0] < after.at]
    polls = max(1, len(window))
    seconds = after.at - before.at
    times: dict[int, list[float]] = defaultdict(list)
    for at, number, _, _ in sorted(log):
        times[number].append(at)
    gaps = [b - a for ts in times.values() for a, b in itertools.pairwise(ts)]
    counts = Counter(e[2] for e in window)
    common = before.postgres.keys() & after.postgres.keys()
    if errors:
        print(f"{n} instance(s): {len(errors)} log line(s), e.g. {errors[0][:300]}")
    return Run(
        instances=n,
        seconds=seconds,
        polls=len(window),
        modified=sum(e[3] == 200 for e in window),
        per_instance=tuple(counts[i] for i in range(n)),
        cpu_instances=(after.instances - before.instances) / seconds,
        cpu_server=(after.server - before.server) / seconds,
        cpu_postgres=sum(after.postgres[p] - before.postgres[p] for p in common) / seconds,
        db=tuple((a - b) / polls for a, b in zip(after.db, before.db, strict=True)),
        schema=tuple((a - b) / polls for a, b in zip(after.schema, before.schema, strict=True)),
        sources_polled=len(times),
        min_gap=min(gaps, default=float("inf")),
        short_gaps=sum(gap < args.every for gap in gaps),
    )


GOALS = {2: 1.8, 4: 3.2}


def report(runs: list[Run], args: argparse.Namespace) -> None:
    demand = args.sources / args.every * 60
    print(
        f"scale benchmark: {args.sources} RSS sources on {args.hosts} local ports, each answer"
        f" after {args.delay * 1000:.0f} ms, every {args.every:g} s (+ up to {args.jitter:g} s),"
        f" demand {demand:.0f} polls/min; max_concurrency {args.concurrency} per instance;"
        f" {os.cpu_count()} cores; window {args.seconds:g} s after a {args.warmup:g} s warm-up\n"
    )
    print(
        f"{'instances':>9} {'polls/min':>10} {'vs 1':>6} {'goal':>9} {'ideal/min':>10}"
        f" {'of ideal':>9} {'in flight':>9} {'200s':>6}  {'CPU cores: instances':>20} {'server':>7}"
        f" {'postgres*':>9}  polls per instance"
    )
    base = runs[0].per_minute
    for run in runs:
        ratio = run.per_minute / base
        goal = GOALS.get(run.instances)
        verdict = f">={goal}: {'yes' if ratio >= goal else 'NO'}" if goal else "baseline"
        ideal = run.instances * args.concurrency / args.delay * 60
        flight = run.per_minute / 60 * args.delay / run.instances  # mean, per instance
        print(
            f"{run.instances:>9} {run.per_minute:>10.0f} {ratio:>5.2f}x {verdict:>9}"
            f" {ideal:>10.0f} {run.per_minute / ideal:>8.0%} {flight:>9.2f} {run.modified:>6}"
            f"  {run.cpu_instances:>20.2f} {run.cpu_server:>7.2f} {run.cpu_postgres:>9.2f}"
            f"  {', '.join(map(str, run.per_instance))}"
        )
    print(
        "in flight: polls in progress per instance on average (polls/s x delay / instances),"
        f" at most {args.concurrency}; 200s: first polls (the rest 304)\n"
        "* every postgres process on this machine, whoever it serves\n"
    )
    print(
        "database load per poll: the whole database (pg_stat_database: every client of it)"
        " | the run's schema (pg_stat_all_tables, pg_statio_all_tables); then, over the whole"
        f" run, the sources polled and the shortest gap between two polls of one (>= {args.every:g} s)"
    )
    print(
        f"{'instances':>9} {'commits':>8} {'rows w.':>8} {'blocks':>8} | {'rows w.':>8}"
        f" {'blocks':>8} | {'sources':>7} {'min gap s':>9} {'shorter':>7}"
    )
    for run in runs:
        (xacts, rows, blocks), (mine_rows, mine_blocks) = run.db, run.schema
        print(
            f"{run.instances:>9} {xacts:>8.2f} {rows:>8.2f} {blocks:>8.1f} | {mine_rows:>8.2f}"
            f" {mine_blocks:>8.1f} | {run.sources_polled:>7} {run.min_gap:>9.2f} {run.short_gaps:>7}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sources", type=int, default=1500)
    parser.add_argument("--hosts", type=int, default=40, help="ports the sources spread over")
    parser.add_argument("--delay", type=float, default=0.2, help="seconds before each answer")
    parser.add_argument("--posts", type=int, default=0, help="items per feed")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between polls")
    parser.add_argument("--jitter", type=float, default=0.5, help="seconds added at most")
    parser.add_argument("--concurrency", type=int, default=8, help="[monitor] max_concurrency")
    parser.add_argument("--lease", type=float, default=60.0, help="[cluster] lease, seconds")
    parser.add_argument("--instances", default="1,2,4", help="the runs; the first is the base")
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds before the window")
    parser.add_argument("--seconds", type=float, default=30.0, help="the measuring window")
    parser.add_argument("--pg-url", default=PG_URL)
    args = parser.parse_args()

    ready: multiprocessing.Queue[list[int]] = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(ready, args), daemon=True)
    server.start()
    ports = ready.get(timeout=20)
    try:
        runs = [measure(int(n), ports, server.pid or 0, args) for n in args.instances.split(",")]
    finally:
        server.kill()
    report(runs, args)


if __name__ == "__main__":
    main()
