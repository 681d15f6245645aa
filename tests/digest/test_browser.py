"""The digest as a reader sees it: rendered by Debian's Chromium, measured by the page itself.

CI installs `chromium` (.ci/chromium.sh); without it these tests skip locally and fail
under CI, so a machine that lost its browser is noticed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.digest.screenshot import chromium, probe, sample_digest, screenshot

HOSTILE_TEXT = (
    'Comunicado <script>document.title="PWNED"</script> '
    "<img src=x onerror=\"document.title='PWNED'\"> "
    "<a href=\"javascript:document.title='PWNED'\">pincha</a> "
    '<iframe src="https://evil.example/"></iframe> {{ 7*7 }} ' + "Ministerio" * 60
)
HOSTILE = {
    "source": "mppre-feed",
    "platform": "rss",
    "native_id": "https://mppre.gob.ve/hostile",
    "author": {
        "handle": "mppre.gob.ve",
        "name": "MPPRE <b>bold</b>",
        "url": "https://mppre.gob.ve",
    },
    "url": "javascript:document.title='PWNED'",
    "published_at": "2026-11-27T18:00:00Z",
    "kind": "post",
    "title": "Título <script>document.title='PWNED'</script>",
    "text": HOSTILE_TEXT,
    "language": "es",
    "confidence": 0.99,
    "status": "translated",
    "translation": "Statement <img src=x onerror=\"document.title='PWNED'\"> translated",
    "media": [{"type": "photo", "url": "javascript:alert(1)"}],
}

# An edit that inserts markup and a long unbroken word: shown in <ins>, inert and wrapped.
HOSTILE_EDIT = {
    **HOSTILE,
    "native_id": "https://mppre.gob.ve/hostile-edit",
    "url": "https://mppre.gob.ve/hostile-edit",
    "title": None,
    "text": "Comunicado oficial sobre la reunión de hoy.",
    "edited_text": (
        'Comunicado <script>document.title="EDITED"</script> oficial '
        "<img src=x onerror=\"document.title='EDITED'\"> sobre la reunión de "
        + "Ministerio" * 60
        + " hoy."
    ),
    "media": [],
}

needs_chromium = pytest.mark.skipif(
    chromium() is None and not os.environ.get("CI"), reason="chromium is not installed"
)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    if chromium() is None:
        pytest.fail("chromium is not installed: .ci/chromium.sh installs Debian's package")
    work = tmp_path_factory.mktemp("browser")
    html = work / "digest.html"
    sample_digest(work, html, extra=[HOSTILE, HOSTILE_EDIT])
    return html, probe(html, width=600)


@needs_chromium
def test_every_account_and_translation_is_on_the_page(
    rendered: tuple[Path, dict[str, Any]],
) -> None:
    text = rendered[1]["text"]
    for expected in (
        "Cancillería Venezuela",
        "The Foreign Ministers of Venezuela",  # the translation first ...
        "Los Cancilleres de Venezuela",  # ... and the original beneath it
        "МИД России",
        "HTTP 503 Service Unavailable",  # the failing source is reported
    ):
        assert expected in text, expected


@needs_chromium
def test_no_horizontal_scrollbar_at_600_px(rendered: tuple[Path, dict[str, Any]]) -> None:
    page = rendered[1]
    assert page["client_width"] <= 600
    assert page["scroll_width"] <= page["client_width"], page


@needs_chromium
def test_hostile_text_is_inert(rendered: tuple[Path, dict[str, Any]]) -> None:
    page = rendered[1]
    assert page["title"] != "PWNED"
    assert page["scripts"] == 1  # the probe's own
    assert page["handlers"] == 0
    assert not [
        href for href in page["hrefs"] if not href.startswith(("https:", "http:", "mailto:", "#"))
    ]
    # The markup is shown as text, not run: the reader sees what the account wrote.
    assert '<script>document.title="PWNED"</script>' in page["text"]
    assert '<script>document.title="EDITED"</script>' in page["text"]
    assert any('<script>document.title="EDITED"</script>' in ins for ins in page["inserted"])
    assert "{{ 7*7 }}" in page["text"]


@needs_chromium
def test_screenshot_is_a_png(rendered: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    png = tmp_path / "digest.png"
    screenshot(rendered[0], png, width=600, height=900)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
