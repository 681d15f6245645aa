"""The daemon's job: on time, once, catch-up after downtime, retry with backoff, other deliveries."""

from __future__ import annotations

import mailbox
from datetime import UTC, datetime, time, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from monitor.digest import DigestJob, last_sent_at
from monitor.digest import log as digest_log
from monitor.digest.commands import digest_send
from monitor.record import utcnow
from monitor.store import Store
from tests.digest.conftest import SmtpServer, smtp_config
from tests.digest.support import add_post, make_settings, samples, seed
from tests.support.store import query
from tests.support.stores import StoreFactory

# send_at 07:00 in Caracas (UTC-4) is 11:00 UTC.
NOV27_0700 = datetime(2026, 11, 27, 11, tzinfo=UTC)
NOV28_0700 = datetime(2026, 11, 28, 11, tzinfo=UTC)


def job(data: Path, store: Store, **digest: object) -> DigestJob:
    return DigestJob(make_settings(data, **digest), store)


async def test_sends_once_when_due_and_never_twice_across_restarts(
    open_test_store: StoreFactory, smtp_server: SmtpServer
) -> None:
    data = open_test_store.data_dir
    config = smtp_config(smtp_server)
    store = open_test_store()
    seed(store)
    first = job(data, store, **config)
    assert await first.run_due(NOV28_0700 - timedelta(minutes=1)) is None  # not yet 07:00
    outcome = await first.run_due(NOV28_0700 + timedelta(seconds=30))
    assert outcome is not None and outcome.status == "sent" and outcome.posts == 9
    assert await first.run_due(NOV28_0700 + timedelta(minutes=1)) is None
    store.close()

    for minutes in (2, 3, 60 * 20):  # restarts: new Store and DigestJob on the same data dir
        store = open_test_store()
        assert (
            await job(data, store, **config).run_due(NOV28_0700 + timedelta(minutes=minutes))
            is None
        )
        store.close()

    store = open_test_store()
    [(_, _, message)] = smtp_server.inbox.messages
    assert (
        message["Subject"]
        == "Digest 2026-11-28: 8 statements (9 posts) from 5 accounts (5 translated)"
    )
    # The first digest ever starts at the earliest collected post.
    row = digest_log.last_sent(store)
    assert row is not None
    assert row.window.start == datetime(2026, 11, 27, 11, 33, tzinfo=UTC)
    assert row.window.end == NOV28_0700
    assert last_sent_at(store) == NOV28_0700 + timedelta(seconds=30)
    store.close()


