"""Alerts against real receivers: an SMTP server (aiosmtpd) and a webhook on 127.0.0.1."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.support.httpserver import LocalServer, Reply, Request, free_port

SECRET = "test-webhook-secret-0123456789"


@dataclass
class Inbox:
    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 2.0.0 OK queued"


@dataclass
class Smtp:
    port: int
    inbox: Inbox


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield Smtp(port, inbox)
    finally:
        controller.stop()


@dataclass
class Webhook:
    server: LocalServer
    status: int = 200

    @property
    def url(self) -> str:
        return self.server.url("/hook")

    def received(self) -> list[Request]:
        return self.server.hits("/hook")

    def payloads(self) -> list[dict[str, Any]]:
        return [json.loads(request.body) for request in self.received()]


def verify(request: Request, secret: str = SECRET) -> bool:
    """What a receiver does: recompute the HMAC of `<timestamp>.<body>` and compare."""
    stamp = request.headers["x-monitor-timestamp"]
    expected = hmac.new(secret.encode(), stamp.encode() + b"." + request.body, hashlib.sha256)
    return hmac.compare_digest(
        "sha256=" + expected.hexdigest(), request.headers["x-monitor-signature"]
    )


@pytest.fixture
def webhook(http_server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> Webhook:
    monkeypatch.setenv("MONITOR_TEST_HOOK_SECRET", SECRET)
    hook = Webhook(http_server)
    http_server.route("/hook", lambda request: Reply(hook.status, "ok"))
    return hook
