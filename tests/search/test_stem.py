"""Normalisation, tokens and stems: the same steps for indexed texts and query words."""

from __future__ import annotations

from monitor.search.index import EVERY_POST, account_tag, compile_query, document
from monitor.search.query import parse_query
from monitor.search.stem import analyse, normalise, tokens, word_forms


def test_normalise_folds_case_and_latin_accents_and_yo() -> None:
    assert normalise("Sanción ÁÉÍÓÚ Ñandú Ça") == "sancion aeiou nandu ca"
    assert normalise("Ёлки ПРОВЁЛ") == "елки провел"
    assert normalise("йод") == "йод"  # й is a letter of its own, not и with a mark
    assert normalise("İstanbul Straße") == "istanbul strasse"
    assert normalise("Sancio\u0301n") == "sancion"  # decomposed input too


def test_tokens_are_runs_of_letters_and_digits() -> None:
    assert tokens("U.S.-Venezuela talks, 2026 (#Caracas) e_mail") == [
        "u",
        "s",
        "venezuela",
        "talks",
        "2026",
        "caracas",
        "e",
        "mail",
    ]


def test_each_language_has_its_stemmer_and_others_stay_unstemmed() -> None:
    assert analyse("Las sanciones económicas", "es") == ["las", "sancion", "econom"]
    assert analyse("Новых санкций", "ru") == ["нов", "санкц"]
    assert analyse("The sanctioned ministries", "en") == ["the", "sanction", "ministri"]
    assert analyse("As sanções", "pt") == ["as", "sancoes"]
    assert analyse("Las sanciones", None) == ["las", "sanciones"]


def test_a_query_word_takes_every_form_it_can_have_in_the_index() -> None:
    assert set(word_forms("sanciones")) == {"sancion", "sanciones"}
    assert set(word_forms("санкции")) == {"санкц", "санкции"}
    assert set(word_forms("ministries")) >= {"ministri", "ministries"}


def test_documents_carry_filter_tags() -> None:
    doc = document(
        title="Comunicado",
        text="Sanciones",
        language="es",
        translation="Sanctions",
        translation_language="en",
        platform="rss",
        source="feed",
    )
    assert doc.original == "comunic sancion" and doc.translation == "sanction"
    assert doc.tags.split() == [EVERY_POST, "_prss", account_tag("feed"), "_les"]
    assert account_tag("a b") != account_tag("a-b")


def test_compiled_queries_quote_every_term() -> None:
    match = compile_query(parse_query('"a b" OR c -d lang:es'))
    assert match.expression == '("_les" AND ("a b" OR "c")) NOT ("d")'
    assert match.terms == {"a", "b", "c"}
    assert compile_query(parse_query("since:2026-01-01")).expression == '"_a"'
    assert compile_query(parse_query("-x since:2026-01-01")).expression == '"_a" NOT ("x")'
