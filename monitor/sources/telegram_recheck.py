"""Telegram deletions: the single-message widget `t.me/<channel>/<id>?embed=1`.

The widget of a live message holds a `tgme_widget_message` whose `data-post` names it; a
deleted message's widget answers 200 with a `tgme_widget_message_error` saying "Post not
found". Anything else (another error, such as a private channel, or markup we do not know)
cannot tell.
"""

from __future__ import annotations

from collections.abc import Sequence

from bs4 import BeautifulSoup

from monitor.errors import SourceError
from monitor.sources.base import KnownPost, Presence, RecheckResult
from monitor.sources.http import HttpClient
from monitor.sources.lookups import MAX_LOOKUPS, stops_run
from monitor.sources.telegram_nodes import find_first
from monitor.text.html import element_text

NOT_FOUND = "post not found"


def widget_presence(html: str, post: str) -> Presence:
    """What a widget page says of `post` (`channel/id`)."""
    soup = BeautifulSoup(html, "html.parser")
    message = find_first(soup, "tgme_widget_message", attrs={"data-post": True})
    if message is not None and str(message.get("data-post", "")).lower() == post.lower():
        return "present"
    error = find_first(soup, "tgme_widget_message_error")
    if error is not None and element_text(error).strip().lower() == NOT_FOUND:
        return "missing"
    return "unknown"


async def recheck_messages(
    http: HttpClient, base: str, posts: Sequence[KnownPost]
) -> RecheckResult:
    """One widget per message, at most `MAX_LOOKUPS` per run; the rest stay unknown."""
    presence: dict[str, Presence] = {}
    requests = 0
    for post in posts[:MAX_LOOKUPS]:
        channel, _, number = post.native_id.rpartition("/")
        if not channel or not number.isdecimal():
            continue
        requests += 1
        try:
            response = await http.get(f"{base}/{channel}/{number}", params={"embed": 1})
        except SourceError as error:
            presence[post.id] = "unknown"  # the widget answers 200 even for deleted posts
            if stops_run(error):
                break
            continue
        presence[post.id] = widget_presence(response.text(), f"{channel}/{number}")
    return RecheckResult(presence, requests)
