"""Mastodon deletions: `GET /api/v1/statuses/:id` per status; a JSON 404 means deleted."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from monitor.errors import SourceError
from monitor.sources.base import KnownPost, Presence, RecheckResult
from monitor.sources.http import HttpClient
from monitor.sources.lookups import MAX_LOOKUPS, presence_of, stops_run


async def recheck_statuses(
    http: HttpClient, base: str, headers: Mapping[str, str], posts: Sequence[KnownPost]
) -> RecheckResult:
    """One request per status, at most `MAX_LOOKUPS` per run; the rest stay unknown."""
    presence: dict[str, Presence] = {}
    requests = 0
    for post in posts[:MAX_LOOKUPS]:
        status_id = post.native_id.rsplit("/", 1)[-1]
        if not status_id.isdecimal():
            continue
        requests += 1
        try:
            await http.get(f"{base}/api/v1/statuses/{status_id}", headers=headers)
        except SourceError as error:
            presence[post.id] = presence_of(error, needs_json=True)
            if stops_run(error):
                break
        else:
            presence[post.id] = "present"
    return RecheckResult(presence, requests)
