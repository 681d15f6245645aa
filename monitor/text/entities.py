"""Links, #hashtags and @mentions found in plain text."""

from __future__ import annotations

import re

# Each pattern starts with a literal character (a lookbehind after it checks what precedes),
# so `re` skips ahead to candidates instead of trying every position of a long text.
URL = re.compile(r"[hH](?i:ttps?://)[^\s<>\"'«»]+|[pP](?i:ic\.twitter\.com/)\w+")
HASHTAG = re.compile(r"#(?<![\w&/]#)(\w*[^\W\d]\w*)")
MENTION = re.compile(r"@(?<![\w/@.]@)(\w{1,64}(?:@[\w.-]+\.\w+)?)")
_TRAILING = ".,;:!?)]}…»\"'"


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
