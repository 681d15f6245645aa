"""A heavy day (1,000 posts, 50 accounts, 400 statements) loses nothing: the HTML body stays
under 100 KB and shows every deleted and edited statement in full, and the body plus the
attached full digest hold every statement and every version's link."""

from __future__ import annotations

from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from monitor.digest.build import build_digest
from monitor.digest.commands import digest_send
from monitor.digest.model import Digest
from monitor.digest.render import Rendered, Renderer
from monitor.store import Store
from tests.digest.heavy_day import WINDOW, HeavyDay, generate, settings, store_day

MAX_HTML = 100_000


@pytest.fixture(scope="module")
def heavy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Store, HeavyDay]]:
    data = tmp_path_factory.mktemp("heavy") / "data"
    store = Store.open(data)
    day = generate()
    store_day(store, day)
    try:
        yield data, store, day
    finally:
        store.close()


def render(heavy: tuple[Path, Store, HeavyDay], **caps: int) -> tuple[Digest, Rendered]:
    data, store, _ = heavy
    config = settings(data, **caps)
    digest = build_digest(config, store, WINDOW)
    caps_ = config.digest
    renderer = Renderer(None, caps_.max_html_bytes, caps_.max_text_bytes)
    return digest, renderer.render(digest)


def urls(html: str) -> set[str]:
    return {str(a["href"]) for a in BeautifulSoup(html, "lxml").find_all("a", href=True)}


def full_entries(html: str) -> set[str]:
    """The posts whose statement the HTML shows in full (its "Open post" or "Read the full
    post" link), not as one line."""
    soup = BeautifulSoup(html, "lxml")
    return {str(a["href"]) for a in soup.find_all("a", href=True) if "post →" in a.get_text()}


def test_the_generated_day_is_as_heavy_as_asked(heavy: tuple[Path, Store, HeavyDay]) -> None:
    _, _, day = heavy
    digest, rendered = render(heavy)
    assert day.posts == digest.posts == 1000
    assert len(digest.statements) == len(day.statements) == 400
    assert digest.active_accounts == 50
    assert {len(s.languages) for s in digest.statements} == {1, 2}  # two-language statements
    assert digest.edited == len(day.edited) == 20
    assert sum(1 for s in digest.statements if s.deleted) == len(day.deleted) == 16
    assert rendered.subject == (
        "Digest 2026-11-27: 400 statements (1000 posts) from 50 accounts"
        f" ({digest.translated} translated, 16 deleted)"
    )


def test_the_body_stays_under_100_kb_and_the_attachment_covers_every_statement(
    heavy: tuple[Path, Store, HeavyDay],
) -> None:
    _, _, day = heavy
    digest, rendered = render(heavy)
    body = len(rendered.html.encode("utf-8"))
    assert body < MAX_HTML
    assert rendered.attachment is not None and rendered.attachment_name == "digest-2026-11-27.html"
    attachment = len(rendered.attachment.encode("utf-8"))
    in_body, attached = urls(rendered.html), urls(rendered.attachment)
    in_full = full_entries(rendered.attachment)

    covered = 0
    for statement in digest.statements:
        links = {v.url for v in statement.versions}
        assert statement.url in in_body | attached, statement.id
        covered += statement.url in in_body | attached
        # The full digest has every statement in full, with a link to every version.
        assert links <= attached, statement.id
        assert statement.url in in_full
    assert covered == len(day.statements)
    whole = len(digest.statements) - rendered.attached - rendered.lines
    print(
        f"\nheavy day: HTML body {body:,} bytes, attachment {attachment:,} bytes, text part"
        f" {len(rendered.text.encode('utf-8')):,} bytes; the body holds {whole} statements in"
        f" full ({rendered.shortened} shortened) and {rendered.lines} as one line, the attachment"
        f" all {len(digest.statements)}; coverage {covered}/{len(day.statements)}"
    )
    text = BeautifulSoup(rendered.html, "lxml").get_text(" ", strip=True)
    assert (
        f"This email shows {len(digest.statements) - rendered.attached} of 400 statements; the full"
        " digest, every statement in full, is attached as digest-2026-11-27.html" in text
    )
    assert f"{rendered.attached} more statements are in the attached full digest" in text


def test_the_body_shows_every_deleted_and_edited_statement_in_full(
    heavy: tuple[Path, Store, HeavyDay],
) -> None:
    _, _, day = heavy
    digest, rendered = render(heavy)
    changed = [s for s in digest.statements if s.tier == "changed"]
    assert len(changed) == len(day.edited | day.deleted)
    full = full_entries(rendered.html)
    for statement in changed:
        assert statement.main.url in full, statement.id
    soup = BeautifulSoup(rendered.html, "lxml")
    # Every edit's diff, and every deletion, under "Deleted and edited".
    assert len(soup.find_all("ins")) >= len(day.edited)
    text = soup.get_text(" ", strip=True)
    assert "Deleted: 16 posts noticed deleted during this period" in text
    deleted_marks = text.count("deleted · noticed") + text.count("(deleted, noticed")
    assert deleted_marks >= len(day.deleted)
    # They come first: whatever else the body holds comes after them.
    first = text.index("Deleted and edited · 36")
    assert first < text.index("more statements are in the attached full digest")
    assert "Translated statements" not in text[:first]


def test_the_text_part_follows_the_same_rule_under_its_own_cap(
    heavy: tuple[Path, Store, HeavyDay],
) -> None:
    digest, whole = render(heavy)
    assert whole.text_attached == 0  # the default 1 MB holds the whole day as text
    for statement in digest.statements:
        assert str(statement.url) in whole.text

    digest, rendered = render(heavy, max_text_bytes=60_000)
    assert len(rendered.text.encode("utf-8")) <= 60_000
    assert rendered.text_attached > 0 and rendered.attachment is not None
    assert "the full digest, every statement in full, is attached as digest-2026-11-27.html" in (
        rendered.text
    )
    attached = urls(rendered.attachment)
    for statement in digest.statements:
        if statement.tier == "changed":
            assert str(statement.main.url) in rendered.text
        assert str(statement.url) in rendered.text or statement.url in attached


def test_the_sent_message_carries_the_full_digest_as_an_attachment(
    heavy: tuple[Path, Store, HeavyDay], tmp_path: Path
) -> None:
    _, store, _ = heavy
    out = tmp_path / "out"
    config = settings(tmp_path / "data", out_dir=str(out))
    assert digest_send(config, store, WINDOW.start.date()) == 0
    [eml] = out.glob("*.eml")
    message = BytesParser(policy=policy.default).parsebytes(eml.read_bytes())
    assert isinstance(message, EmailMessage)
    assert message.get_content_type() == "multipart/mixed"
    html = message.get_body(("html",))
    assert html is not None and len(str(html.get_content()).encode("utf-8")) < MAX_HTML
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "digest-2026-11-27.html"
    assert attachment.get_content_type() == "text/html"
    assert "Full digest · 2026-11-27" in str(attachment.get_content())
    # The browser copy next to the .eml is the full digest.
    [page] = out.glob("*.html")
    assert "Full digest · 2026-11-27" in page.read_text("utf-8")
