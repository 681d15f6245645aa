"""The plain-text part has a size cap too, and says what it shortened or left out."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from monitor.digest.commands import digest_send
from monitor.record import Language, Translation, build_record
from monitor.sources.base import SourceState
from monitor.store import Store
from tests.digest.support import add_post, item_of, make_settings, samples

NOON = datetime(2026, 11, 27, 16, tzinfo=UTC)  # 12:00 in Caracas
SENTENCE = "La Cancillería rechaza las sanciones unilaterales contra el pueblo venezolano. "


def add_huge_post(store: Store, characters: int) -> None:
    """A post of `characters` characters, stored with the ingestion cap raised above it."""
    sample = dict(samples()[0], native_id="huge/1", url="https://x.com/CancilleriaVE/status/1")
    text = (SENTENCE * (characters // len(SENTENCE) + 1))[:characters]
    item = item_of(sample, text)
    store.save_fetch(
        sample["source"], "x", [item], SourceState(), collected_at=NOON, max_text=characters
    )
    record = build_record(
        item,
        source=sample["source"],
        revision=1,
        collected_at=NOON,
        language=Language("es", 0.99),
        translation=Translation("no_model", source="es", target="en"),
    )
    store.mark_ready([record])


def sent_message(data: Path) -> tuple[EmailMessage, int]:
    [eml] = (data / "digests").glob("*.eml")
    raw = eml.read_bytes()
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return message, len(raw)


def text_part(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def test_a_1_mb_post_leaves_the_text_part_under_its_cap(store: Store, tmp_path: Path) -> None:
    data = tmp_path / "data"
    add_huge_post(store, 1_000_000)
    settings = make_settings(data)
    assert digest_send(settings, store, date(2026, 11, 27)) == 0

    message, size = sent_message(data)
    text = text_part(message)
    assert len(text.encode("utf-8")) <= settings.digest.max_text_bytes
    assert "1 long statement was shortened" in text
    assert "Shortened: the full post is at the link below." in text
    assert "https://x.com/CancilleriaVE/status/1" in text
    assert text.count(SENTENCE) > 1000  # shortened only as much as needed
    assert size < 2 * (settings.digest.max_text_bytes + settings.digest.max_html_bytes)


def test_when_the_text_part_cannot_hold_every_statement_the_full_digest_is_attached(
    store: Store, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    sample = dict(samples()[7], statement=None)
    for number in range(300):
        add_post(
            store,
            dict(sample, native_id=f"m/{number}", text=f"Post {number}: " + "word " * 40),
            NOON + timedelta(seconds=number),
        )
    settings = make_settings(data, max_html_bytes=20_000, max_text_bytes=20_000)
    assert digest_send(settings, store, date(2026, 11, 27)) == 0

    message, _ = sent_message(data)
    text = text_part(message)
    assert len(text.encode("utf-8")) <= 20_000
    assert "Post 0:" in text and "Post 299:" not in text
    assert "more statements are in the attached full digest, digest-2026-11-27.html" in text
    html = message.get_body(("html",))
    assert html is not None
    assert "is attached as digest-2026-11-27.html" in str(html.get_content())
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "digest-2026-11-27.html"
    assert "Post 299:" in str(attachment.get_content())
