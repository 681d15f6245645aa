"""`monitor collect` with one source per platform, all served by one local server."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import jsonschema
import pytest

from monitor.record import json_schema
from tests.sources import test_bluesky, test_mastodon, test_telegram, test_x
from tests.support.cli import queued_records, run_monitor
from tests.support.httpserver import LocalServer, Reply

RSS = (Path(__file__).parent / "sources" / "testdata" / "rss" / "mppre.xml").read_bytes()


@pytest.fixture
def platforms(http_server: LocalServer) -> LocalServer:
    test_x.serve_timeline(http_server)
    test_mastodon.serve(http_server)
    test_bluesky.serve(http_server)
    test_telegram.serve_channel(http_server)
    http_server.route("/feed", Reply(body=RSS, headers={"Content-Type": "application/rss+xml"}))
    return http_server


def write_config(tmp_path: Path, server: LocalServer) -> Path:
    base = server.base_url
    config = tmp_path / "monitor.toml"
    config.write_text(f"""
[monitor]
data_dir = "{tmp_path / "data"}"
health = ""

[translation]
enabled = false

[[sources]]
name = "mppre-feed"
platform = "rss"
url = "{base}/feed"

[[sources]]
name = "mid-russia-telegram"
platform = "telegram"
handle = "MID_Russia"
base_url = "{base}"

[[sources]]
name = "cancilleria-ve-x"
platform = "x"
handle = "CancilleriaVE"
token_env = "X_BEARER_TOKEN"
base_url = "{base}"

[[sources]]
name = "cancilleria-ve-mastodon"
platform = "mastodon"
handle = "CancilleriaVE@mastodon.social"
base_url = "{base}"

[[sources]]
name = "cancilleria-ve-bluesky"
platform = "bluesky"
handle = "cancilleriave.bsky.social"
base_url = "{base}"
""")
    return config


def test_one_source_per_platform_fills_the_queue_and_a_second_pass_adds_only_new_posts(
    platforms: LocalServer, tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    env = {**subprocess_env, "X_BEARER_TOKEN": test_x.TOKEN}
    config = write_config(tmp_path, platforms)
    first = run_monitor(["--config", str(config), "collect"], env, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "5 source(s): 5 ok, 0 failed" in first.stdout
    records = queued_records(config, env, tmp_path)
    for record in records:
        jsonschema.validate(record, json_schema())
        assert record["id"].startswith(record["platform"] + ":")
        assert record["url"] is None or record["url"].startswith("https://")
    by_platform = Counter(r["platform"] for r in records)
    assert set(by_platform) == {"rss", "telegram", "x", "mastodon", "bluesky"}
    languages = {
        platform: Counter(r["language"]["code"] for r in records if r["platform"] == platform)
        for platform in by_platform
    }
    assert languages["telegram"].most_common(1)[0][0] == "ru"
    assert languages["x"].most_common(1)[0][0] == "es"
    assert languages["rss"] == Counter({"es": 3})
    assert {r["kind"] for r in records} >= {"post", "repost", "reply"}
    assert "Traceback" not in first.stderr

    second = run_monitor(["--config", str(config), "collect"], env, tmp_path)
    assert second.returncode == 0, second.stderr
    after = queued_records(config, env, tmp_path)
    assert len({(r["id"], r["revision"]) for r in after}) == len(after)
    new_or_updated = sum(int(part) for part in _column(second.stdout, "new")) + sum(
        int(part) for part in _column(second.stdout, "updated")
    )
    assert len(after) == len(records) + new_or_updated


def _column(summary: str, name: str) -> list[str]:
    values = []
    for line in summary.splitlines()[:-1]:
        words = line.split()
        if name in words:
            values.append(words[words.index(name) + 1])
    return values


def test_two_broken_platforms_leave_the_other_three_untouched(
    platforms: LocalServer, tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    platforms.route(test_mastodon.STATUSES, Reply(500, b"", test_mastodon.JSON))
    config = write_config(tmp_path, platforms)
    done = run_monitor(["--config", str(config), "collect"], subprocess_env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "5 source(s): 3 ok, 2 failed" in done.stdout
    assert "X_BEARER_TOKEN" in done.stdout and "HTTP 500" in done.stdout
    assert {r["platform"] for r in queued_records(config, subprocess_env, tmp_path)} == {
        "rss",
        "telegram",
        "bluesky",
    }
