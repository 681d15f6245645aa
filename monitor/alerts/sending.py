"""The delivery half of alerts: due events out by mail and webhook, once each, retried.

Each event row is marked sent right after its delivery; a crash in between repeats that one
delivery (receivers can drop the repeat by `X-Monitor-Delivery`). More than `max_per_hour`
messages of one alert and channel within an hour become one summary: events past the cap
wait until the hour is up and then go out together.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections import defaultdict
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from zoneinfo import ZoneInfo

import httpx

from monitor.alerts.matching import Watch, watches
from monitor.alerts.message import AlertItem, Rendered, render, webhook_body
from monitor.config import AlertSettings, Settings, required_secret
from monitor.digest.deliver import send_smtp, write_files, write_maildir
from monitor.digest.errors import DeliveryFailed
from monitor.metrics import Metrics
from monitor.record import PostRecord, utcnow
from monitor.search.index import compile_query
from monitor.store import AlertEvent, Store

log = logging.getLogger("monitor.alerts")

_POLICY = SMTP.clone(cte_type="7bit")
HOUR = timedelta(hours=1)
MAX_RETRY = timedelta(hours=1)


class AlertSender:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        metrics: Metrics | None = None,
        *,
        http: httpx.Client | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.metrics = metrics
        self.zone = ZoneInfo(settings.monitor.timezone)
        self.watches: dict[str, Watch] = {w.settings.name: w for w in watches(settings)}
        self._http = http or httpx.Client(timeout=10.0, follow_redirects=False, trust_env=False)

    def close(self) -> None:
        self._http.close()

    def send_due(self, now: datetime | None = None) -> int:
        """Deliver every due event; returns the messages sent."""
        now = now or utcnow()
        groups: dict[tuple[str, str], list[AlertEvent]] = defaultdict(list)
        for event in self.store.due_alert_events(now):
            groups[(event.alert, event.channel)].append(event)
        sent = 0
        for (name, channel), events in groups.items():
            watch = self.watches.get(name)
            if watch is None:
                continue  # the alert was removed from the config: its events wait for it
            sent += self._send_group(watch, channel, events, now)
        return sent

    def _send_group(
        self, watch: Watch, channel: str, events: list[AlertEvent], now: datetime
    ) -> int:
        cap = watch.settings.max_per_hour
        recent = self.store.alert_messages_since(watch.settings.name, channel, now - HOUR)
        if len(recent) + len(events) <= cap:
            return sum(self._deliver(watch, channel, [event], now) for event in events)
        if len(recent) >= cap:
            # The hour's messages are spent: everything waits for one summary.
            self.store.postpone_alerts([e.id for e in events], recent[0] + HOUR)
            return 0
        if self.metrics is not None:
            self.metrics.alerts_suppressed.labels(watch.settings.name).inc(len(events) - 1)
        return self._deliver(watch, channel, events, now)

    def _deliver(self, watch: Watch, channel: str, events: list[AlertEvent], now: datetime) -> int:
        name = watch.settings.name
        items = self._items(events)
        ids = [event.id for event in events]
        if not items:  # the posts were pruned meanwhile: nothing left to say
            self.store.mark_alerts_sent(ids, now, summarised=len(events) > 1)
            return 0
        try:
            if channel == "mail":
                self._mail(watch.settings, items, compile_query(watch.query).terms, events)
            else:
                self._post(watch.settings, items, events)
        except DeliveryFailed as error:
            attempts = max(event.attempts for event in events)
            retry = min(
                MAX_RETRY, timedelta(seconds=self.settings.digest.retry_every) * 2**attempts
            )
            self.store.mark_alerts_failed(ids, str(error), now, retry)
            log.warning(
                "alert %s: %s delivery failed: %s; retrying in %s", name, channel, error, retry
            )
            if self.metrics is not None:
                self.metrics.alerts_failed.labels(name, channel).inc()
            return 0
        self.store.mark_alerts_sent(ids, utcnow(), summarised=len(events) > 1)
        if self.metrics is not None:
            self.metrics.alerts_sent.labels(name, channel).inc()
        log.info("alert %s: %d event(s) sent by %s", name, len(events), channel)
        return 1

    def _items(self, events: list[AlertEvent]) -> list[AlertItem]:
        items: list[AlertItem] = []
        for event in events:
            statement = self.store.statement(event.statement_id)
            versions = [post.record for post in statement.posts] if statement else []
            record = _revision(versions, event)
            if record is not None:
                items.append(AlertItem(event.event, record, tuple(versions)))
        return items

    def _rendered(
        self, alert: AlertSettings, items: list[AlertItem], terms: frozenset[str]
    ) -> Rendered:
        return render(alert.name, items, terms, self.zone, self.settings.web.public_url)

    def _mail(
        self,
        alert: AlertSettings,
        items: list[AlertItem],
        terms: frozenset[str],
        events: list[AlertEvent],
    ) -> None:
        rendered = self._rendered(alert, items, terms)
        digest = self.settings.digest
        message = EmailMessage(policy=_POLICY)
        message["Subject"] = rendered.subject
        message["From"] = digest.sender
        message["To"] = ", ".join(alert.to)
        message["Date"] = format_datetime(utcnow())
        domain = digest.sender.rpartition("@")[2].strip(" <>") or "monitor.localhost"
        message["Message-ID"] = make_msgid("alert", domain=domain)
        message["Auto-Submitted"] = "auto-generated"
        message["X-Monitor-Alert"] = alert.name
        message.set_content(rendered.text, charset="utf-8")
        message.add_alternative(rendered.html, subtype="html", charset="utf-8")
        data_dir = self.settings.monitor.data_dir
        if digest.delivery == "smtp":
            send_smtp(digest.smtp, message, digest.sender, alert.to)
        elif digest.delivery == "maildir":
            write_maildir(digest.out_dir or data_dir / "maildir", message)
        else:
            name = f"alert-{alert.name}-{events[0].id}"
            write_files(
                (digest.out_dir or data_dir / "digests") / "alerts", message, rendered.html, name
            )

    def _post(self, alert: AlertSettings, items: list[AlertItem], events: list[AlertEvent]) -> None:
        secret = required_secret(
            alert.secret_env, f"alerts.{alert.name}.secret_env", DeliveryFailed
        )
        body = webhook_body(alert.name, items, self.settings.web.public_url)
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Monitor-Alert": alert.name,
            "X-Monitor-Delivery": ",".join(str(event.id) for event in events),
            "X-Monitor-Timestamp": stamp,
            "X-Monitor-Signature": "sha256=" + signature(secret, stamp, body),
        }
        try:
            response = self._http.post(alert.webhook, content=body, headers=headers)
        except httpx.HTTPError as error:
            raise DeliveryFailed(
                f"the webhook {alert.webhook} could not be reached: {error}"
            ) from None
        if not 200 <= response.status_code < 300:
            raise DeliveryFailed(f"the webhook {alert.webhook} answered {response.status_code}")


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 of `<timestamp>.<body>` with the alert's secret, hex: what the receiver
    recomputes to check the message came from this monitor and was not replayed later."""
    return hmac.new(
        secret.encode("utf-8"), timestamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()


def _revision(versions: list[PostRecord], event: AlertEvent) -> PostRecord | None:
    return next((v for v in versions if v.id == event.post_id), None)
