"""The whole monitor on PostgreSQL: `[store] backend = "postgresql"`, `monitor collect`, then
`monitor run` against a local feed. Posts land in PostgreSQL, go out through the embedded
queue (the publisher's generic path: there is no store file to copy from), `monitor sources`
reads the same store, and collecting again adds nothing."""

from __future__ import annotations

import signal
from pathlib import Path

from monitor.store import STORE_FILE
from tests.support.cli import queued_records, run_monitor, start_daemon
from tests.support.config import write_rss_config
from tests.support.httpserver import LocalServer, Reply
from tests.support.store import query
from tests.support.stores import StoreFactory
from tests.test_daemon import wait_for_queue

DATA = Path(__file__).parent / "sources" / "testdata" / "rss"
NEW_ITEM = (
    b'<item><guid isPermaLink="false">nuevo-1</guid><title>Comunicado nuevo</title>'
    b"<description>La Canciller\xc3\xada informa sobre la nueva ronda de conversaciones."
    b"</description></item><item>"
)


def serve(server: LocalServer, body: bytes) -> None:
    server.route("/mppre", Reply(body=body, headers={"Content-Type": "application/rss+xml"}))


def test_collect_and_run_on_postgresql(
    http_server: LocalServer,
    tmp_path: Path,
    subprocess_env: dict[str, str],
    postgresql_store_factory: StoreFactory,
) -> None:
    feed = (DATA / "mppre.xml").read_bytes()
    serve(http_server, feed)
    config = write_rss_config(
        tmp_path,
        {"mppre-feed": http_server.url("/mppre")},
        monitor='shutdown_grace = "5s"',
        source_extra='every = "1s"\njitter = "0.1s"\n',
        rest=postgresql_store_factory.config(),
    )
    monitor = ["--config", str(config)]

    first = run_monitor([*monitor, "collect"], subprocess_env, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "new    3" in first.stdout, first.stdout
    assert len(queued_records(config, subprocess_env, tmp_path)) == 3

    serve(http_server, feed.replace(b"<item>", NEW_ITEM, 1))
    daemon = start_daemon(config, subprocess_env, tmp_path)
    try:
        records = wait_for_queue(config, subprocess_env, tmp_path, 4)
    finally:
        daemon.send_signal(signal.SIGTERM)
        _, err = daemon.communicate(timeout=30)
    assert daemon.returncode == 0, err
    assert "monitor stopped" in err and "Traceback" not in err
    assert len(records) == 4 and records[-1]["id"] == "rss:mppre-feed/nuevo-1"

    sources = run_monitor([*monitor, "sources"], subprocess_env, tmp_path)
    assert sources.returncode == 0, sources.stderr
    (line,) = [line for line in sources.stdout.splitlines() if line.startswith("mppre-feed")]
    assert "never" not in line and "HTTP" not in line

    again = run_monitor([*monitor, "collect"], subprocess_env, tmp_path)
    assert again.returncode == 0, again.stderr
    assert len(queued_records(config, subprocess_env, tmp_path)) == 4

    store = postgresql_store_factory()
    assert store.path is None and not (tmp_path / "data" / STORE_FILE).exists()
    assert int(query(store, "SELECT COUNT(*) FROM posts")[0][0]) == 4
    assert store.outbox_pending() == 0 and store.outbox_sent_through() == 4
