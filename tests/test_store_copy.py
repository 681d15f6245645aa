"""`monitor store copy --to URL`: an embedded store with data moves into PostgreSQL, and the
monitor goes on there without re-reading a source or re-sending a record."""

from __future__ import annotations

import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.daemon import InstanceLock
from monitor.store import Store
from tests.support.cli import queued_records, run_monitor
from tests.support.config import write_rss_config
from tests.support.httpserver import LocalServer, Reply, Request

psycopg = pytest.importorskip("psycopg")

PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
DATA = Path(__file__).parent / "sources" / "testdata" / "rss"
FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Embassy</title>
<link>https://embassy.example.org</link>
<item><guid>en-1</guid><title>Statement by the Press Office</title>
<description>{text}</description><pubDate>Mon, 04 Jul 2022 12:00:00 GMT</pubDate></item>
<item><guid>en-2</guid><title>Visit of the delegation</title>
<description>The delegation visited the port and the new power plant.</description>
<pubDate>Tue, 05 Jul 2022 09:30:00 GMT</pubDate></item>
</channel></rss>"""
FIRST = "The Ambassador met the Minister of Foreign Affairs to discuss energy and trade."
EDITED = "The Ambassador met the Minister of Foreign Affairs to discuss energy, trade and visas."


def _connect() -> psycopg.Connection[tuple[object, ...]]:
    try:
        return psycopg.connect(PG_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:  # pragma: no cover - CI starts PostgreSQL
        pytest.skip(f"PostgreSQL is not reachable at {PG_URL}: {error}")


@pytest.fixture
def schema() -> Iterator[str]:
    """A schema of this test's own, dropped afterwards."""
    name = "t_" + uuid.uuid4().hex
    with _connect() as connection:
        try:
            yield name
        finally:
            connection.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def _serve(server: LocalServer, path: str, body: dict[str, bytes], content: str) -> None:
    """`body["now"]` served with an ETag, so an unchanged feed answers 304."""

    def handler(request: Request) -> Reply:
        etag = f'"{abs(hash(body["now"]))}"'
        if request.headers.get("if-none-match") == etag:
            return Reply(304, headers={"ETag": etag})
        return Reply(body=body["now"], headers={"Content-Type": content, "ETag": etag})

    server.route(path, handler)


def _monitor(config: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run_monitor(["--config", str(config), *args], env, config.parent)


def _sqlite_counts(data_dir: Path) -> dict[str, int]:
    db = sqlite3.connect(data_dir / "monitor.db")
    try:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite%' AND name NOT LIKE 'post_search%'"
            )
        ]
        return {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}
    finally:
        db.close()


def _pg(schema: str, sql: str) -> list[tuple[object, ...]]:
    with _connect() as connection:
        connection.execute(f"SET search_path = {schema}")
        return connection.execute(sql).fetchall()


def _pg_counts(schema: str, tables: list[str]) -> dict[str, int]:
    return {t: int(str(_pg(schema, f"SELECT COUNT(*) FROM {t}")[0][0])) for t in tables}


CLUSTER = ("instances", "leases")


def _fill_what_the_pipeline_left_empty(data_dir: Path) -> None:
    """Rows for the tables a collect without translation or alerts does not write."""
    store = Store.open(data_dir)
    try:
        with store.transaction() as db:
            db.execute(
                "INSERT INTO translation_cache (pair, model, sentence, translation, hits,"
                " created_at) VALUES ('es-en', 'argos-1', 'Hola.', 'Hello.', 3,"
                " '2026-01-01T00:00:00Z')"
            )
            db.execute(
                "INSERT INTO alert_events (alert, channel, statement_id, event, event_key,"
                " post_id, revision, matched_at, status) VALUES ('a', 'mail', 's', 'new', '',"
                " 'p', 1, '2026-01-01T00:00:00Z', 'sent')"
            )
            db.execute("INSERT INTO meta (key, value) VALUES ('alerts_through', '7')")
    finally:
        store.close()


