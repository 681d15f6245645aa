"""`monitor run` against hostile hosts: a megabyte of adversarial text, a gzip bomb, a
dripping server and a 1,000-deep HTML entry, all at once, beside one honest feed.

The daemon must keep answering /healthz within a second the whole time, collect the honest
feed (and the good entries beside the bad one), and record the hostile polls as errors.
"""

from __future__ import annotations

import gzip
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.argos_package import ArgosEnv, BuiltPackage, install_unzipped
from tests.support.cli import queued_records, run_monitor
from tests.support.config import write_rss_config
from tests.support.httpserver import DripServer, LocalServer, Reply, free_port

DATA = Path(__file__).parent / "sources" / "testdata" / "rss"
RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}
WATCH_SECONDS = 12.0


def feed(*items: tuple[str, str]) -> bytes:
    entries = "".join(
        f"<item><guid isPermaLink='false'>{guid}</guid><title>{guid}</title>"
        f"<pubDate>Mon, 04 Jul 2022 09:12:00 +0000</pubDate>"
        f"<description><![CDATA[{body}]]></description></item>"
        for guid, body in items
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel>"
        f"<title>t</title><link>https://example.org/</link>{entries}</channel></rss>"
    ).encode()


def gzip_bomb() -> bytes:
    zeros = gzip.compress(b"\0" * 200_000_000, compresslevel=9)
    return gzip.compress(zeros, compresslevel=9)


def test_hostile_hosts_never_stall_the_daemon(
    http_server: LocalServer,
    tmp_path: Path,
    subprocess_env: dict[str, str],
    argos_env: ArgosEnv,
    argos_packages: dict[str, BuiltPackage],
) -> None:
    install_unzipped(argos_packages["es"], argos_env.packages_dir)
    env = {**subprocess_env, **argos_env.env}
    adversarial = "Nos reunimos con el canciller en Moscú. " + ("a.1a─x@中" * 130_000)[:1_000_000]
    nested = "<div>" * 1000 + "profundo" + "</div>" * 1000
    http_server.route("/honest", Reply(body=(DATA / "mppre.xml").read_bytes(), headers=RSS))
    http_server.route("/adversarial", Reply(body=feed(("big", adversarial)), headers=RSS))
    http_server.route(
        "/bomb", Reply(body=gzip_bomb(), headers={**RSS, "Content-Encoding": "gzip, gzip"})
    )
    http_server.route(
        "/deep",
        Reply(
            body=feed(("first", "<p>Primero.</p>"), ("nested", nested), ("last", "<p>Último.</p>")),
            headers=RSS,
        ),
    )
    drip = DripServer((DATA / "mppre.xml").read_bytes())
    health = f"127.0.0.1:{free_port()}"
    sources = {
        name: http_server.url(f"/{name}") for name in ("honest", "adversarial", "bomb", "deep")
    }
    config = write_rss_config(
        tmp_path,
        {**sources, "drip": drip.url("/drip")},
        health=health,
        monitor='shutdown_grace = "5s"\npoll_deadline = "3s"',
        translation=True,
        source_extra='every = "2s"\njitter = "0.1s"\n',
    )
    daemon = subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(config), "run"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    slowest = 0.0
    answers: list[int] = []
    try:
        with httpx.Client(timeout=5) as client:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:  # wait for the health server to come up
                try:
                    client.get(f"http://{health}/healthz")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            watch_until = time.monotonic() + WATCH_SECONDS
            while time.monotonic() < watch_until:
                started = time.monotonic()
                answers.append(client.get(f"http://{health}/healthz").status_code)
                slowest = max(slowest, time.monotonic() - started)
                time.sleep(0.1)
        records = queued_records(config, env, tmp_path)
        statuses = run_monitor(["--config", str(config), "sources"], env, tmp_path)
    finally:
        daemon.send_signal(signal.SIGTERM)
        _, err = daemon.communicate(timeout=30)
        drip.stop()

    assert daemon.returncode == 0, err[-3000:]
    assert "Traceback" not in err
    print(f"slowest /healthz answer: {slowest * 1000:.0f} ms of {len(answers)}")
    assert slowest < 1.0, f"/healthz took {slowest:.2f}s"
    assert answers and set(answers) == {200}

    ids = {record["id"] for record in records}
    assert sum(1 for i in ids if i.startswith("rss:honest/")) == 3
    assert {"rss:deep/first", "rss:deep/last"} <= ids
    (big,) = [r for r in records if r["id"] == "rss:adversarial/big"]
    assert big["truncated"] is True and len(big["text"]) <= 100_000
    assert big["language"]["code"] == "es"
    assert big["translation"]["status"] == "translated"

    report = statuses.stdout + statuses.stderr
    lines = {line.split()[0]: line for line in report.splitlines() if line.strip()}
    assert "timeout" in lines["drip"] or "poll_deadline" in lines["drip"], report
    assert "too large" in lines["bomb"] or "cap" in lines["bomb"], report
    assert json.dumps(records)  # every record is plain JSON
