"""Config errors name the key and the problem, never a secret or a URL's credentials."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from monitor.config import ConfigProblems, parse_settings
from monitor.redaction import broker_url_problem, mask_credentials


def problems(config: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigProblems) as error:
        parse_settings(config, Path("test.toml"))
    return error.value.problems


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("amqp://guest:Pq5secret@host:Pq5x/", "the port is not a number from 1 to 65535"),
        ("amqp://guest:Pq5secret@host:99999/", "the port is not a number from 1 to 65535"),
        ("amqp://guest:Pq5secret@:5672/", "it names no host"),
        ("redis://:Pq5secret@host:6379/0 x", "it contains a space"),
        ("http://guest:Pq5secret@host/", "is not a broker URL"),
    ],
)
def test_a_malformed_broker_url_is_described_without_its_parts(url: str, problem: str) -> None:
    backend = "redis" if url.startswith("redis") else "rabbitmq"
    found = problems({"queue": {"backend": backend, "url": url}})
    assert any(line.startswith("queue.url: ") and problem in line for line in found), found
    assert "Pq5" not in " ".join(found)


def test_valid_broker_urls_pass() -> None:
    for url in ("amqp://guest:guest@127.0.0.1:5672/", "redis://127.0.0.1:6379/0", "nats://h"):
        assert broker_url_problem(url) is None


def test_urls_with_credentials_are_masked_in_any_message() -> None:
    found = problems({"sources": [{"name": "a", "platform": "rss", "url": "ftp://u:Pq5@h/f"}]})
    assert found == ['sources[0].url: "ftp://***@h/f" is not an http(s) URL']
    assert mask_credentials("see https://user:pw@example.org/x") == "see https://***@example.org/x"


def test_a_secret_written_where_a_variable_name_belongs_is_not_echoed() -> None:
    found = problems({"digest": {"smtp": {"password_env": "Pq5 secret!"}}})
    assert len(found) == 1 and found[0].startswith("digest.smtp.password_env: is not an")
    assert "Pq5" not in found[0]
