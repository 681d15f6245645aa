"""Config messages that never repeat a secret: broker URLs described, not quoted; credentials
in URLs masked; keys named like secrets never echoed."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_BROKER_SCHEMES = ("amqp", "amqps", "redis", "rediss", "nats", "tls")
# A scheme starts only where no scheme character precedes it, and its run is never
# re-scanned (possessive), so the pattern stays linear on "a.a.a.a..." of any length.
_CREDENTIALS = re.compile(r"(?i)(?<![a-z0-9+.-])([a-z][a-z0-9+.-]*+://)[^\s/@\"']*@")
_SECRET_KEY = re.compile(r"(?i)(password|passwd|secret|token|credential|api_?key|private)")


def broker_url_problem(url: str) -> str | None:
    """What is wrong with a broker URL, without quoting any of it; None when it is fine."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "is not a valid URL"
    scheme = parts.scheme.lower()
    if scheme not in _BROKER_SCHEMES:
        return "is not a broker URL (amqp://, redis:// or nats://)"
    what = f"is not a valid {scheme}:// URL"
    if any(char.isspace() for char in url):
        return f"{what} (it contains a space)"
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        return f"{what} (the port is not a number from 1 to 65535)"
    if not host:
        return f"{what} (it names no host)"
    if port == 0:
        return f"{what} (the port is not a number from 1 to 65535)"
    return None


def mask_credentials(text: str) -> str:
    """`amqp://user:password@host` -> `amqp://***@host` wherever a URL appears in `text`."""
    return _CREDENTIALS.sub(r"\1***@", text)


def secret_location(location: tuple[int | str, ...]) -> bool:
    """A key whose name suggests a secret (but not `*_env`, which names a variable)."""
    names = [part for part in location if isinstance(part, str)]
    return bool(names) and not names[-1].endswith("_env") and bool(_SECRET_KEY.search(names[-1]))
