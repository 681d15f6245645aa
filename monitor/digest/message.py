"""The MIME message: multipart/alternative, text first and HTML last, UTF-8; inside a
multipart/mixed with the full digest as an HTML attachment when the body cannot hold it
(mail clients clip long bodies, never attachments).

Every part is quoted-printable or base64 (whichever is shorter), never raw 8-bit, so a
relay without 8BITMIME passes the message unchanged.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP, EmailPolicy
from email.utils import format_datetime

from monitor.digest.render import Rendered


class DigestPolicy(EmailPolicy):
    """Python folds an ASCII header whose value would fit on a line of its own by moving the
    whole value to a continuation line, which readers (Python's own parser among them) then
    show with a leading space. The subject, always ASCII, is written on one line instead
    (RFC 5322 allows lines of 998 characters)."""

    def _one_line(self, name: str, value: str) -> str | None:
        line = f"{name}: {value}"
        if name.lower() == "subject" and line.isascii() and len(line) <= 998:
            return line + self.linesep
        return None

    def fold(self, name: str, value: str) -> str:
        return self._one_line(name, value) or super().fold(name, value)

    def fold_binary(self, name: str, value: str) -> bytes:
        line = self._one_line(name, value)
        return line.encode("ascii") if line else super().fold_binary(name, value)


_POLICY = DigestPolicy() + SMTP.clone(cte_type="7bit")
# Messages written to files (and previews) use plain newlines.
FILE_POLICY = _POLICY.clone(linesep="\n")


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
    if rendered.attachment is not None:
        message.add_attachment(
            rendered.attachment,
            subtype="html",
            charset="utf-8",
            disposition="attachment",
            filename=rendered.attachment_name or "digest.html",
        )
    return message
