"""`[monitor] max_text`: a huge post is cut once, where it is made durable, and says so."""

from __future__ import annotations

from pathlib import Path

import jsonschema

from monitor.record import Author, Item, json_schema
from monitor.sources.base import SourceState
from monitor.store import Store
from tests.support.cli import queued_records, run_monitor
from tests.support.config import write_rss_config
from tests.support.httpserver import LocalServer, Reply
from tests.support.store import query

SENTENCE = "La Cancillería rechaza las sanciones unilaterales contra el pueblo venezolano. "
LONG_TEXT = (SENTENCE * (1_000_000 // len(SENTENCE) + 1))[:1_000_000].strip()


def feed() -> bytes:
    return f"""<?xml version="1.0"?><rss version="2.0"><channel><title>MPPRE</title>
<link>https://mppre.example.org</link>
<item><guid>long-1</guid><title>Comunicado</title><description>{LONG_TEXT}</description>
<pubDate>Mon, 04 Jul 2022 12:00:00 GMT</pubDate></item>
<item><guid>short-1</guid><title>Nota</title><description>{SENTENCE}</description>
<pubDate>Mon, 04 Jul 2022 13:00:00 GMT</pubDate></item>
</channel></rss>""".encode()


def test_a_1_mb_post_is_stored_cut_marked_and_not_a_new_revision_on_every_poll(
    http_server: LocalServer, tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    # No ETag: every poll downloads and parses the whole feed again.
    http_server.route("/feed", Reply(body=feed(), headers={"Content-Type": "application/rss+xml"}))
    config = write_rss_config(tmp_path, {"mppre-feed": http_server.url("/feed")})
    first = run_monitor(["--config", str(config), "collect"], subprocess_env, tmp_path)
    assert first.returncode == 0, first.stderr
    second = run_monitor(["--config", str(config), "collect"], subprocess_env, tmp_path)
    assert second.returncode == 0, second.stderr
    assert "new    0  updated   0  unchanged    2" in second.stdout
    assert len(http_server.hits("/feed")) == 2

    records = {
        r["id"].rsplit("/", 1)[-1]: r for r in queued_records(config, subprocess_env, tmp_path)
    }
    assert len(records) == 2
    cut, short = records["long-1"], records["short-1"]
    assert len(cut["text"]) == 100_000 and LONG_TEXT.startswith(cut["text"])
    assert cut["truncated"] is True and cut["revision"] == 1
    assert short["truncated"] is False and short["text"] == SENTENCE.strip()
    for record in records.values():
        jsonschema.validate(record, json_schema())


def test_the_store_cuts_before_anything_else_sees_the_text(backend_store: Store) -> None:
    store = backend_store
    post = Item("rss", "f/1", Author("f"), "x" * 5000)
    assert store.save_fetch("f", "rss", [post], SourceState(), max_text=1000).new == 1
    assert store.save_fetch("f", "rss", [post], SourceState(), max_text=1000).unchanged == 1
    [stored] = store.posts_in_stage("collected")
    assert stored.item.text == "x" * 1000 and stored.item.truncated
    [revision] = query(store, "SELECT item FROM revisions")
    assert Item.from_json(revision[0]).text == "x" * 1000


def test_truncated_is_an_optional_boolean_in_the_schema() -> None:
    schema = json_schema()
    assert schema["properties"]["truncated"]["type"] == "boolean"
    assert "truncated" not in schema["required"]
