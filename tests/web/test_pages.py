"""Every page of the web view, with the seeded statements, edits and deletions."""

from __future__ import annotations

import re
from html import unescape

import httpx
import pytest

from monitor.config import Settings
from monitor.store import Store
from monitor.web.links import post_path, statement_path
from tests.web.conftest import client_for
from tests.web.support import Seeded


def text_of(html: str) -> str:
    """What a reader sees, roughly: tags dropped, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


async def test_timeline_lists_statements_newest_first(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    page = await client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    links = re.findall(r'href="(/statements/[^"]+)"', html)
    # Newest first: the pending Zakharova post (20:00), the hostile feed entry (19:00), the
    # edited post (18:20), the deleted one (16:45), the three-language statement (11:30).
    assert links == [
        statement_path(i)
        for i in (seeded.pending, seeded.hostile, seeded.edited, seeded.deleted, seeded.statement)
    ]
    text = text_of(html)
    assert "3 versions" in text  # Telegram ru, X es, Mastodon en
    assert "Стороны обсудили санкции" in text and "The sides discussed sanctions" in text
    assert "2026-11-27 07:30" in text  # 11:30 UTC in America/Caracas
    assert "in progress" in text  # the post still being translated
    assert "edited" in text and "deleted" in text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("account=cancilleria-ve-x", {"edited", "statement"}),  # the statement has an X post
        ("platform=mastodon", {"statement"}),
        ("lang=es", {"edited", "statement", "hostile"}),
        ("translated=yes", {"edited", "statement", "hostile", "deleted"}),
        ("translated=no", {"statement", "pending"}),  # the English version needed none
        ("edited=yes", {"edited"}),
        ("deleted=yes", {"deleted"}),
        ("deleted=no&edited=no&lang=ru", {"statement"}),  # the pending one: not detected yet
        (
            "since=2026-11-27&until=2026-11-27",
            {"edited", "statement", "hostile", "deleted", "pending"},
        ),
        ("since=2026-11-28", set()),
        ("until=2026-11-26", set()),
    ],
)
async def test_timeline_filters(
    client: httpx.AsyncClient, seeded: Seeded, query: str, expected: set[str]
) -> None:
    page = await client.get(f"/?{query}")
    assert page.status_code == 200, page.text
    shown = set(re.findall(r'href="(/statements/[^"]+)"', page.text))
    assert shown == {statement_path(getattr(seeded, name)) for name in expected}


async def test_timeline_pages(data: tuple[Settings, Store, Seeded]) -> None:
    settings, store, _ = data
    small = settings.model_copy(update={"web": settings.web.model_copy(update={"page_size": 2})})
    async with client_for(small, store) as client:
        one = await client.get("/?lang=es")
        two = await client.get("/?lang=es&page=2")
        three = await client.get("/?lang=es&page=3")
    assert "Older →" in one.text and "← Newer" not in one.text
    assert 'href="/?lang=es&amp;page=2"' in one.text
    assert "← Newer" in two.text and "Older →" not in two.text
    assert len(re.findall(r'href="/statements/', one.text)) == 2
    assert len(re.findall(r'href="/statements/', two.text)) == 1
    assert three.status_code == 200 and "No statements on this page match" in three.text


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("since=yesterday", 'since: "yesterday" is not a date'),
        ("since=2026-11-28&until=2026-11-01", "ends before it starts"),
        ("account=nobody", 'no source is named "nobody"'),
        ("platform=myspace", "is not one of"),
        ("lang=Spanish", "is not a language code"),
        ("edited=maybe", "is not yes, no or any"),
        ("page=0", "page:"),
        ("page=abc", "page:"),
    ],
)
async def test_bad_timeline_filters_are_a_400_naming_the_problem(
    client: httpx.AsyncClient, query: str, problem: str
) -> None:
    page = await client.get(f"/?{query}")
    assert page.status_code == 400
    assert problem in text_of(page.text)


async def test_statement_page_shows_every_version_side_by_side(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    page = await client.get(statement_path(seeded.statement))
    assert page.status_code == 200
    html = page.text
    assert html.count('<article class="post"') == 3
    assert html.count('class="original"') == 3 and html.count('class="translation"') == 3
    text = text_of(html)
    for expected in (
        "Министр иностранных дел России",
        "The Russian Foreign Minister held talks with his Venezuelan colleague",
        "El canciller de Rusia",
        "Russia's Foreign Minister held talks",
        "Not needed",
    ):
        assert expected in text
    for url in (
        "https://t.me/MID_Russia/21874",
        "https://x.com/CancilleriaVE/status/1543957912012345344",
        "https://mastodon.social/@mfa_russia_en/111",
    ):
        assert f'href="{url}"' in html
    # A URL in the text is a link too.
    assert 'href="https://mppre.gob.ve/comunicado"' in html


async def test_statement_page_shows_an_edit_as_a_word_diff(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    html = (await client.get(statement_path(seeded.edited))).text
    assert "e ilegales contra cualquier nación soberana</ins>" in html
    assert "edited from revision 1" in text_of(html)


async def test_statement_page_notices_a_deletion(client: httpx.AsyncClient, seeded: Seeded) -> None:
    text = text_of((await client.get(statement_path(seeded.deleted))).text)
    assert "Deleted on Telegram" in text and "2026-11-27 17:30" in text
    assert "Применение односторонних санкций нелегитимно" in text  # the last known text


async def test_post_page_lists_every_revision(client: httpx.AsyncClient, seeded: Seeded) -> None:
    page = await client.get(post_path(seeded.edited))
    assert page.status_code == 200
    html = page.text
    assert "e ilegales contra cualquier nación soberana</ins>" in html
    assert len(re.findall(r"<tr><td>\d", html)) == 2
    assert f'href="{statement_path(seeded.edited)}"' in html
    deleted = text_of((await client.get(post_path(seeded.deleted))).text)
    assert "noticed deleted at 2026-11-27 17:30" in deleted and "(deleted)" in deleted


async def test_ids_with_slashes_and_urls_round_trip(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    # rss:mppre-feed/https://mppre.gob.ve/hostile: escaped in links, and also taken raw.
    assert "%2F" in post_path(seeded.hostile)
    for path in (post_path(seeded.hostile), f"/posts/{seeded.hostile}"):
        assert (await client.get(path)).status_code == 200


async def test_unknown_statement_post_and_page_are_404(client: httpx.AsyncClient) -> None:
    for path in ("/statements/x:nothing", "/posts/x:nothing", "/statements/", "/nothing"):
        page = await client.get(path)
        assert page.status_code == 404, path
        assert "Not found" in page.text


async def test_search_page_highlights_matches_in_original_and_translation(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    page = await client.get("/search", params={"q": "санкции"})
    assert page.status_code == 200
    html = page.text
    assert "2 posts match" in text_of(html)
    assert "<mark>санкции</mark>" in html  # the word as typed ...
    assert "<mark>санкций</mark>" in html  # ... and inflected
    english = await client.get("/search", params={"q": "sanctions"})
    assert "<mark>sanctions</mark>" in english.text  # in a translation
    assert f'href="{statement_path(seeded.statement)}"' in english.text


async def test_search_page_without_a_query_explains_the_language(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/search")
    assert page.status_code == 200
    assert "The query language" in page.text


@pytest.mark.parametrize(
    "query", ['"unclosed phrase', "(a OR b", "lang:", "since:yesterday", "-alone", "OR", "a)"]
)
async def test_a_bad_search_is_a_400_saying_what_is_wrong(
    client: httpx.AsyncClient, query: str
) -> None:
    page = await client.get("/search", params={"q": query})
    assert page.status_code == 400, page.text
    assert re.search(r'class="error" role="alert">q: .+', page.text)


async def test_sources_page(client: httpx.AsyncClient) -> None:
    page = await client.get("/sources")
    assert page.status_code == 200
    text = text_of(page.text)
    for name in ("mid-russia-telegram", "cancilleria-ve-x", "mfa-russia-en", "mppre-feed"):
        assert name in text
    assert "Last success" in text and "Next poll" in text
    assert "2026-11-27" in text  # the seeded polls' times, in the monitor's zone


async def test_stylesheet(client: httpx.AsyncClient) -> None:
    css = await client.get("/static/web.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
