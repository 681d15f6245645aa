"""The MIME message: multipart/alternative, text first and HTML last, UTF-8."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from monitor.digest.render import Rendered


def new_message_id(sender: str, label: str) -> str:
    domain = sender.rpartition("@")[2].strip(" >") or "monitor.localhost"
    return make_msgid(idstring=f"digest.{label}", domain=domain)


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
    message = EmailMessage(policy=SMTP)
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
