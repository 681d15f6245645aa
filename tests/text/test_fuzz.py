"""HTML-to-text and entity extraction on arbitrary markup and text."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from monitor.text.entities import find_hashtags, find_links, find_mentions
from monitor.text.html import html_to_text, normalize_text
from tests.support.fuzz import fuzz_settings, texts_with

TAGS = ["p", "div", "br", "li", "ul", "a", "b", "span", "script", "pre", "blockquote", "table"]
PIECES = [
    "a" * 300,
    "a." * 100,
    "x@" * 40,
    "1a" * 40,
    "─" * 100,
    "中文字" * 20,
    "https://t.co/AbC1).",
    "pic.twitter.com/x",
    "@MID_RF",
    "#EnFotos",
    "&amp;",
    "&#x1F1FB;",
    "&nbsp;",
    "<!-- note -->",
    "<![CDATA[x]]>",
    "\u200b",
    "e\u200d\u0301",
    "\r\n",
    "Moscú",
]
markup = st.recursive(
    st.one_of(st.sampled_from(PIECES), st.text(max_size=20)),
    lambda inner: st.builds(
        lambda tag, body, closed: f"<{tag}>{body}" + (f"</{tag}>" if closed else ""),
        st.sampled_from(TAGS),
        st.lists(inner, max_size=4).map("".join),
        st.booleans(),
    ),
    max_leaves=30,
)
texts = texts_with(PIECES, size=300, piece=10, count=20)


@fuzz_settings
@given(st.one_of(markup, texts))
def test_html_to_text_gives_normalised_text(source: str) -> None:
    text = html_to_text(source)
    assert text == text.strip()
    assert "\n\n\n" not in text and "\r" not in text and "\u200b" not in text
    assert unicodedata.is_normalized("NFC", text)
    assert normalize_text(text) == text


@fuzz_settings
@given(texts)
def test_entities_come_from_the_text(text: str) -> None:
    for link in find_links(text):
        assert link in text or link.removeprefix("https://") in text
    for tag in find_hashtags(text):
        assert "#" + tag in text and any(not c.isdigit() for c in tag)
    for mention in find_mentions(text):
        assert "@" + mention in text
