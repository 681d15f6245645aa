"""Links, #hashtags and @mentions found in plain text."""

from __future__ import annotations

import bisect
import re
from urllib.parse import urlsplit

# Each pattern starts with a literal character (a lookbehind after it checks what precedes),
# so `re` skips ahead to candidates instead of trying every position of a long text.
URL = re.compile(r"[hH](?i:ttps?://)[^\s<>\"'«»]+|[pP](?i:ic\.twitter\.com/)\w+")
HASHTAG = re.compile(r"#(?<![\w&/]#)(\w*[^\W\d]\w*)")
MENTION = re.compile(r"@(?<![\w/@.]@)(\w{1,64}(?:@[\w.-]+\.\w+)?)")
_TRAILING = ".,;:!?)]}…»\"'"


def http_url(value: object) -> str | None:
    """`value` stripped, if it is an absolute http(s) URL with a host and no white space or
    control characters inside; None for `javascript:`, `data:` and the rest. The one rule for
    what may become a link, in records and in what analysts read."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if any(ord(char) < 0x21 for char in text):
        return None
    return text


def _unique(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def find_links(text: str) -> tuple[str, ...]:
    found = []
    for match in URL.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        if url.lower().startswith("pic.twitter.com"):
            url = "https://" + url
        found.append(url)
    return _unique(found)


def find_hashtags(text: str) -> tuple[str, ...]:
    return _unique([m.group(1) for m in HASHTAG.finditer(URL.sub(" ", text))])


def find_mentions(text: str) -> tuple[str, ...]:
    return _unique([m.group(1) for m in MENTION.finditer(URL.sub(" ", text))])


# A bare link (`t.co/x`) is looked for only behind a `.tld/`, within HOST_CHARS of it, so
# the search is linear however long a run of dots and letters is.
HOST_CHARS = 256
_TLD_SLASH = re.compile(r"\.[a-z]{2,}/", re.IGNORECASE)


def bare_link_spans(
    text: str, taken: list[tuple[int, int]], host: re.Pattern[str], path: re.Pattern[str]
) -> list[tuple[int, int]]:
    """(start, end) of links without a scheme, outside the sorted, disjoint `taken` spans.

    `host` matches a host ending in `.tld/` (callers differ on what may precede it) and
    `path` what follows the slash; both should read possessively.
    """
    found: list[tuple[int, int]] = []
    ends = [end for _, end in taken]
    done = 0
    for hit in _TLD_SLASH.finditer(text):
        slash = hit.end() - 1
        if slash < done:
            continue
        before = bisect.bisect_right(ends, hit.start())
        floor = max(done, ends[before - 1] if before else 0, hit.start() - HOST_CHARS)
        match = host.search(text, floor, slash + 1)
        if match is not None and match.end() == slash + 1:
            rest = path.match(text, slash + 1)
            done = rest.end() if rest is not None else slash + 1
            found.append((match.start(), done))
    return found