async def test_catch_up_after_a_missed_day_loses_nothing(
    store: Store, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    digest_job = job(tmp_path / "data", store, **smtp_config(smtp_server))
    sample = samples()[4]
    add_post(store, sample, NOV27_0700 - timedelta(hours=1))
    assert (await digest_job.run_due(NOV27_0700)).status == "sent"  # type: ignore[union-attr]
    # Down from the 27th 08:00 until the 29th 09:30: posts on both days, 28th's digest missed.
    add_post(store, dict(sample, native_id="MID_Russia/1"), NOV27_0700 + timedelta(hours=3))
    add_post(store, dict(sample, native_id="MID_Russia/2"), NOV28_0700 + timedelta(hours=5))
    outcome = await job(tmp_path / "data", store, **smtp_config(smtp_server)).run_due(
        NOV28_0700 + timedelta(days=1, hours=2, minutes=30)
    )
    assert outcome is not None and outcome.status == "sent" and outcome.posts == 2
    assert outcome.label == "2026-11-27 to 2026-11-29"
    row = digest_log.last_sent(store)
    assert row is not None and row.window.start == NOV27_0700
    assert row.window.end == NOV28_0700 + timedelta(days=1)
    assert len(smtp_server.inbox.messages) == 2


async def test_overdue_digest_is_sent_on_start_before_todays_send_at(
    store: Store, tmp_path: Path
) -> None:
    add_post(store, samples()[0], NOV27_0700 - timedelta(hours=2))
    digest_job = job(tmp_path / "data", store)
    assert (await digest_job.run_due(NOV27_0700)).status == "sent"  # type: ignore[union-attr]
    add_post(store, samples()[1], NOV27_0700 + timedelta(hours=2))
    # Started at 05:00 on the 29th: yesterday's 07:00 digest is overdue and goes out now.
    outcome = await digest_job.run_due(NOV28_0700 + timedelta(hours=22))
    assert outcome is not None and outcome.status == "sent" and outcome.label == "2026-11-28"
    assert await digest_job.run_due(NOV28_0700 + timedelta(hours=23)) is None


async def test_no_first_digest_before_anything_was_collected(store: Store, tmp_path: Path) -> None:
    digest_job = job(tmp_path / "data", store)
    assert await digest_job.run_due(NOV28_0700 + timedelta(hours=1)) is None
    add_post(store, samples()[0], NOV28_0700 + timedelta(hours=2))
    assert await digest_job.run_due(NOV28_0700 + timedelta(hours=3)) is None
    outcome = await digest_job.run_due(NOV28_0700 + timedelta(days=1))
    assert outcome is not None and outcome.posts == 1
    # A day with no posts and no failed source sends nothing (test_nothing_new.py).
    assert await digest_job.run_due(NOV28_0700 + timedelta(days=2)) is None


async def test_retry_with_backoff_after_an_smtp_failure(
    store: Store, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    seed(store)
    digest_job = job(tmp_path / "data", store, retry_every="5m", **smtp_config(smtp_server))
    smtp_server.inbox.reject = 2
    failed = await digest_job.run_due(NOV28_0700)
    assert failed is not None and failed.status == "failed" and "451" in failed.detail
    [row] = digest_log.pending(store)
    assert row.attempts == 1 and row.next_attempt == NOV28_0700 + timedelta(minutes=5)
    assert await digest_job.run_due(NOV28_0700 + timedelta(minutes=4)) is None
    second = await digest_job.run_due(NOV28_0700 + timedelta(minutes=5))
    assert second is not None and second.status == "failed"
    [row] = digest_log.pending(store)
    assert row.next_attempt == NOV28_0700 + timedelta(minutes=15)  # 5m, then 10m
    restarted = job(tmp_path / "data", store, retry_every="5m", **smtp_config(smtp_server))
    sent = await restarted.run_due(NOV28_0700 + timedelta(minutes=15))
    assert sent is not None and sent.status == "sent"
    assert smtp_server.inbox.attempts == 3 and len(smtp_server.inbox.messages) == 1
    assert digest_log.pending(store) == []
    assert (digest_log.last_sent(store) or row).message_id == row.message_id


async def test_a_digest_still_failing_next_day_is_superseded_not_duplicated(
    store: Store, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    seed(store)
    digest_job = job(tmp_path / "data", store, **smtp_config(smtp_server))
    smtp_server.inbox.reject = 1000
    await digest_job.run_due(NOV28_0700)
    await digest_job.run_due(NOV28_0700 + timedelta(hours=2))
    add_post(store, dict(samples()[5], native_id="MID_Russia/99"), NOV28_0700 + timedelta(hours=3))
    smtp_server.inbox.reject = 0
    outcome = await digest_job.run_due(NOV28_0700 + timedelta(days=1))
    assert outcome is not None and outcome.status == "sent" and outcome.posts == 10
    statuses = [
        tuple(r) for r in query(store, "SELECT status, last_error FROM digests ORDER BY id")
    ]
    assert statuses[0][0] == "failed" and statuses[0][1].startswith("superseded")
    assert statuses[1] == ("sent", None)
    assert len(smtp_server.inbox.messages) == 1


async def test_file_delivery_writes_eml_and_html(store: Store, tmp_path: Path) -> None:
    seed(store)
    outcome = await job(tmp_path / "data", store).run_due(NOV28_0700)
    assert outcome is not None and outcome.status == "sent"
    folder = tmp_path / "data" / "digests"
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "digest-20261127T0733-20261128T0700.eml",
        "digest-20261127T0733-20261128T0700.html",
    ]
    message = BytesParser(policy=policy.default).parsebytes((folder / names[0]).read_bytes())
    assert message["Subject"].startswith("Digest 2026-11-28: 8 statements (9 posts)")
    html = (folder / names[1]).read_text("utf-8")
    assert 'lang="ru"' in html and "МИД России" in html


async def test_maildir_delivery(store: Store, tmp_path: Path) -> None:
    seed(store)
    maildir = tmp_path / "Maildir"
    outcome = await job(tmp_path / "data", store, delivery="maildir", out_dir=str(maildir)).run_due(
        NOV28_0700
    )
    assert outcome is not None and outcome.status == "sent"
    box = mailbox.Maildir(maildir, create=False)
    [message] = list(box)
    assert message["List-Id"] == "monitor digest <digest.monitor.localhost>"
    assert [p.get_content_type() for p in message.walk()][1:] == ["text/plain", "text/html"]


async def test_disabled_digest_does_nothing(store: Store, tmp_path: Path) -> None:
    seed(store)
    assert await job(tmp_path / "data", store, enabled=False).run_due(NOV28_0700) is None
    assert query(store, "SELECT COUNT(*) FROM digests")[0][0] == 0


async def test_a_config_problem_is_logged_once_not_every_minute(
    store: Store,
    tmp_path: Path,
    relay: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.delenv("MONITOR_SMTP_PASSWORD", raising=False)
    seed(store)
    digest_job = job(tmp_path / "data", store, **smtp_config(relay))
    for minute in range(3):
        assert await digest_job.run_due(NOV28_0700 + timedelta(minutes=minute)) is None
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and "$MONITOR_SMTP_PASSWORD is not set" in errors[0].getMessage()
    assert relay.inbox.attempts == 0


async def test_a_manual_send_of_a_later_day_does_not_hide_the_days_before_it(
    store: Store, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    settings = make_settings(data)
    zone = ZoneInfo(settings.monitor.timezone)
    first = utcnow().astimezone(zone).date() - timedelta(days=6)

    def at(day: int, hour: int) -> datetime:
        return datetime.combine(first + timedelta(days=day), time(hour), tzinfo=zone)

    sample = samples()[4]
    add_post(store, dict(sample, native_id="MID_Russia/1"), at(0, 6))
    digest_job = DigestJob(settings, store)
    assert (await digest_job.run_due(at(0, 7))).posts == 1  # type: ignore[union-attr]
    # The daemon is down for three days; meanwhile posts come in on day 1 and day 3 and an
    # operator sends day 3 by hand.
    add_post(store, dict(sample, native_id="MID_Russia/2"), at(1, 10))
    add_post(store, dict(sample, native_id="MID_Russia/3"), at(3, 12))
    assert digest_send(settings, store, first + timedelta(days=3)) == 0
    # Back on day 4: day 1 was never sent, so the digest starts where the scheduled one ended.
    outcome = await DigestJob(settings, store).run_due(at(4, 7))
    assert outcome is not None and outcome.posts == 2
    row = digest_log.last_sent(store)
    assert row is not None and row.window.start == at(0, 7)
    # A manual send of an old day does not pull the next digest's start back.
    assert digest_send(settings, store, first - timedelta(days=1)) == 0
    add_post(store, dict(sample, native_id="MID_Russia/4"), at(4, 9))
    outcome = await DigestJob(settings, store).run_due(at(5, 7))
    assert outcome is not None and outcome.posts == 1
    assert digest_log.next_start(store) == at(5, 7)
    assert len(list((data / "digests").glob("*.eml"))) == 5
