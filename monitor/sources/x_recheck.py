"""X deletions: `GET /2/tweets?ids=`, up to 100 ids a call (reads are billed: opt-in).

A deleted post comes back in `errors` with the title "Not Found Error"; other errors (a
suspended or protected author) cannot tell.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from monitor.errors import SourceError
from monitor.sources.base import KnownPost, Presence, RecheckResult
from monitor.sources.common import as_dict, as_list, as_str, json_object
from monitor.sources.http import HttpClient
from monitor.sources.lookups import stops_run

TWEETS = "/2/tweets"
BATCH = 100  # the endpoint's maximum number of ids
NOT_FOUND = "Not Found Error"


def tweet_id(post: KnownPost) -> str | None:
    """The id to look up: the latest version's (from the post's URL), else the native id."""
    shown = (post.url or "").rstrip("/").rsplit("/status/", 1)
    candidate = shown[1] if len(shown) == 2 else post.native_id
    return candidate if candidate.isdecimal() else None


def batch_presence(body: Mapping[str, object], ids: Sequence[str]) -> dict[str, Presence]:
    found = {as_str(as_dict(t).get("id")) for t in as_list(body.get("data"))}
    gone = {
        as_str(error.get("resource_id")) or as_str(error.get("value"))
        for error in map(as_dict, as_list(body.get("errors")))
        if as_str(error.get("title")) == NOT_FOUND
    }
    presence: dict[str, Presence] = {}
    for tid in ids:
        presence[tid] = "present" if tid in found else "missing" if tid in gone else "unknown"
    return presence


async def recheck_tweets(
    http: HttpClient, base: str, headers: Mapping[str, str], posts: Sequence[KnownPost]
) -> RecheckResult:
    ids: dict[str, str] = {}
    for post in posts:
        tid = tweet_id(post)
        if tid is not None:
            ids[tid] = post.id
    presence: dict[str, Presence] = {}
    requests = 0
    ordered = list(ids)
    for start in range(0, len(ordered), BATCH):
        batch = ordered[start : start + BATCH]
        requests += 1
        try:
            response = await http.get(
                base + TWEETS, params={"ids": ",".join(batch)}, headers=headers
            )
            body = json_object(response, base + TWEETS)
        except SourceError as error:
            if stops_run(error):
                break
            continue  # this batch stays unknown
        for tid, seen in batch_presence(body, batch).items():
            presence[ids[tid]] = seen
    return RecheckResult(presence, requests)
