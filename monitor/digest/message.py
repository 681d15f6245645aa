"""The MIME message: multipart/alternative, text first and HTML last, UTF-8.

Both parts are quoted-printable or base64 (whichever is shorter), never raw 8-bit, so a
relay without 8BITMIME passes the message unchanged.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from monitor.digest.render import Rendered

_POLICY = SMTP.clone(cte_type="7bit")


def new_message_id(sender: str, window_end: datetime) -> str:
    """`<digest.20261128T110000Z.3f9a1c2b7d4e@example.org>`: short enough never to be folded."""
    domain = sender.rpartition("@")[2].strip(" <>") or "monitor.localhost"
    return f"<digest.{window_end.astimezone(UTC):%Y%m%dT%H%M%SZ}.{secrets.token_hex(6)}@{domain}>"


def compose(
    rendered: Rendered,
    *,
    sender: str,
    recipients: tuple[str, ...],
    message_id: str,
    list_id: str,
    date: datetime,
    window: str,
) -> EmailMessage:
    message = EmailMessage(policy=_POLICY)
    message["Subject"] = rendered.subject
    message["From"] = sender
    message["To"] = ", ".join(recipients) if recipients else "undisclosed-recipients:;"
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    message["List-Id"] = list_id
    message["Auto-Submitted"] = "auto-generated"
    message["X-Monitor-Window"] = window
    message.set_content(rendered.text, charset="utf-8")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8")
    return message
