"""A real SMTP server (aiosmtpd) with STARTTLS or implicit TLS and AUTH, and a real Store."""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from monitor.store import Store
from tests.support.httpserver import free_port

USER, PASSWORD = "monitor", "s3cret-Pa55word"


@dataclass
class Inbox:
    """What the server received; `reject` DATA commands are refused (451) first, and the
    addresses in `unknown` are refused (550) at RCPT."""

    reject: int = 0
    messages: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    attempts: int = 0
    unknown: set[str] = field(default_factory=set)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.unknown:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.attempts += 1
        if self.reject > 0:
            self.reject -= 1
            return "451 4.3.0 Temporary local problem, try again later"
        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        assert isinstance(message, EmailMessage)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 2.0.0 OK queued"


def _authenticate(
    server: Any, session: Any, envelope: Any, mechanism: str, data: Any
) -> AuthResult:
    ok = (
        isinstance(data, LoginPassword)
        and data.login == USER.encode()
        and (data.password == PASSWORD.encode())
    )
    return AuthResult(success=ok, handled=False)


@dataclass
class SmtpServer:
    host: str
    port: int
    inbox: Inbox


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost, made with the openssl CLI."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def trust(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the monitor's default SSL context trust the test certificate, as a CA bundle would."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    monkeypatch.setenv("MONITOR_SMTP_PASSWORD", PASSWORD)


def _server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(certificate[0]), str(certificate[1]))
    return context


def _serve(**parameters: Any) -> Iterator[SmtpServer]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **parameters)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, inbox)
    finally:
        controller.stop()


@pytest.fixture
def smtp_server(certificate: tuple[Path, Path], trust: None) -> Iterator[SmtpServer]:
    """STARTTLS required, AUTH required (only over TLS)."""
    yield from _serve(
        tls_context=_server_context(certificate),
        require_starttls=True,
        auth_required=True,
        auth_require_tls=True,
        authenticator=_authenticate,
    )


@pytest.fixture
def smtps_server(certificate: tuple[Path, Path], trust: None) -> Iterator[SmtpServer]:
    """Implicit TLS (port-465 style), AUTH required."""
    yield from _serve(
        ssl_context=_server_context(certificate),
        auth_required=True,
        auth_require_tls=False,  # aiosmtpd only knows of STARTTLS; this socket is TLS throughout
        authenticator=_authenticate,
    )


@pytest.fixture
def relay() -> Iterator[SmtpServer]:
    """A plain local relay: no TLS, no AUTH."""
    yield from _serve()


@pytest.fixture
def store(backend_store: Store) -> Store:
    """The digest's store, on each backend (its data dir is tmp_path / "data")."""
    return backend_store


def smtp_config(server: SmtpServer, **overrides: Any) -> dict[str, Any]:
    smtp = {
        "host": server.host,
        "port": server.port,
        "starttls": True,
        "username": USER,
        "password_env": "MONITOR_SMTP_PASSWORD",
        "timeout": "10s",
    }
    smtp.update(overrides)
    return {"delivery": "smtp", "smtp": smtp}
