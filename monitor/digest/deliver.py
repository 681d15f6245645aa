"""Deliver a composed digest: SMTP (STARTTLS, implicit TLS or plain relay), files, or a Maildir."""

from __future__ import annotations

import mailbox
import os
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path

from monitor.config import DigestSettings, SmtpSettings, required_secret
from monitor.digest.errors import DeliveryFailed, DigestConfigError
from monitor.digest.message import FILE_POLICY


def smtp_password(smtp: SmtpSettings) -> str | None:
    """The SMTP password from the environment, or None when no login is configured."""
    if not smtp.username:
        return None
    if not smtp.password_env:
        raise DigestConfigError(
            "digest.smtp.username is set but digest.smtp.password_env names no variable",
            remedy='set password_env = "MONITOR_SMTP_PASSWORD" and export that variable',
        )
    return required_secret(smtp.password_env, "digest.smtp.password_env", DigestConfigError)


def files_dir(settings: DigestSettings, data_dir: Path) -> Path:
    """Where file delivery writes its `.eml` and `.html` (retention prunes the same folder)."""
    return settings.out_dir or data_dir / "digests"


def deliver(
    settings: DigestSettings, data_dir: Path, message: EmailMessage, html: str, name: str
) -> str:
    """Deliver `message` as configured; returns where it went, for the log."""
    if settings.delivery == "smtp":
        return send_smtp(settings.smtp, message, settings.sender, settings.to)
    if settings.delivery == "maildir":
        return str(write_maildir(settings.out_dir or data_dir / "maildir", message))
    return str(write_files(files_dir(settings, data_dir), message, html, name))


def send_smtp(
    smtp: SmtpSettings, message: EmailMessage, sender: str, recipients: tuple[str, ...]
) -> str:
    password = smtp_password(smtp)
    server = f"{smtp.host}:{smtp.port}"
    context = ssl.create_default_context()
    try:
        client: smtplib.SMTP
        if smtp.tls:
            client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=context)
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        with client:
            client.ehlo()
            if smtp.starttls and not smtp.tls:
                if not client.has_extn("starttls"):
                    raise DeliveryFailed(
                        f"the SMTP server {server} does not offer STARTTLS",
                        remedy="set digest.smtp.starttls = false only for a trusted local relay,"
                        " or tls = true for implicit TLS (port 465)",
                    )
                client.starttls(context=context)
                client.ehlo()
            if smtp.username and password is not None:
                client.login(smtp.username, password)
            refused = client.send_message(message, from_addr=sender, to_addrs=list(recipients))
    except smtplib.SMTPAuthenticationError as error:
        raise DeliveryFailed(
            f"the SMTP server {server} rejected the login of {smtp.username!r} ({error.smtp_code})",
            remedy=f"check digest.smtp.username and the password in ${smtp.password_env}",
        ) from None
    except smtplib.SMTPNotSupportedError as error:
        raise DeliveryFailed(
            f"the SMTP server {server} does not support what the config asks: {error}",
            remedy="check digest.smtp starttls, tls and username against the server",
        ) from None
    except smtplib.SMTPRecipientsRefused as error:
        codes = ", ".join(f"{rcpt} ({code})" for rcpt, (code, _) in error.recipients.items())
        raise DeliveryFailed(
            f"the SMTP server {server} refused every recipient: {codes}",
            remedy="check the addresses in digest.to",
        ) from None
    except smtplib.SMTPResponseException as error:
        reply = (
            error.smtp_error.decode("utf-8", "replace")
            if isinstance(error.smtp_error, bytes)
            else str(error.smtp_error)
        )
        raise DeliveryFailed(
            f"the SMTP server {server} answered {error.smtp_code} {reply.strip()}"
        ) from None
    except ssl.SSLError as error:
        raise DeliveryFailed(
            f"the TLS handshake with the SMTP server {server} failed: {error.reason or error}",
            remedy="check digest.smtp host, port, tls and starttls, and the server's certificate",
        ) from None
    except (OSError, smtplib.SMTPException) as error:
        raise DeliveryFailed(f"cannot talk to the SMTP server {server}: {error}") from None
    delivered = [r for r in recipients if r not in refused]
    where = f"smtp {server} to {', '.join(delivered)}"
    if refused:
        codes = ", ".join(f"{rcpt} ({code})" for rcpt, (code, _) in refused.items())
        where += f"; refused: {codes} (check these addresses in digest.to)"
    return where


def _write_atomic(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def write_files(out_dir: Path, message: EmailMessage, html: str, name: str) -> Path:
    """`<name>.eml` (the whole message) and `<name>.html` (to open in a browser)."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        _write_atomic(out_dir / f"{name}.html", html.encode("utf-8"))
        eml = out_dir / f"{name}.eml"
        _write_atomic(eml, message.as_bytes(policy=FILE_POLICY))
    except OSError as error:
        raise DeliveryFailed(
            f"cannot write the digest to {out_dir}: {error.strerror or error}",
            remedy="check digest.out_dir (or data_dir) exists and is writable",
        ) from None
    return eml


def write_maildir(root: Path, message: EmailMessage) -> Path:
    try:
        box = mailbox.Maildir(root, create=True)
        key = box.add(message.as_bytes(policy=FILE_POLICY))
        box.close()
    except (OSError, mailbox.Error) as error:
        raise DeliveryFailed(
            f"cannot deliver the digest to the Maildir {root}: {error}",
            remedy="check digest.out_dir (or data_dir) is a writable folder",
        ) from None
    return root / "new" / key
