"""`monitor digest preview` and `monitor digest send`.

Exit codes: 0 done (or already sent), 1 delivery or writing failed, 2 config problem.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from monitor.config import Settings
from monitor.digest import log as digest_log
from monitor.digest.digester import Digester
from monitor.digest.errors import DigestConfigError
from monitor.digest.message import FILE_POLICY
from monitor.digest.window import day_window, whole_seconds
from monitor.errors import ConfigError, MonitorError
from monitor.record import utcnow
from monitor.state import Window
from monitor.store import Store

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2


def _fail(message: object) -> int:
    """Say what went wrong; the exit code: 2 for configuration problems, else 1."""
    print(f"monitor: error: {message}", file=sys.stderr)
    return EXIT_CONFIG if isinstance(message, ConfigError) else EXIT_FAILED


def _window(digester: Digester, day: date | None) -> Window:
    now = whole_seconds(utcnow())
    if day is None:
        return digester.open_window(now)
    return day_window(day, ZoneInfo(digester.settings.monitor.timezone), now)


def digest_preview(settings: Settings, store: Store, day: date | None, out: Path | None) -> int:
    """Render without sending: HTML to `out` (`.txt`: the text part, `.eml`: the message),
    or the text part on stdout."""
    try:
        digester = Digester(settings, store)
        window = _window(digester, day)
        digest, rendered = digester.prepare(window)
    except MonitorError as error:
        return _fail(error)
    if out is None:
        sys.stdout.write(rendered.text)
        return EXIT_OK
    if out.suffix == ".txt":
        data = rendered.text.encode("utf-8")
    elif out.suffix == ".eml":
        message = digester.compose(window, rendered, "<preview@monitor.localhost>", utcnow())
        data = message.as_bytes(policy=FILE_POLICY)
    else:
        data = rendered.html.encode("utf-8")
    # The attached full digest, beside the preview (an .eml holds it already).
    beside = None
    if rendered.attachment_name is not None and out.suffix != ".eml":
        beside = out.with_name(rendered.attachment_name)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        if beside is not None and rendered.attachment is not None:
            beside.write_text(rendered.attachment, "utf-8")
    except OSError as error:
        return _fail(f"cannot write the preview to {out}: {error.strerror or error}")
    size = len(rendered.html.encode("utf-8")) / 1000
    attached = f"; the full digest is attached, written to {beside}" if beside else ""
    print(
        f"digest {digest.label}: {len(digest.statements)} statement(s) ({digest.posts} post(s)),"
        f" {size:.0f} KB of HTML, written to {out}{attached}"
    )
    return EXIT_OK


def _nothing_new(digester: Digester, window: Window, hint: str) -> int:
    since = window.start.astimezone(digester.zone)
    print(
        f"monitor: nothing new since {since:%Y-%m-%d %H:%M} ({digester.zone.key}): no posts and"
        f" no failed source; no digest sent{hint}",
        file=sys.stderr,
    )
    return EXIT_OK


def digest_send(settings: Settings, store: Store, day: date | None, force: bool = False) -> int:
    """Send the digest now: for the local day `day`, or since the last sent digest.

    Since the last digest (no `day`), a window with no posts and no failed source is not
    sent (there is nothing new) unless `force`; nothing is recorded for it, so the next
    digest still starts where it did. A `day` asked for by name is sent as it is.
    """
    try:
        digester = Digester(settings, store)
        window = _window(digester, day)
        if day is None and window.end <= window.start:
            return _nothing_new(digester, window, "")
        if window.end <= window.start:
            raise DigestConfigError(
                f"the window {digester.label(window)} is empty",
                remedy="give --date a day that has already begun",
            )
        row = digest_log.find(store, window)
        if row is not None and row.status == "sent":
            sent = row.sent_at.isoformat() if row.sent_at else "earlier"
            print(
                f"monitor: the digest {digester.label(window)} was already sent ({sent}); "
                "a window is never sent twice",
                file=sys.stderr,
            )
            return EXIT_OK
        if row is None and day is None and not force and not digester.news(window):
            return _nothing_new(digester, window, " (--force sends one anyway)")
        now = whole_seconds(utcnow())
        if row is None:
            row = digester.record(window, now)
        elif row.status == "failed":
            digest_log.reopen(store, row)
            row = digest_log.find(store, window) or row
        outcome = digester.attempt(row, now, retry=False)
    except MonitorError as error:
        return _fail(error)
    if outcome.status == "sent":
        print(f"digest {outcome.label} sent: {outcome.posts} post(s), {outcome.detail}")
        return EXIT_OK
    if outcome.status == "busy":
        retry = row.next_attempt.astimezone(digester.zone) if row.next_attempt else None
        when = f" or waits for its retry at {retry:%H:%M}" if retry else ""
        return _fail(
            f"the digest {outcome.label} is being delivered by the daemon{when};"
            " run this again after that"
        )
    return _fail(outcome.detail)
