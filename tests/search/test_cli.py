"""`monitor search QUERY [--limit N] [--json]` as a user runs it."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import jsonschema

from monitor.record import json_schema
from monitor.store import Store
from tests.search.support import PUBLISHED, item, publish
from tests.support.cli import run_monitor
from tests.support.config import write_rss_config


def config_with_posts(tmp_path: Path) -> Path:
    config = write_rss_config(
        tmp_path,
        {"feed": "http://127.0.0.1:9/feed.xml"},
        monitor='timezone = "America/Caracas"',
    )
    store = Store.open(tmp_path / "data")
    publish(
        store,
        item("1", "Первая строка\nМИД прокомментировал новые санкции против Венесуэлы"),
        "ru",
        "The MFA commented on the new sanctions against Venezuela",
    )
    publish(
        store,
        item("2", "Rechazamos las sanciones", published=PUBLISHED + timedelta(hours=1)),
        "es",
        "We reject the sanctions",
        source="feed",
    )
    store.close()
    return config


def test_search_prints_matches_newest_first_with_words_marked(
    tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    config = config_with_posts(tmp_path)
    done = run_monitor(["--config", str(config), "search", "санкция"], subprocess_env, tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == (
        "2026-10-05 08:00  chan  telegram  ru  МИД прокомментировал новые [санкции] против Венесуэлы"
    )
    assert lines[1].endswith("->en  The MFA commented on the new sanctions against Venezuela")
    assert len(lines) == 2
    assert "1 post(s) match, 1 shown" in done.stderr


def test_search_limit_and_json_records(tmp_path: Path, subprocess_env: dict[str, str]) -> None:
    config = config_with_posts(tmp_path)
    done = run_monitor(
        ["--config", str(config), "search", "sanctions", "--limit", "1", "--json"],
        subprocess_env,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    output = json.loads(done.stdout)
    assert output["total"] == 2
    (record,) = output["results"]
    jsonschema.validate(record, json_schema())
    assert record["id"] == "telegram:2" and record["source"] == "feed"


def test_a_bad_query_is_one_sentence_and_exit_2(
    tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    config = config_with_posts(tmp_path)
    for bad in ('"sanciones', "sanciones OR", "lang:", "-sanciones", "(a", "autor:x"):
        done = run_monitor(["--config", str(config), "search", "--", bad], subprocess_env, tmp_path)
        assert done.returncode == 2, (bad, done.stderr)
        assert done.stdout == ""
        assert done.stderr.startswith("monitor: error: ") and done.stderr.count("\n") == 1
        assert "Traceback" not in done.stderr


def test_a_bad_limit_is_a_usage_error(tmp_path: Path, subprocess_env: dict[str, str]) -> None:
    config = config_with_posts(tmp_path)
    done = run_monitor(
        ["--config", str(config), "search", "x", "--limit", "0"], subprocess_env, tmp_path
    )
    assert done.returncode == 2 and "positive whole number" in done.stderr
