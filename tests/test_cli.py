"""The command line as a user runs it: `python -m monitor ...` in a subprocess."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from monitor.record import json_schema
from tests.support.cli import queued_records, run_monitor
from tests.support.httpserver import LocalServer, Reply, Request

DATA = Path(__file__).parent / "sources" / "testdata" / "rss"
ENGLISH_FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Embassy</title>
<link>https://embassy.example.org</link>
<item><guid>en-1</guid><title>Statement by the Press Office</title>
<description>The Ambassador met the Minister of Foreign Affairs today to discuss bilateral
cooperation in energy and trade.</description><pubDate>Mon, 04 Jul 2022 12:00:00 GMT</pubDate></item>
</channel></rss>"""


def serve_with_etag(server: LocalServer, path: str, body: bytes, content_type: str) -> None:
    etag = f'"{abs(hash(body))}"'

    def handler(request: Request) -> Reply:
        if request.headers.get("if-none-match") == etag:
            return Reply(304, headers={"ETag": etag})
        return Reply(body=body, headers={"Content-Type": content_type, "ETag": etag})

    server.route(path, handler)


def write_config(tmp_path: Path, server: LocalServer, extra: str = "") -> Path:
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
url = "{server.url("/mppre")}"

[[sources]]
name = "kremlin-ru"
platform = "rss"
url = "{server.url("/kremlin")}"

[[sources]]
name = "embassy-en"
platform = "rss"
url = "{server.url("/embassy")}"
{extra}
""")
    return config


@pytest.fixture
def feeds(http_server: LocalServer) -> LocalServer:
    serve_with_etag(http_server, "/mppre", (DATA / "mppre.xml").read_bytes(), "application/rss+xml")
    serve_with_etag(
        http_server, "/kremlin", (DATA / "kremlin-atom.xml").read_bytes(), "application/atom+xml"
    )
    serve_with_etag(http_server, "/embassy", ENGLISH_FEED.encode(), "application/rss+xml")
    return http_server


def test_collect_fills_the_queue_with_valid_records_and_a_second_pass_adds_nothing(
    feeds: LocalServer, tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    config = write_config(tmp_path, feeds)
    first = run_monitor(["--config", str(config), "collect"], subprocess_env, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "mppre-feed" in first.stdout and "new    3" in first.stdout
    records = queued_records(config, subprocess_env, tmp_path)
    assert len(records) == 6
    for record in records:
        jsonschema.validate(record, json_schema())
    languages = {r["source"]: r["language"]["code"] for r in records}
    assert languages == {"mppre-feed": "es", "kremlin-ru": "ru", "embassy-en": "en"}
    statuses = {r["language"]["code"]: r["translation"]["status"] for r in records}
    assert statuses == {"es": "no_model", "ru": "no_model", "en": "not_needed"}

    second = run_monitor(["--config", str(config), "collect"], subprocess_env, tmp_path)
    assert second.returncode == 0, second.stderr
    assert second.stdout.count("not_modified") == 3
    assert all("if-none-match" in r.headers for r in feeds.hits("/mppre")[1:])
    assert len(queued_records(config, subprocess_env, tmp_path)) == 6


def test_collect_exits_non_zero_only_when_every_source_failed(
    http_server: LocalServer, tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    config = write_config(tmp_path, http_server)
    failed = run_monitor(["--config", str(config), "collect"], subprocess_env, tmp_path)
    assert failed.returncode == 1
    assert "HTTP 404" in failed.stdout and "Traceback" not in failed.stderr
    http_server.route(
        "/embassy", Reply(body=ENGLISH_FEED, headers={"Content-Type": "application/rss+xml"})
    )
    partial = run_monitor(["--config", str(config), "collect"], subprocess_env, tmp_path)
    assert partial.returncode == 0
    only = run_monitor(
        ["--config", str(config), "collect", "--source", "embassy-en"], subprocess_env, tmp_path
    )
    assert only.returncode == 0 and "mppre-feed" not in only.stdout
    unknown = run_monitor(
        ["--config", str(config), "collect", "--source", "nope"], subprocess_env, tmp_path
    )
    assert unknown.returncode == 2 and 'no source named "nope"' in unknown.stderr


def test_check_names_every_problem_with_its_key_path(
    tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("""
