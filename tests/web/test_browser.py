"""The web view in Debian's Chromium: open the timeline, search, open a statement.

CI installs `chromium` (.ci/chromium.sh); without it these tests skip locally and fail
under CI, so a machine that lost its browser is noticed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest

from monitor.config import Settings
from monitor.store import Store
from monitor.web.links import statement_path
from tests.digest.screenshot import chromium
from tests.web.browser import SEARCH, dump_dom, screenshot, serving
from tests.web.support import Seeded

pytestmark = [
    pytest.mark.skipif(
        chromium() is None and not os.environ.get("CI"), reason="chromium is not installed"
    ),
    # The browser tests the pages; the pages' reads run on both backends in test_pages/test_api.
    pytest.mark.parametrize("data", ["sqlite"], indirect=True),
]


@pytest.fixture(scope="module")
def base(data: tuple[Settings, Store, Seeded]) -> Iterator[str]:
    if chromium() is None:
        pytest.fail("chromium is not installed: .ci/chromium.sh installs Debian's package")
    with serving(data[0], data[1]) as url:
        yield url


def text(dom: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", dom)))


def test_open_the_timeline_search_and_a_statement(
    base: str, data: tuple[Settings, Store, Seeded], tmp_path: Path
) -> None:
    seeded = data[2]
    timeline = dump_dom(base + "/")
    assert timeline.count('<article class="statement">') == 5
    assert f'href="{statement_path(seeded.statement)}"' in timeline
    found = dump_dom(base + SEARCH)
    assert "<mark>санкции</mark>" in found and "<mark>sanciones</mark>" in found
    statement = dump_dom(base + statement_path(seeded.statement))
    assert statement.count('<article class="post"') == 3
    assert "The sides discussed sanctions" in text(statement)
    for page in (timeline, found, statement):
        assert "<script" not in page
    png = tmp_path / "timeline.png"
    screenshot(base + "/", png, height=700)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_hostile_text_stays_inert_in_the_browser(
    base: str, data: tuple[Settings, Store, Seeded]
) -> None:
    dom = dump_dom(base + statement_path(data[2].hostile))
    assert "<title>" in dom and "PWNED" not in dom.split("<title>")[1].split("</title>")[0]
    assert "<script" not in dom and "<iframe" not in dom and "<img" not in dom
    assert not re.search(r"<[^>]+\son\w+=", dom)
    shown = text(dom)
    assert '<script>document.title="PWNED"</script>' in shown
    assert "{{ 7*7 }}" in shown
