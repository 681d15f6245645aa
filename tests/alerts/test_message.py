"""An alert message: translation first, matches marked, hostile text inert, links checked."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.alerts.message import AlertItem, render
from monitor.record import Author, Item, Language, Translation, build_record
from monitor.search import compile_query, parse_query

AT = datetime(2031, 6, 1, 9, 30, tzinfo=UTC)


def record(native: str, text: str, url: str | None, platform: str = "telegram") -> object:
    item = Item(
        platform=platform,
        native_id=native,
        author=Author("tv"),
        text=text,
        url=url,
        published_at=AT,
    )
    return build_record(
        item,
        source=f"tv-{platform}",
        revision=1,
        collected_at=AT,
        language=Language("es", 0.99),
        translation=Translation("translated", "<b>New</b> sanctions rejected", "es", "en"),
        statement_id="telegram:tv/1",
    )


def test_translation_first_matches_marked_and_hostile_text_inert() -> None:
    main = record("tv/1", 'Rechazo a las sanciones <script>alert("x")</script>', "javascript:x")
    copy = record("9", "Rechazo a las sanciones", "https://x.example/9", platform="x")
    terms = compile_query(parse_query("sanción OR sanctions")).terms
    rendered = render(
        "sanctions",
        [AlertItem("new", main, (main, copy))],  # type: ignore[arg-type]
        terms,
        UTC,
        "https://monitor.example/",
    )
    text = rendered.text
    assert text.index("*sanctions*") < text.index("Original:") < text.index("*sanciones*")
    assert "Also on: x tv-x (es) https://x.example/9" in text
    assert "Statement: https://monitor.example/statements/telegram:tv%2F1" in text
    assert "<script>" not in rendered.html and "&lt;script&gt;" in rendered.html
    assert "&lt;b&gt;New&lt;/b&gt; <mark>sanctions</mark>" in rendered.html
    assert "javascript:" not in rendered.html and "javascript:" not in text
    assert rendered.subject.startswith("[sanctions] tv-telegram: <b>New</b> sanctions")
