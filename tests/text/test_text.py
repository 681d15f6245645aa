"""HTML to clean text, and links, hashtags and mentions in plain text."""

from __future__ import annotations

from monitor.text.entities import find_hashtags, find_links, find_mentions
from monitor.text.html import html_to_text, links_in_html, normalize_text


def test_paragraphs_breaks_and_entities_become_clean_nfc_text() -> None:
    markup = (
        "<p>Caracas,&nbsp;4 de julio.</p><p>El canciller <b>Carlos Faría</b><br/>"
        "se reunió con Lavrov.<script>alert(1)</script></p>"
    )
    assert html_to_text(markup) == (
        "Caracas, 4 de julio.\n\nEl canciller Carlos Faría\nse reunió con Lavrov."
    )
    assert html_to_text("Cancilleri\u0301a") == "Cancillería"  # NFC


def test_full_urls_replace_shortened_link_text_only() -> None:
    markup = (
        '<a href="https://mid.ru/ru/foreign_policy/news/1820474/">mid.ru/ru/foreign_pol…</a> '
        '<a href="https://mid.ru/">сайт МИД</a> <a href="https://t.me/Fariacrt">@Fariacrt</a>'
    )
    assert html_to_text(markup, full_urls=True) == (
        "https://mid.ru/ru/foreign_policy/news/1820474/ сайт МИД @Fariacrt"
    )
    assert html_to_text(markup).startswith("mid.ru/ru/foreign_pol…")
    assert links_in_html(markup) == (
        "https://mid.ru/ru/foreign_policy/news/1820474/",
        "https://mid.ru/",
        "https://t.me/Fariacrt",
    )


def test_normalize_text_trims_and_collapses() -> None:
    assert normalize_text("  a\u200b b \n\n\n\n c  ") == "a b\n\nc"


def test_entities_in_spanish_and_russian_text() -> None:
    text = (
        "#EnFotos | Los Cancilleres de Venezuela, @Fariacrt y Rusia en #Moscú "
        "https://mppre.gob.ve/2022/07/04/nota/. #РоссияВенесуэла @MID_Russia #2022"
    )
    assert find_links(text) == ("https://mppre.gob.ve/2022/07/04/nota/",)
    assert find_hashtags(text) == ("EnFotos", "Moscú", "РоссияВенесуэла")
    assert find_mentions(text) == ("Fariacrt", "MID_Russia")
    assert find_links("pic.twitter.com/DyWcvZOoMh") == ("https://pic.twitter.com/DyWcvZOoMh",)
