from __future__ import annotations

from pathlib import Path

from monitor.translate.protect import find_entities, placeholder, protect, restore

TESTDATA = Path(__file__).parent / "testdata"


def test_edge_entities_are_left_out_and_inline_ones_become_placeholders() -> None:
    post = (TESTDATA / "posts_es.txt").read_text(encoding="utf-8").splitlines()[1]
    result = protect(post)
    assert result.prefix == "#EnFotos |"
    assert result.suffix == "pic.twitter.com/DyWcvZOoMh"
    assert result.entities == ("@Fariacrt", "#Moscú", "🇻🇪🤝🏾🇷🇺")
    assert result.core.startswith("Los Cancilleres de Venezuela, " + placeholder(0) + " y la")
    assert "@" not in result.core and "#" not in result.core and "http" not in result.core


def test_trailing_url_and_emoji_are_a_suffix() -> None:
    result = protect("Lea más: https://mid.ru/ru/foreign_policy/news/1820000/ 🇷🇺")
    assert (result.prefix, result.core, result.suffix) == (
        "",
        "Lea más:",
        "https://mid.ru/ru/foreign_policy/news/1820000/ 🇷🇺",
    )
    assert result.space_before_suffix


def test_a_sentence_made_only_of_entities_is_not_translated() -> None:
    result = protect("#РоссияВенесуэла 🇷🇺🇻🇪")
    assert result.core == "" and result.prefix == "#РоссияВенесуэла 🇷🇺🇻🇪"


def test_url_punctuation_mentions_and_emails() -> None:
    text = (
        "Ver (https://es.wikipedia.org/wiki/Caracas_(ciudad))."
        " Escriba a prensa@mppre.gob.ve o @b@mastodon.social."
    )
    entities = [text[s:e] for s, e in find_entities(text)]
    assert entities == ["https://es.wikipedia.org/wiki/Caracas_(ciudad)", "@b@mastodon.social"]


def test_restore_puts_entities_back_and_appends_dropped_ones() -> None:
    result = protect("Hablamos con @Fariacrt sobre #Venezuela hoy en Moscú.")
    translated = f"We spoke with {placeholder(0)} today in Moscow."
    assert (
        restore(translated, result.entities)
        == "We spoke with @Fariacrt today in Moscow. #Venezuela"
    )
    assert restore(f"{placeholder(1)} {placeholder(1)} {placeholder(7)}", result.entities) == (
        "#Venezuela @Fariacrt"
    )


def test_placeholders_already_in_the_input_are_removed() -> None:
    assert protect("Hola " + placeholder(0) + " mundo.").entities == ()
    assert placeholder(0) not in protect("Hola " + placeholder(0) + " mundo.").core