[monitor]
data_dir = "data"
timezone = "Mars/Olympus"

[queue]
backend = "kafka"

[[sources]]
name = "a"
platform = "rss"
url = "https://example.org/feed"

[[sources]]
name = "b"
platform = "telegram"
handle = "MID_Russia"

[[sources]]
name = "c"
platform = "rss"
url = "https://example.org/feed2"
every = "5 minutes"
colour = "blue"
""")
    done = run_monitor(["--config", str(config), "check"], subprocess_env, tmp_path)
    assert done.returncode == 2
    assert 'sources[2].every: "5 minutes" is not a duration like "5m"' in done.stderr
    assert "sources[2].colour: unknown key" in done.stderr
    assert "monitor.timezone:" in done.stderr and "queue.backend:" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [("[monitor\n", "is not valid TOML"), (None, "does not exist")],
)
def test_unreadable_config_is_one_clear_sentence(
    content: str | None, message: str, tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    config = tmp_path / "monitor.toml"
    if content is not None:
        config.write_text(content)
    done = run_monitor(["--config", str(config), "collect"], subprocess_env, tmp_path)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_check_accepts_the_shipped_configs(subprocess_env: dict[str, str], tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    for name in ("monitor.toml", "monitor.example.toml"):
        text = (
            (root / "config" / name)
            .read_text()
            .replace('data_dir = "data"', f'data_dir = "{tmp_path}"')
        )
        config = tmp_path / name
        config.write_text(text)
        done = run_monitor(["--config", str(config), "check"], subprocess_env, tmp_path)
        assert done.returncode == 0, done.stderr
        assert "config OK" in done.stdout


def test_detect_reads_text_or_stdin_lines(subprocess_env: dict[str, str], tmp_path: Path) -> None:
    one = run_monitor(
        ["detect", "Nos reunimos con el canciller Serguéi Lavrov en Moscú"],
        subprocess_env,
        tmp_path,
    )
    assert json.loads(one.stdout)["lang"] == "es"
    lines = "Министр иностранных дел провёл переговоры с коллегой\nhttps://t.co/abc 🇻🇪 2022\n"
    many = run_monitor(["detect"], subprocess_env, tmp_path, stdin=lines)
    results = [json.loads(line) for line in many.stdout.splitlines()]
    assert [r["lang"] for r in results] == ["ru", "und"]
    assert set(results[0]) == {"text", "lang", "confidence"}


def test_usage_errors_exit_2_without_traceback(
    subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    done = run_monitor(["frobnicate"], subprocess_env, tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_sources_lists_last_success_and_errors(
    http_server: LocalServer, tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    http_server.route(
        "/embassy", Reply(body=ENGLISH_FEED, headers={"Content-Type": "application/rss+xml"})
    )
    config = write_config(tmp_path, http_server)
    run_monitor(["--config", str(config), "collect"], subprocess_env, tmp_path)
    done = run_monitor(["--config", str(config), "sources"], subprocess_env, tmp_path)
    assert done.returncode == 0, done.stderr
    lines = {line.split()[0]: line for line in done.stdout.splitlines()[1:]}
    assert "HTTP 404" in lines["mppre-feed"] and " 1 " in lines["mppre-feed"]
    assert "never" not in lines["embassy-en"] and "HTTP" not in lines["embassy-en"]


def test_check_never_echoes_a_broker_password_from_a_malformed_url(
    tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text(f"""
[monitor]
data_dir = "{tmp_path / "data"}"

[queue]
backend = "rabbitmq"
url = "amqp://guest:Pq5secret@host:Pq5x/"
""")
    done = run_monitor(["--config", str(config), "check"], subprocess_env, tmp_path)
    assert done.returncode == 2
    assert "queue.url: is not a valid amqp:// URL (the port is not a number" in done.stderr
    assert "Pq5" not in done.stdout + done.stderr and "Traceback" not in done.stderr
