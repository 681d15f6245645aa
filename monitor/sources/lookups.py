"""Shared pieces of the deletion rechecks: how a lookup's error reads as presence."""

from __future__ import annotations

import json

from monitor.errors import NotFound, RateLimited, SourceError
from monitor.sources.base import Presence

# The most single-post lookups one recheck makes, so a long window cannot flood a platform.
MAX_LOOKUPS = 100


def json_error_body(error: SourceError) -> bool:
    """Whether an error response carries a JSON object (the API's own answer, not a proxy's)."""
    try:
        return isinstance(json.loads(error.body or b""), dict)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False


def presence_of(error: SourceError, *, needs_json: bool = False) -> Presence:
    """A 404/410 is a miss (for an API, only when it answered in JSON); anything else,
    a timeout, a 5xx, a 429 or a refusal, says nothing."""
    if isinstance(error, NotFound) and (not needs_json or json_error_body(error)):
        return "missing"
    return "unknown"


def stops_run(error: SourceError) -> bool:
    """After a 429 the rest of the run would be refused too: stop asking."""
    return isinstance(error, RateLimited)
