"""Delivery to a real SMTP server (aiosmtpd): STARTTLS + AUTH, implicit TLS, a plain relay."""

from __future__ import annotations

import re
from datetime import date, timedelta
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup

from monitor.digest import log as digest_log
from monitor.digest.commands import digest_send
from monitor.record import utcnow
from monitor.store import Store
from tests.digest.conftest import PASSWORD, SmtpServer, smtp_config
from tests.digest.support import make_settings, seed
from tests.support.store import query

SENDER, TO = "monitor@example.org", ["analysts@example.org", "desk@example.org"]


@pytest.fixture
def store_backend() -> str:
    """These test the SMTP transport; the digest's store is tested on both backends elsewhere."""
    return "sqlite"


def yesterday() -> date:
    from zoneinfo import ZoneInfo

    return utcnow().astimezone(ZoneInfo("America/Caracas")).date() - timedelta(days=1)


def seed_yesterday(store: Store) -> date:
    day = yesterday()
    seed(store, timedelta(days=(day - date(2026, 11, 27)).days))
    return day


def send(store: Store, tmp_path: Path, server: SmtpServer, **smtp: Any) -> int:
    settings = make_settings(tmp_path / "data", to=TO, **smtp_config(server, **smtp))
    return digest_send(settings, store, yesterday())


def test_starttls_auth_delivery_headers_and_parts(
    store: Store, tmp_path: Path, smtp_server: SmtpServer, capsys: pytest.CaptureFixture[str]
) -> None:
    day = seed_yesterday(store)
    assert send(store, tmp_path, smtp_server) == 0
    assert "sent: 9 post(s), smtp 127.0.0.1" in capsys.readouterr().out

    [(mail_from, rcpts, message)] = smtp_server.inbox.messages
    assert mail_from == SENDER and rcpts == TO
    assert (
        message["Subject"] == f"Digest {day}: 8 statements (9 posts) from 5 accounts (5 translated)"
    )
    assert message["From"] == SENDER
    assert message["To"] == ", ".join(TO)
    assert message["List-Id"] == "monitor digest <digest.monitor.localhost>"
    assert re.fullmatch(r"<[^<>@\s]+@example\.org>", message["Message-ID"])
    assert abs(parsedate_to_datetime(message["Date"]) - utcnow()) < timedelta(minutes=1)
    row = digest_log.last_sent(store)
    assert row is not None and row.message_id == message["Message-ID"] and row.status == "sent"
    assert row.recipients == tuple(TO)

    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    # Never raw 8-bit: a relay without 8BITMIME passes it unchanged.
    assert all(p["Content-Transfer-Encoding"] in ("quoted-printable", "base64") for p in parts)
    assert isinstance(parts[0], EmailMessage) and isinstance(parts[1], EmailMessage)
    text, html = parts[0].get_content(), parts[1].get_content()
    assert "RU: 🇷🇺🇻🇪 4 июля в Москве" in text and "ES: #EnFotos | Los Cancilleres" in text
    soup = BeautifulSoup(html, "lxml")
    assert soup.find("div", lang="ru") is not None and soup.find("div", lang="es") is not None
    assert "Cancillería Venezuela" in soup.get_text()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_implicit_tls(store: Store, tmp_path: Path, smtps_server: SmtpServer) -> None:
    seed_yesterday(store)
    assert send(store, tmp_path, smtps_server, tls=True, starttls=False) == 0
    assert len(smtps_server.inbox.messages) == 1


def test_plain_local_relay(store: Store, tmp_path: Path, relay: SmtpServer) -> None:
    seed_yesterday(store)
    assert send(store, tmp_path, relay, starttls=False, username="", password_env="") == 0
    assert len(relay.inbox.messages) == 1


def test_never_falls_back_to_plain_text_when_starttls_is_asked(
    store: Store, tmp_path: Path, relay: SmtpServer, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_yesterday(store)
    assert send(store, tmp_path, relay, username="", password_env="") == 1
    err = capsys.readouterr().err
    assert "does not offer STARTTLS" in err and "Traceback" not in err
    assert relay.inbox.messages == []


def test_wrong_password_fails_cleanly_without_leaking_it(
    store: Store,
    tmp_path: Path,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    seed_yesterday(store)
    monkeypatch.setenv("MONITOR_SMTP_PASSWORD", "wrong-" + PASSWORD)
    assert send(store, tmp_path, smtp_server) == 1
    err = capsys.readouterr().err
    assert "rejected the login of 'monitor' (535)" in err
    assert PASSWORD not in err and PASSWORD not in caplog.text
    assert err.count("\n") == 1 and "Traceback" not in err


def test_missing_password_is_a_config_problem(
    store: Store,
    tmp_path: Path,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("MONITOR_SMTP_PASSWORD")
    assert send(store, tmp_path, smtp_server) == 2
    assert "$MONITOR_SMTP_PASSWORD is not set" in capsys.readouterr().err
    assert query(store, "SELECT COUNT(*) FROM digests")[0][0] == 0


def test_a_manual_send_is_not_repeated(
    store: Store, tmp_path: Path, smtp_server: SmtpServer, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_yesterday(store)
    assert send(store, tmp_path, smtp_server) == 0
    assert send(store, tmp_path, smtp_server) == 0
    assert "was already sent" in capsys.readouterr().err
    assert len(smtp_server.inbox.messages) == 1


def test_a_failed_manual_send_can_be_rerun_with_the_same_message_id(
    store: Store, tmp_path: Path, smtp_server: SmtpServer, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_yesterday(store)
    smtp_server.inbox.reject = 1
    assert send(store, tmp_path, smtp_server) == 1
    assert "answered 451" in capsys.readouterr().err
    [row] = query(store, "SELECT status, message_id FROM digests")
    assert row["status"] == "failed"
    assert send(store, tmp_path, smtp_server) == 0
    [(_, _, message)] = smtp_server.inbox.messages
    assert message["Message-ID"] == row["message_id"]


def test_a_refused_recipient_is_reported_and_the_others_get_it(
    store: Store, tmp_path: Path, smtp_server: SmtpServer, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_yesterday(store)
    smtp_server.inbox.unknown = {TO[1]}
    assert send(store, tmp_path, smtp_server) == 0
    assert f"refused: {TO[1]} (550)" in capsys.readouterr().out
    [(_, rcpts, _)] = smtp_server.inbox.messages
    assert rcpts == TO[:1]
