"""Bluesky deletions: `app.bsky.feed.getPosts`, 25 at:// uris a call; deleted ones are omitted."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

from monitor.errors import ParseError, SourceError
from monitor.sources.base import KnownPost, Presence, RecheckResult
from monitor.sources.common import as_dict, as_list, as_str, json_object
from monitor.sources.http import HttpClient
from monitor.sources.lookups import stops_run

GET_POSTS = "/xrpc/app.bsky.feed.getPosts"
BATCH = 25  # the lexicon's maximum number of uris
POST = "app.bsky.feed.post"


def post_uri(post: KnownPost) -> str | None:
    """The at:// uri of an original post; a repost (its own record) cannot be looked up."""
    did, _, rkey = post.native_id.partition("/")
    if post.kind == "repost" or not did.startswith("did:") or not rkey or "/" in rkey:
        return None
    return f"at://{did}/{POST}/{rkey}"


async def recheck_posts(http: HttpClient, base: str, posts: Sequence[KnownPost]) -> RecheckResult:
    uris = {uri: post.id for post in posts if (uri := post_uri(post)) is not None}
    presence: dict[str, Presence] = {}
    requests = 0
    ordered = list(uris)
    for start in range(0, len(ordered), BATCH):
        batch = ordered[start : start + BATCH]
        url = f"{base}{GET_POSTS}?" + urlencode([("uris", uri) for uri in batch])
        requests += 1
        try:
            response = await http.get(url)
            body = json_object(response, base + GET_POSTS)
            if not isinstance(body.get("posts"), list):
                raise ParseError(f"{base}{GET_POSTS}: the response has no posts array")
        except SourceError as error:
            if stops_run(error):
                break
            continue  # this batch stays unknown
        found = {as_str(as_dict(entry).get("uri")) for entry in as_list(body["posts"])}
        for uri in batch:
            presence[uris[uri]] = "present" if uri in found else "missing"
    return RecheckResult(presence, requests)
