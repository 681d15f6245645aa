"""Logs: human or JSON lines, and secrets never printed."""

from __future__ import annotations

import json
import logging

import pytest

from monitor.logs import redact, register_secret, setup_logging
from monitor.sources.http import redact_url


def test_urls_lose_their_credentials_and_secret_parameters() -> None:
    shown = redact_url("https://user:hunter2@example.org/feed?token=abc123&page=2&api_key=k")
    assert "hunter2" not in shown and "abc123" not in shown and "=k" not in shown
    assert "page=2" in shown and shown.startswith("https://example.org/feed")


def test_registered_secrets_and_bearer_tokens_are_masked() -> None:
    register_secret("s3cr3t-smtp-pass")
    text = redact(
        "login failed with s3cr3t-smtp-pass; header Authorization: Bearer AAAAxyz123456789"
    )
    assert "s3cr3t-smtp-pass" not in text and "AAAAxyz123456789" not in text
    assert redact("amqp://guest:guest@127.0.0.1:5672/") == "amqp://guest:***@127.0.0.1:5672/"


def test_json_log_lines(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("info", "json")
    register_secret("tok-987654321")
    logging.getLogger("monitor.test").warning(
        "source %s: token %s rejected", "x-source", "tok-987654321"
    )
    line = capsys.readouterr().err.strip().splitlines()[-1]
    entry = json.loads(line)
    assert entry["level"] == "warning" and entry["logger"] == "monitor.test"
    assert entry["message"] == "source x-source: token *** rejected"
    setup_logging("info", "text")
