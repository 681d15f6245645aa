"""Feed deletions (opt-in): an item's link answering 404 or 410 while the feed is reachable.

Items that merely roll off the feed are not deletions: the feed's content is never compared.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from monitor.errors import SourceError
from monitor.sources.base import KnownPost, Presence, RecheckResult
from monitor.sources.http import HttpClient
from monitor.sources.lookups import MAX_LOOKUPS, presence_of, stops_run


async def recheck_links(
    http: HttpClient, feed: str, headers: Mapping[str, str], posts: Sequence[KnownPost]
) -> RecheckResult:
    """The feed first (its failure raises: nothing can be told), then each item's link."""
    await http.get(feed, headers=headers)
    presence: dict[str, Presence] = {}
    requests = 1
    linked = [post for post in posts if (post.url or "").startswith(("http://", "https://"))]
    for post in linked[:MAX_LOOKUPS]:
        requests += 1
        try:
            await http.get(str(post.url))
        except SourceError as error:
            presence[post.id] = presence_of(error)
            if stops_run(error):
                break
        else:
            presence[post.id] = "present"
    return RecheckResult(presence, requests)
