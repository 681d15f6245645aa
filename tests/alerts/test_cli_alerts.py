"""`monitor alerts test` answers from the stored history; `monitor check` names bad queries."""

from __future__ import annotations

from pathlib import Path

from tests.alerts.test_daemon_alerts import feed
from tests.support.cli import run_monitor
from tests.support.config import write_rss_config
from tests.support.httpserver import LocalServer, Reply

ALERT = '[[alerts]]\nname = "sanctions"\nquery = "{query}"\nto = ["duty@example.org"]\n'


def test_alerts_test_shows_what_would_have_matched(
    http_server: LocalServer, subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    http_server.route("/feed", Reply(body=feed(), headers={"Content-Type": "application/rss+xml"}))
    config = write_rss_config(
        tmp_path, {"tv-feed": http_server.url("/feed")}, rest=ALERT.format(query="sanción")
    )
    assert (
        run_monitor(["--config", str(config), "collect"], subprocess_env, tmp_path).returncode == 0
    )
    by_name = run_monitor(
        ["--config", str(config), "alerts", "test", "sanctions"], subprocess_env, tmp_path
    )
    assert by_name.returncode == 0, by_name.stderr
    assert "[sanciones]" in by_name.stdout and "festival" not in by_name.stdout
    assert "1 post(s) in 1 statement(s) matched" in by_name.stderr
    by_query = run_monitor(
        ["--config", str(config), "alerts", "test", "festival", "--since", "1d"],
        subprocess_env,
        tmp_path,
    )
    assert by_query.returncode == 0 and "[festival]" in by_query.stdout
    nothing = run_monitor(
        ["--config", str(config), "alerts", "test", "sanción OR"], subprocess_env, tmp_path
    )
    assert nothing.returncode == 2
    assert "is neither an alert (sanctions) nor a query" in nothing.stderr
    assert "Traceback" not in nothing.stderr


def test_check_names_a_malformed_alert_query(
    subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    config = write_rss_config(
        tmp_path, {"tv-feed": "http://127.0.0.1:9/feed"}, rest=ALERT.format(query="(sanción")
    )
    done = run_monitor(["--config", str(config), "check"], subprocess_env, tmp_path)
    assert done.returncode == 2
    assert "alerts[0].query:" in done.stderr and "never closed" in done.stderr
    assert "Traceback" not in done.stderr
