"""Build, render, compose and deliver one recorded digest; shared by the daemon and the CLI."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Literal
from zoneinfo import ZoneInfo

from monitor.config import Settings
from monitor.digest import log as digest_log
from monitor.digest.build import build_digest
from monitor.digest.deliver import deliver, smtp_password
from monitor.digest.errors import DeliveryFailed, DigestConfigError
from monitor.digest.message import compose, new_message_id
from monitor.digest.model import Digest
from monitor.digest.render import Rendered, Renderer
from monitor.digest.window import DAY, label
from monitor.record import format_time
from monitor.state import Window
from monitor.store import DigestEntry, Store

log = logging.getLogger("monitor.digest")
MAX_RETRY_DELAY = 3600.0


@dataclass(frozen=True, slots=True)
class Outcome:
    status: Literal["sent", "failed", "busy"]
    label: str
    posts: int
    detail: str


class Digester:
    """Checks the [digest] config on creation, so that a config problem surfaces first."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.config = settings.digest
        self.store = store
        self.zone = ZoneInfo(settings.monitor.timezone)
        self.renderer = Renderer(
            self.config.templates, self.config.max_html_bytes, self.config.max_text_bytes
        )
        if self.config.delivery == "smtp":
            smtp_password(self.config.smtp)

    def next_start(self) -> datetime | None:
        """Where the next digest starts: where the sent ones stop covering, else the first post."""
        return digest_log.next_start(self.store)

    def open_window(self, now: datetime) -> Window:
        """Since the last sent digest (or the first post, or a day back) up to `now`."""
        start = self.next_start() or now - DAY
        return Window(min(start, now), now)

    def label(self, window: Window) -> str:
        return label(window, self.zone)

    def news(self, window: Window) -> bool:
        """Whether `window` has anything to say (a post, or a failed source): an empty digest
        is not sent unless asked for. Two small queries, not a digest built to be dropped."""
        start, end = window.start, window.end
        return self.store.has_posts(start, end) or bool(self.store.source_failures(start, end))

    def prepare(self, window: Window) -> tuple[Digest, Rendered]:
        digest = build_digest(self.settings, self.store, window)
        return digest, self.renderer.render(digest)

    def compose(
        self, window: Window, rendered: Rendered, message_id: str, now: datetime
    ) -> EmailMessage:
        return compose(
            rendered,
            sender=self.config.sender,
            recipients=self.config.to,
            message_id=message_id,
            list_id=self.config.list_id,
            date=now.astimezone(self.zone),
            window=f"{format_time(window.start)}/{format_time(window.end)}",
        )

    def record(self, window: Window, now: datetime) -> DigestEntry:
        message_id = new_message_id(self.config.sender, window.end)
        return digest_log.create(self.store, window, self.config.to, message_id, now)

    def file_name(self, window: Window) -> str:
        start, end = (moment.astimezone(self.zone) for moment in (window.start, window.end))
        return f"digest-{start:%Y%m%dT%H%M}-{end:%Y%m%dT%H%M}"

    def retry_delay(self, attempts: int) -> timedelta:
        base = self.config.retry_every
        return timedelta(seconds=min(base * 2 ** max(0, attempts - 1), max(base, MAX_RETRY_DELAY)))

    def attempt(self, row: DigestEntry, now: datetime, *, retry: bool) -> Outcome:
        """Deliver `row` once. With `retry`, a failure stays pending with backoff; else it is abandoned."""
        name = self.label(row.window)
        lease = timedelta(seconds=self.config.smtp.timeout * 4 + 60)
        if not digest_log.claim(self.store, row, now, lease):
            return Outcome("busy", name, 0, "another process is delivering it, or it was sent")
        attempts = row.attempts + 1
        try:
            digest, rendered = self.prepare(row.window)
            message = self.compose(row.window, rendered, row.message_id, now)
            where = deliver(
                self.config,
                self.settings.monitor.data_dir,
                message,
                rendered.attachment or rendered.html,  # the file to open: the full digest
                self.file_name(row.window),
            )
        except (DeliveryFailed, DigestConfigError) as error:
            next_attempt = now + self.retry_delay(attempts) if retry else None
            digest_log.mark_attempt_failed(self.store, row, str(error), next_attempt)
            if isinstance(error, DigestConfigError):
                raise
            if next_attempt is not None:
                log.warning(
                    "digest %s: attempt %d failed, next try at %s: %s",
                    name,
                    attempts,
                    format_time(next_attempt),
                    error,
                )
            return Outcome("failed", name, 0, str(error))
        digest_log.mark_sent(self.store, row, now)
        log.info(
            "digest %s sent: %d statement(s), %d post(s)%s, %s",
            name,
            len(digest.statements),
            digest.posts,
            f", full digest attached ({rendered.attached} not in the body)"
            if rendered.attachment
            else "",
            where,
        )
        return Outcome("sent", name, digest.posts, where)
