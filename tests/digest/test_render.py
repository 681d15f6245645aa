"""What the digest shows: subject, summary, grouping, translation pairs, escaping, size cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from monitor.digest.build import build_digest, safe_url
from monitor.digest.errors import DigestConfigError
from monitor.digest.render import Renderer, linkify
from monitor.sources.base import SourceState
from monitor.state import Window
from monitor.store import Store
from tests.digest.support import add_failure, add_post, make_settings, samples, seed

# 07:00 in Caracas (UTC-4) on 27 and 28 November: the scheduled window of the sample posts.
WINDOW = Window(datetime(2026, 11, 27, 11, tzinfo=UTC), datetime(2026, 11, 28, 11, tzinfo=UTC))


def render(store: Store, tmp_path: Path, window: Window = WINDOW, **digest: object):  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path / "data", **digest)
    built = build_digest(settings, store, window)
    renderer = Renderer(
        settings.digest.templates, settings.digest.max_html_bytes, settings.digest.max_text_bytes
    )
    return built, renderer.render(built)


def test_subject_summary_and_groups_in_config_and_time_order(store: Store, tmp_path: Path) -> None:
    seed(store)
    add_failure(
        store, "mppre-feed", datetime(2026, 11, 27, 15, tzinfo=UTC), "HTTP 503 from mppre.gob.ve"
    )
    digest, rendered = render(store, tmp_path)

    assert (
        rendered.subject
        == "Digest 2026-11-28: 8 statements (9 posts) from 5 accounts (5 translated)"
    )
    # Deletions and edits first, then translated statements, then the rest, each by account
    # in config order.
    assert [(s.key, [g.source for g in s.groups]) for s in digest.sections] == [
        ("changed", ["cancilleria-ve-x"]),
        ("translated", ["cancilleria-ve-x", "mid-russia-telegram"]),
        ("other", ["fariacrt-x", "mid-russia-telegram", "mppre-feed"]),
    ]
    assert digest.sections[0].title == "Edited"
    assert digest.sections[1].groups[0].account.name == "Cancillería Venezuela 🇻🇪"
    for section in digest.sections:
        for group in section.groups:
            times = [statement.local_time for statement in group.statements]
            assert times == sorted(times)
    assert dict(digest.languages) == {"es": 5, "ru": 3, "en": 1}
    assert [(a.source, a.posts, a.failed) for a in digest.accounts][3:] == [
        ("zakharova-telegram", 0, False),
        ("mfa-russia-en", 1, False),
        ("mppre-feed", 1, True),
    ]

    soup = BeautifulSoup(rendered.html, "lxml")
    text = soup.get_text(" ", strip=True)
    assert "1 source failed during this period" in text
    assert "HTTP 503 from mppre.gob.ve" in text
    assert "no posts" in text
    assert "Spanish 5, Russian 3, English 1" in text
    # Local time (America/Caracas): the Telegram post published 11:30Z shows as 07:30.
    assert "Fri 27 Nov 07:30" in text


def test_translation_first_original_beneath_with_lang(store: Store, tmp_path: Path) -> None:
    seed(store)
    _, rendered = render(store, tmp_path)
    soup = BeautifulSoup(rendered.html, "lxml")
    assert soup.html is not None and soup.html["lang"] == "en"
    lavrov = "On 4 July, Russian Foreign Minister Sergey Lavrov held talks"
    english = [div for div in soup.find_all("div", lang="en") if lavrov in div.get_text()]
    assert len(english) == 1
    original = english[0].find_next("div", lang=True)
    assert original is not None and original["lang"] == "ru"
    assert "4 июля в Москве состоялись переговоры" in original.get_text()
    assert soup.find("div", lang="es", string=lambda s: bool(s and "Nos reunimos" in s))
    # Its English version on Mastodon is the same statement: listed under "Also on", linked.
    assert "reaffirmed" not in soup.get_text()
    [also] = [a for a in soup.find_all("a", href=True) if "mastodon.social" in a["href"]]
    assert also.get_text() == "Mastodon · Russian MFA (English) · English"
    assert "Also on:" in str(also.parent)
    links = [a["href"] for a in soup.find_all("a", href=True)]
    assert "https://t.me/MID_Russia/21874" in links
    # An untranslated statement is shown alone, no translation block.
    alone = [d for d in soup.find_all("div", lang="es") if "El régimen" in d.get_text()]
    parent = alone[0].find_parent("div") if len(alone) == 1 else None
    assert parent is not None and "Original" not in parent.get_text()

    plain = rendered.text
    assert "EN: 🇷🇺🇻🇪 On 4 July" in plain and "RU: 🇷🇺🇻🇪 4 июля" in plain
    assert plain.index("EN: 🇷🇺🇻🇪 On 4 July") < plain.index("RU: 🇷🇺🇻🇪 4 июля")
    assert (
        "also on Mastodon · Russian MFA (English) · English:"
        " https://mastodon.social/@mfa_russia_en/113560000000000001" in plain
    )


def test_notes_for_untranslated_posts_and_edits_shown_once(store: Store, tmp_path: Path) -> None:
    seed(store)
    _, rendered = render(store, tmp_path)
    text = BeautifulSoup(rendered.html, "lxml").get_text(" ", strip=True)
    assert "Translation pending: the original is shown." in text
    assert "No translation model is installed for this language" in text
    assert "Translation failed: the original is shown." in text
    assert "edited · rev. 2" in text
    assert text.count("Statement | The Bolivarian Republic") == 1
    assert "contra cualquier país. Para eso existe la ONU." not in text  # revision 1
    assert "edited (rev. 2)" in rendered.text


def test_posts_still_being_translated_are_shown_pending(store: Store, tmp_path: Path) -> None:
    sample = samples()[4]
    add_post(store, sample, datetime(2026, 11, 27, 12, tzinfo=UTC), ready=False)
    digest, rendered = render(store, tmp_path)
    assert digest.posts == 1 and digest.statements[0].main.status == "pending"
    assert "Translation pending" in rendered.html


HOSTILE = (
    '<script>alert("pwned")</script> Comunicado oficial '
    '<a href="javascript:alert(1)">pulse aquí</a> <img src=x onerror=alert(2)> '
    "javascript:alert(3) https://example.org/ok?a=1&b=2"
)


def test_hostile_text_and_links_come_out_inert(store: Store, tmp_path: Path) -> None:
    sample = dict(
        samples()[0],
        native_id="666",
        text=HOSTILE,
        title="<b onmouseover=x>Título</b>",
        translation='<script>alert("en")</script>',
        url="javascript:alert(4)",
    )
    sample["author"] = dict(sample["author"], url="javascript:alert(5)")
    add_post(store, sample, datetime(2026, 11, 27, 12, tzinfo=UTC))
    _, rendered = render(store, tmp_path)

    assert "<script" not in rendered.html.lower()
    assert "<img" not in rendered.html.lower()
    assert "<b onmouseover" not in rendered.html
    soup = BeautifulSoup(rendered.html, "lxml")
    assert not soup.find_all("script") and not soup.find_all("img")
    for anchor in soup.find_all("a", href=True):
        assert str(anchor["href"]).startswith(("https://", "http://", "#")), anchor
    assert not any(
        tag.attrs.get("onerror") or tag.attrs.get("onmouseover") for tag in soup.find_all(True)
    )
    text = soup.get_text(" ")
    assert '<script>alert("pwned")</script>' in text
    assert '<a href="javascript:alert(1)">pulse aquí</a>' in text
    assert [a["href"] for a in soup.find_all("a", string="https://example.org/ok?a=1&b=2")] == [
        "https://example.org/ok?a=1&b=2"
    ]


def test_linkify_and_safe_url() -> None:
    assert str(linkify("a <b>\nsee https://t.me/x/1).")) == (
        'a &lt;b&gt;<br>see <a href="https://t.me/x/1" style="color:#1d4ed8;'
        'text-decoration:underline;">https://t.me/x/1</a>).'
    )
    assert safe_url("https://x.com/a") == "https://x.com/a"
    for bad in (
        "javascript:alert(1)",
        "JaVaScRiPt:x",
        "data:text/html,x",
        "//evil.org",
        "ftp://x",
        "https://x.com/\x00",
        None,
        42,
    ):
        assert safe_url(bad) is None


def test_size_cap_shortens_long_posts_with_a_note(store: Store, tmp_path: Path) -> None:
    russian = samples()[4]
    long_text = (russian["text"] + " ") * 12
    long_translation = (russian["translation"] + " ") * 12
    for number in range(60):
        sample = dict(
            russian,
            native_id=f"MID_Russia/{30000 + number}",
            text=long_text,
            translation=long_translation,
            url=f"https://t.me/MID_Russia/{30000 + number}",
        )
        add_post(store, sample, datetime(2026, 11, 27, 12, tzinfo=UTC) + timedelta(minutes=number))
    digest, rendered = render(store, tmp_path)

    size = len(rendered.html.encode("utf-8"))
    assert size <= 100_000 < len(Renderer(None, 100_000).html(digest).encode("utf-8"))
    assert rendered.shortened == 60 and rendered.lines == rendered.attached == 0
    assert rendered.attachment is None
    soup = BeautifulSoup(rendered.html, "lxml")
    text = soup.get_text(" ", strip=True)
    assert "60 long statements were shortened" in text
    assert text.count("Read the full post") == 60
    assert size > 80_000  # shortened only as much as needed
    assert (
        rendered.text.count(long_translation.strip()) == 60
    )  # the text part keeps every post whole


def add_short_posts(store: Store, count: int) -> None:
    sample = samples()[7]
    for number in range(count):
        add_post(
            store,
            dict(
                sample,
                native_id=f"m/{number}",
                statement=None,  # each its own statement
                url=f"https://mastodon.social/@mfa_russia_en/{number}",
                text=f"Post {number}: " + "word " * 40,
            ),
            datetime(2026, 11, 27, 12, tzinfo=UTC) + timedelta(seconds=number),
        )


def test_statements_that_do_not_fit_in_full_are_one_line_with_their_link(
    store: Store, tmp_path: Path
) -> None:
    add_short_posts(store, 200)
    _, rendered = render(store, tmp_path, max_html_bytes=60_000)
    assert len(rendered.html.encode("utf-8")) <= 60_000
    assert rendered.lines > 0 and rendered.attached == 0 and rendered.attachment is None
    links = {a["href"] for a in BeautifulSoup(rendered.html, "lxml").find_all("a", href=True)}
    for number in range(200):
        assert f"https://mastodon.social/@mfa_russia_en/{number}" in links
    assert f"{rendered.lines} statements are shown as one line with its link" in rendered.html
    assert "Post 0: word word" in rendered.html and "Post 199:" in rendered.html


def test_when_even_lines_do_not_fit_the_full_digest_is_attached(
    store: Store, tmp_path: Path
) -> None:
    add_short_posts(store, 200)
    _, rendered = render(store, tmp_path, max_html_bytes=20_000)
    assert len(rendered.html.encode("utf-8")) <= 20_000
    assert rendered.attached > 0 and rendered.attachment is not None
    assert rendered.attachment_name == "digest-2026-11-28.html"
    text = BeautifulSoup(rendered.html, "lxml").get_text(" ", strip=True)
    shown = 200 - rendered.attached
    assert (
        f"This email shows {shown} of 200 statements; the full digest, every statement in full,"
        " is attached as digest-2026-11-28.html" in text
    )
    assert f"{rendered.attached} more statements are in the attached full digest" in text
    assert rendered.subject.startswith(
        "Digest 2026-11-28: 200 statements (200 posts) from 1 account "
    )
    assert "Post 199:" in rendered.attachment and "Post 199:" in rendered.text
    assert "Full digest · 2026-11-28" in rendered.attachment
    assert "This email shows" not in rendered.attachment


def test_the_web_view_is_linked_when_it_has_the_day(store: Store, tmp_path: Path) -> None:
    add_short_posts(store, 200)
    _, rendered = render(store, tmp_path, max_html_bytes=20_000)
    assert "web view" not in rendered.html  # no [web] public_url: no link

    settings = make_settings(tmp_path / "data", max_html_bytes=20_000)
    settings = settings.model_copy(
        update={"web": settings.web.model_copy(update={"public_url": "https://m.example.org"})}
    )
    digest = build_digest(settings, store, WINDOW)
    day = "https://m.example.org/?since=2026-11-27&amp;until=2026-11-28"
    assert digest.web_url == day.replace("&amp;", "&")
    rendered = Renderer(None, 20_000).render(digest)
    assert f'and is on the <a href="{day}"' in rendered.html
    assert digest.web_url in rendered.text


def test_empty_window_says_so(store: Store, tmp_path: Path) -> None:
    _, rendered = render(store, tmp_path)
    assert (
        rendered.subject
        == "Digest 2026-11-28: 0 statements (0 posts) from 0 accounts (0 translated)"
    )
    assert "No account posted during this period." in rendered.html
    assert "No account posted during this period." in rendered.text


def test_templates_can_be_overridden(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "digest.txt.j2").write_text("{{ digest.posts }} posts <kept as is>\n", "utf-8")
    seed(store)
    _, rendered = render(store, tmp_path, templates=str(folder))
    assert rendered.text == "9 posts <kept as is>\n"
    assert "Cancillería Venezuela" in rendered.html  # the packaged HTML template still applies

    (folder / "digest.html.j2").write_text("<p>{% if %}</p>", "utf-8")
    with pytest.raises(DigestConfigError, match=r"digest\.html\.j2 is invalid: .*\(line 1\)"):
        render(store, tmp_path, templates=str(folder))
    with pytest.raises(DigestConfigError, match="is not a folder"):
        render(store, tmp_path, templates=str(tmp_path / "missing"))


def test_sources_not_polled_during_the_window_are_named(store: Store, tmp_path: Path) -> None:
    seed(store)
    digest, rendered = render(store, tmp_path)
    assert [a.source for a in digest.unpolled] == ["zakharova-telegram"]
    text = BeautifulSoup(rendered.html, "lxml").get_text(" ", strip=True)
    assert "1 source was not polled during this period" in text
    assert "Every source was polled without errors" not in text
    assert "NOT POLLED" in rendered.text

    # A window shorter than the source's poll interval says nothing about it.
    short = Window(WINDOW.start, WINDOW.start + timedelta(minutes=5))
    digest, _ = render(store, tmp_path, short)
    assert digest.unpolled == ()

    # An empty but successful poll: the account is quiet, not unwatched.
    store.save_fetch(
        "zakharova-telegram",
        "telegram",
        [],
        SourceState(),
        collected_at=datetime(2026, 11, 27, 20, tzinfo=UTC),
    )
    digest, rendered = render(store, tmp_path)
    assert digest.unpolled == ()
    assert "Every source was polled without errors" in rendered.html


def test_a_post_translated_again_is_not_shown_as_edited(store: Store, tmp_path: Path) -> None:
    sample = dict(samples()[4], status="no_model")
    collected = datetime(2026, 11, 27, 12, tzinfo=UTC)
    add_post(store, sample, collected)
    assert store.requeue_untranslated("ru") == 1  # the ru model appeared: revision 2
    add_post(store, dict(sample, status="translated"), collected)
    digest, rendered = render(store, tmp_path)
    [statement] = digest.statements
    post = statement.main
    assert post.revision == 2 and post.status == "translated" and not post.edited
    assert "edited" not in rendered.html and "edited" not in rendered.text
