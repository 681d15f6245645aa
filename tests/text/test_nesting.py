from __future__ import annotations

import pytest

from monitor.text.html import html_to_text


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_markup_gives_its_text(depth: int) -> None:
    markup = "<div>" * depth + "<p>Hola <b>mundo</b></p>" + "</div>" * depth
    assert html_to_text(markup) == "Hola mundo"


def test_nested_blocks_keep_their_line_breaks_and_bullets() -> None:
    markup = "<div><ul><li>uno<br>dos</li><li><p>tres</p></li></ul></div>después"
    assert html_to_text(markup) == "• uno\ndos\n\n•\n\ntres\n\ndespués"


def test_skipped_elements_links_and_preformatted_text() -> None:
    markup = (
        '<p>a<a href="https://x.com/long/path">x.com/long…</a> <span>b</span>'
        "<script>no</script><li>c</li></p><!-- c --><pre>d\ne</pre>"
    )
    assert html_to_text(markup, full_urls=True) == "ahttps://x.com/long/path b\n\n• c\n\nd e"
