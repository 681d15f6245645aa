"""Small helpers the social-platform adapters share: windows, id order, JSON bodies."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

from monitor.config import SourceSettings
from monitor.errors import ParseError
from monitor.record import Item
from monitor.record import parse_time as record_time
from monitor.sources.http import Response

T = TypeVar("T")

# A poll that is not the first never follows more pages than this; the rest is logged as a gap.
MAX_PAGES = 20


def id_key(value: str) -> tuple[int, str]:
    """Sort key for numeric string ids (snowflakes, Mastodon ids): by length, then lexically."""
    return (len(value), value)


def newer(value: str, than: str | None) -> bool:
    return than is None or id_key(value) > id_key(than)


def newest(values: Iterable[str], start: str | None = None) -> str | None:
    best = start
    for value in values:
        if newer(value, best):
            best = value
    return best


def oldest_allowed(settings: SourceSettings, now: datetime | None = None) -> datetime | None:
    """The earliest publication time `max_age` lets through, or None without a limit."""
    if settings.max_age is None:
        return None
    return (now or datetime.now(UTC)) - timedelta(seconds=settings.max_age)


def too_old(item: Item, cutoff: datetime | None) -> bool:
    return cutoff is not None and item.published_at is not None and item.published_at < cutoff


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 / RFC 3339 time as an aware UTC datetime; None if absent or garbage."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return record_time(value)
    except ValueError:
        return None


def json_body(response: Response, what: str) -> Any:
    """The decoded JSON of a response, or a ParseError saying what was expected."""
    try:
        return json.loads(response.content)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ParseError(f"{what}: the response is not valid JSON ({error.args[0]})") from None
    except RecursionError:
        raise ParseError(f"{what}: the JSON is nested too deeply to parse") from None


def json_object(response: Response, what: str) -> Mapping[str, Any]:
    body = json_body(response, what)
    if not isinstance(body, dict):
        raise ParseError(f"{what}: expected a JSON object, got {type(body).__name__}")
    return body


def as_dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def as_str(value: object) -> str:
    return value if isinstance(value, str) else ""


def unique(values: Iterable[T]) -> tuple[T, ...]:
    return tuple(dict.fromkeys(values))


def link_params(header: str | None) -> dict[str, dict[str, str]]:
    """RFC 8288 `Link` header -> {rel: {query parameter: value}} of each target URL."""
    found: dict[str, dict[str, str]] = {}
    for part in (header or "").split(","):
        target, _, attributes = part.partition(";")
        target = target.strip().lstrip("<").rstrip(">")
        for attribute in attributes.split(";"):
            key, _, value = attribute.strip().partition("=")
            if key.strip().lower() == "rel" and target:
                query = parse_qs(urlsplit(target).query)
                found[value.strip().strip('"')] = {k: v[0] for k, v in query.items() if v}
    return found
