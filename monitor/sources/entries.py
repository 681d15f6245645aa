"""What every adapter does with a feed's entries: map each alone, off the event loop, safely.

One malformed entry (a nesting too deep to walk, a field of the wrong type) must not
cost the feed's other entries, and parsing a multi-megabyte page must not stall the
daemon's other work. Links and media that are not http(s) never reach a record.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import ParamSpec, TypeVar

from monitor.errors import ParseError
from monitor.record import Item
from monitor.text.entities import http_url

log = logging.getLogger("monitor.sources")

T = TypeVar("T")
R = TypeVar("R")
P = ParamSpec("P")


def http_only(item: Item) -> Item:
    """The item without any link, media or URL whose scheme is not http(s)."""
    links = tuple(u for u in (http_url(link) for link in item.links) if u)
    media = tuple(replace(m, url=url) for m in item.media if (url := http_url(m.url)) is not None)
    author = item.author
    if author.url is not None and http_url(author.url) is None:
        author = replace(author, url=None)
    url = http_url(item.url) if item.url is not None else None
    if (links, media, author, url) == (item.links, item.media, item.author, item.url):
        return item
    return replace(item, links=links, media=media, author=author, url=url)


def map_entries(
    source: str, entries: Iterable[T], to_item: Callable[[T], R | None]
) -> tuple[list[R], int]:
    """`to_item` of each entry (None: not an item); an entry that fails is skipped and counted.

    The skipped ones are logged once per call, naming the source and the first failure.
    """
    results: list[R] = []
    skipped = 0
    first: Exception | None = None
    for entry in entries:
        try:
            result = to_item(entry)
        except MemoryError:
            raise
        except Exception as error:  # any malformed entry: the others still count
            skipped += 1
            first = first or error
            continue
        if result is not None:
            results.append(result)
    if first is not None:
        detail = str(first)[:200] or type(first).__name__
        log.warning(
            "source %s: skipped %d malformed entr%s (first: %s: %s)",
            source,
            skipped,
            "y" if skipped == 1 else "ies",
            type(first).__name__,
            detail,
        )
    return results, skipped


# Below this many bytes of input, parsing takes a few milliseconds at most (about 0.5 ms per
# KB for a Telegram page) and runs on the loop: a worker thread costs more than that in GIL
# hand-offs (a 1,000-source pass took 16.8 s instead of 12.3 s with every parse in a thread).
INLINE_BYTES = 64 * 1024


async def off_loop(
    what: str, size: int, parse: Callable[P, R], *args: P.args, **kwargs: P.kwargs
) -> R:
    """`parse(...)`, in a worker thread when its input (`size` bytes) is large enough to
    stall the loop; a document nested too deeply is a ParseError."""
    try:
        if size < INLINE_BYTES:
            return parse(*args, **kwargs)
        return await asyncio.to_thread(parse, *args, **kwargs)
    except RecursionError:
        raise ParseError(f"{what}: the document is nested too deeply to parse") from None
