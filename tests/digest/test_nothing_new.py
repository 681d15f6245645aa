"""Nothing new since the last digest: nothing is sent, by hand or by the daemon (`--force` sends)."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.digest import DigestJob
from monitor.digest import log as digest_log
from monitor.digest.commands import digest_send
from monitor.record import utcnow
from monitor.store import Store
from tests.digest.conftest import SmtpServer, smtp_config
from tests.digest.support import add_failure, add_post, make_settings, samples, seed
from tests.digest.test_cli_digest import CONFIG, monitor
from tests.support.store import query


def test_a_second_send_with_nothing_new_sends_nothing_and_force_sends(
    store: Store, tmp_path: Path, smtp_server: SmtpServer, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(store)
    settings = make_settings(tmp_path / "data", **smtp_config(smtp_server))
    assert digest_send(settings, store, None) == 0
    assert len(smtp_server.inbox.messages) == 1
    capsys.readouterr()

    assert digest_send(settings, store, None) == 0
    out = capsys.readouterr()
    lines = (out.out + out.err).strip().splitlines()
    assert len(lines) == 1 and "nothing new since" in lines[0] and "no digest sent" in lines[0]
    assert len(smtp_server.inbox.messages) == 1

    time.sleep(1.1)  # windows are whole seconds: let one pass since the last digest's end
    assert digest_send(settings, store, None) == 0
    assert len(smtp_server.inbox.messages) == 1
    assert digest_send(settings, store, None, force=True) == 0
    assert len(smtp_server.inbox.messages) == 2


def test_a_failed_source_is_news(store: Store, tmp_path: Path, smtp_server: SmtpServer) -> None:
    seed(store)
    settings = make_settings(tmp_path / "data", **smtp_config(smtp_server))
    assert digest_send(settings, store, None) == 0
    sent_until = digest_log.next_start(store)
    assert sent_until is not None
    add_failure(store, "mppre-feed", sent_until, "HTTP 503 from mppre.gob.ve")
    time.sleep(1.1)  # windows are whole seconds: let one pass since the last digest's end
    assert digest_send(settings, store, None) == 0
    assert len(smtp_server.inbox.messages) == 2
    assert "HTTP 503" in str(smtp_server.inbox.messages[1][2].get_body(("plain",)))


def test_the_command_line_says_nothing_new_and_exits_0(
    tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text(CONFIG.format(data=tmp_path / "data"), "utf-8")
    store = Store.open(tmp_path / "data")
    add_post(store, samples()[0], utcnow() - timedelta(hours=1))
    store.close()
    first = monitor(config, subprocess_env, "send")
    assert first.returncode == 0 and "sent: 1 post(s)" in first.stdout, first.stderr
    second = monitor(config, subprocess_env, "send")
    assert second.returncode == 0, second.stderr
    assert "nothing new since" in second.stderr and "Traceback" not in second.stderr
    assert len(list((tmp_path / "data" / "digests").glob("*.eml"))) == 1
    time.sleep(1.1)  # windows are whole seconds: let one pass since the last digest's end
    forced = monitor(config, subprocess_env, "send", "--force")
    assert forced.returncode == 0, forced.stderr
    assert len(list((tmp_path / "data" / "digests").glob("*.eml"))) == 2


async def test_the_daemon_sends_nothing_on_a_day_with_nothing_new(
    store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    nov28 = datetime(2026, 11, 28, 11, tzinfo=UTC)  # 07:00 in Caracas
    seed(store)
    job = DigestJob(make_settings(tmp_path / "data"), store)
    sent = await job.run_due(nov28)
    assert sent is not None and sent.status == "sent"
    with caplog.at_level(logging.INFO, logger="monitor.digest"):
        assert await job.run_due(nov28 + timedelta(days=1)) is None
        assert await job.run_due(nov28 + timedelta(days=1, minutes=1)) is None
    assert [r.getMessage() for r in caplog.records if "nothing new" in r.getMessage()] == [
        "digest 2026-11-29: nothing new (no posts, no failed source); nothing sent"
    ]
    assert len(list((tmp_path / "data" / "digests").glob("*.eml"))) == 1
    assert len(query(store, "SELECT id FROM digests")) == 1
    # The next post goes out in the next digest, whose window covers the quiet day too.
    add_post(store, dict(samples()[1], native_id="later/1"), nov28 + timedelta(days=1, hours=3))
    later = await job.run_due(nov28 + timedelta(days=2))
    assert later is not None and later.status == "sent" and later.posts == 1
    assert later.label == "2026-11-28 to 2026-11-30"