def test_a_copied_store_goes_on_in_postgresql_without_collecting_or_sending_again(
    http_server: LocalServer, tmp_path: Path, subprocess_env: dict[str, str], schema: str
) -> None:
    english = {"now": FEED.format(text=FIRST).encode()}
    _serve(http_server, "/es", {"now": (DATA / "mppre.xml").read_bytes()}, "application/rss+xml")
    _serve(http_server, "/en", english, "application/rss+xml")
    sources = {"mppre-feed": http_server.url("/es"), "embassy-en": http_server.url("/en")}
    config = write_rss_config(tmp_path, sources)
    data_dir = tmp_path / "data"

    assert _monitor(config, subprocess_env, "collect").returncode == 0
    english["now"] = FEED.format(text=EDITED).encode()
    edited = _monitor(config, subprocess_env, "collect")
    assert edited.returncode == 0 and "1 updated" in edited.stdout, edited.stdout
    sent = _monitor(config, subprocess_env, "digest", "send", "--date", "2022-07-05")
    assert sent.returncode == 0, sent.stderr
    _fill_what_the_pipeline_left_empty(data_dir)
    listed = _monitor(config, subprocess_env, "sources")
    found = _monitor(config, subprocess_env, "search", "ambassador OR delegation", "--json")
    assert found.returncode == 0 and '"total": 3' in found.stdout, found.stdout
    records = queued_records(config, subprocess_env, tmp_path)
    before = _sqlite_counts(data_dir)
    # Every table has something to copy, but those of instances sharing a store: the
    # embedded store's one instance never writes them.
    assert all(count for table, count in before.items() if table not in CLUSTER), before
    assert before["revisions"] > before["posts"]  # the edit

    copied = _monitor(config, subprocess_env, "store", "copy", "--to", PG_URL, "--schema", schema)
    assert copied.returncode == 0, copied.stderr
    assert f"posts: {before['posts']} of {before['posts']} rows" in copied.stderr
    assert f"schema {schema}" in copied.stdout
    assert _pg_counts(schema, list(before)) == before
    assert _pg_counts(schema, ["post_search"]) == {"post_search": before["posts"]}
    assert _pg(schema, "SELECT sent_through FROM outbox_cursor") == [(before["outbox"],)]

    again = _monitor(config, subprocess_env, "store", "copy", "--to", PG_URL, "--schema", schema)
    assert again.returncode == 1
    assert f"posts ({before['posts']} rows)" in again.stderr and "Traceback" not in again.stderr
    assert _pg_counts(schema, list(before)) == before

    store = f'[store]\nbackend = "postgresql"\nurl = "{PG_URL}"\nschema = "{schema}"\n'
    on_pg = write_rss_config(tmp_path, sources, rest=store)
    assert _monitor(on_pg, subprocess_env, "sources").stdout == listed.stdout
    assert _monitor(
        on_pg, subprocess_env, "search", "ambassador OR delegation", "--json"
    ).stdout == (found.stdout)
    later = _monitor(on_pg, subprocess_env, "collect")
    assert later.returncode == 0, later.stderr
    assert later.stdout.count("not_modified") == 2, later.stdout  # ETags came along
    assert "0 new, 0 updated; 0 record(s) waiting in the outbox" in later.stdout
    assert _pg(schema, "SELECT sent_through, (SELECT MAX(seq) FROM outbox) FROM outbox_cursor") == [
        (before["outbox"], before["outbox"])
    ]
    assert queued_records(on_pg, subprocess_env, tmp_path) == records
    resent = _monitor(on_pg, subprocess_env, "digest", "send", "--date", "2022-07-05")
    assert resent.returncode == 0 and "already sent" in resent.stderr, resent.stderr


def test_keys_continue_past_rows_retention_pruned(
    tmp_path: Path, subprocess_env: dict[str, str], schema: str
) -> None:
    data_dir = tmp_path / "data"
    store = Store.open(data_dir)
    try:
        with store.transaction() as db:
            for number in range(1, 4):
                db.execute(
                    "INSERT INTO outbox (message_id, post_id, revision, source, body,"
                    " created_at) VALUES (?, 'p', ?, 's', '{}', '2026-01-01T00:00:00Z')",
                    (f"m{number}", number),
                )
            db.execute("UPDATE outbox_cursor SET sent_through = 3")
            db.execute("DELETE FROM outbox")  # what retention does to sent rows
    finally:
        store.close()
    config = write_rss_config(tmp_path, {})
    copied = _monitor(config, subprocess_env, "store", "copy", "--to", PG_URL, "--schema", schema)
    assert copied.returncode == 0, copied.stderr
    # The next row PostgreSQL numbers is 4: a seq at or below sent_through would never be sent.
    assert _pg(schema, "SELECT nextval(pg_get_serial_sequence('outbox', 'seq'))") == [(4,)]


def test_a_schema_with_other_tables_is_refused_and_left_alone(
    tmp_path: Path, subprocess_env: dict[str, str], schema: str
) -> None:
    Store.open(tmp_path / "data").close()
    with _connect() as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
        connection.execute(f"CREATE TABLE {schema}.invoices (id INTEGER)")
    config = write_rss_config(tmp_path, {})
    refused = _monitor(config, subprocess_env, "store", "copy", "--to", PG_URL, "--schema", schema)
    assert refused.returncode == 1
    assert "not the monitor's (invoices)" in refused.stderr
    tables = _pg(
        schema, f"SELECT table_name FROM information_schema.tables WHERE table_schema = '{schema}'"
    )
    assert tables == [("invoices",)]


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--to", "mysql://db/x"], {}, "--to: is not a postgresql://"),
        (["--to", "postgresql://u:hunter2@127.0.0.1/test"], {}, "--to: the URL holds a password"),
        (["--to", PG_URL, "--password-env", "NOPE_PW"], {}, "$NOPE_PW (the password) is not set"),
        (["--to", PG_URL, "--schema", "Bad-Name"], {}, '--schema: "Bad-Name" is not'),
    ],
)
def test_usage_problems_exit_2_without_a_password_in_sight(
    args: list[str],
    env: dict[str, str],
    message: str,
    tmp_path: Path,
    subprocess_env: dict[str, str],
) -> None:
    Store.open(tmp_path / "data").close()
    config = write_rss_config(tmp_path, {})
    done = _monitor(config, {**subprocess_env, **env}, "store", "copy", *args)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "hunter2" not in done.stderr + done.stdout


def test_no_embedded_store_is_a_usage_problem(
    tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    config = write_rss_config(tmp_path, {})
    done = _monitor(config, subprocess_env, "store", "copy", "--to", PG_URL)
    assert done.returncode == 2 and "there is no embedded store" in done.stderr


def test_a_running_monitor_keeps_its_store_from_being_copied(
    tmp_path: Path, subprocess_env: dict[str, str], schema: str
) -> None:
    Store.open(tmp_path / "data").close()
    config = write_rss_config(tmp_path, {})
    lock = InstanceLock(tmp_path / "data")  # what `monitor run` holds
    lock.acquire()
    try:
        done = _monitor(config, subprocess_env, "store", "copy", "--to", PG_URL, "--schema", schema)
    finally:
        lock.release()
    assert done.returncode == 3 and "already running" in done.stderr, done.stderr
