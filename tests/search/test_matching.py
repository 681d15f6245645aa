"""What a query finds in a store: inflections in es/ru/en, the translation, phrases, the
operators and filters, paging, and the words marked for highlighting; on both backends
(FTS5 on SQLite, the tsvector on PostgreSQL: `store_backend` in tests/support/stores.py)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from monitor.search import highlight, parse_query
from monitor.store import Store
from tests.search.support import PUBLISHED, collect, ids, item, publish
from tests.support.stores import StoreFactory


@pytest.fixture
def store(open_test_store: StoreFactory) -> Store:
    store = open_test_store()
    publish(
        store,
        item("ru1", "Министр осудил введение новых санкций против Каракаса."),
        "ru",
        "The minister condemned the introduction of new sanctions against Caracas.",
    )
    publish(
        store,
        item("es1", "La cancillería rechaza las sanciones unilaterales.", platform="x"),
        "es",
        "The foreign ministry rejects the unilateral sanctions.",
        source="cancilleria",
    )
    publish(
        store,
        item(
            "en1",
            "The embassy is negotiating a new trade agreement.",
            platform="mastodon",
            published=PUBLISHED + timedelta(days=2),
        ),
        "en",
        source="embassy",
    )
    publish(
        store,
        item(
            "es2",
            "Acuerdo energético firmado con la Unión Europea.",
            title="Comunicado de prensa",
            platform="rss",
            published=PUBLISHED - timedelta(days=3),
        ),
        "es",
        "Energy agreement signed with the European Union.",
        source="feed",
    )
    return store


def test_russian_inflections_match(store: Store) -> None:
    assert ids(store, "санкции") == ["ru1"]
    assert ids(store, "САНКЦИЯМ") == ["ru1"]
    assert ids(store, "министра") == ["ru1"]


def test_spanish_inflections_and_accents_match(store: Store) -> None:
    assert ids(store, "sanción") == ["es1"]
    assert ids(store, "sancion") == ["es1"]
    assert ids(store, "cancilleria") == ["es1"]
    assert ids(store, "energetica") == ["es2"]


def test_english_inflections_match(store: Store) -> None:
    assert ids(store, "negotiations") == ["en1"]
    assert ids(store, "agreements") == ["en1", "es2"]  # newest first; es2 by its translation


def test_english_words_match_the_translation(store: Store) -> None:
    assert ids(store, "sanction") == ["es1", "ru1"]
    assert ids(store, "condemn Caracas") == ["ru1"]
    assert ids(store, "ministry rechaza") == ["es1"]  # one word in each: both must match


def test_the_title_is_searched(store: Store) -> None:
    assert ids(store, "comunicados") == ["es2"]


def test_phrases_match_in_order_in_any_inflection(store: Store) -> None:
    assert ids(store, '"unión europea"') == ["es2"]
    assert ids(store, '"europea unión"') == []
    assert ids(store, '"sanción unilateral"') == ["es1"]
    assert ids(store, '"new trade agreements"') == ["en1"]
    assert ids(store, '"новых санкция"') == ["ru1"]
    assert ids(store, '"energy agreement"') == ["es2"]


def test_or_not_and_parentheses(store: Store) -> None:
    assert ids(store, "санкции OR negotiating") == ["en1", "ru1"]
    assert ids(store, "sanctions -cancillería") == ["ru1"]
    assert ids(store, "sanctions NOT (Caracas OR embassy)") == ["es1"]
    assert ids(store, "(sanciones OR acuerdo) -comunicado") == ["es1"]
    assert ids(store, "new -(trade agreement)") == ["ru1"]


def test_filters(store: Store) -> None:
    assert ids(store, "sanctions lang:ru") == ["ru1"]
    assert ids(store, "sanctions lang:ru lang:es") == ["es1", "ru1"]
    assert ids(store, "lang:es") == ["es1", "es2"]
    assert ids(store, "sanctions platform:x") == ["es1"]
    assert ids(store, "platform:rss") == ["es2"]
    assert ids(store, "account:embassy") == ["en1"]
    assert ids(store, "account:unknown") == []
    assert ids(store, "-sanctions lang:es") == ["es2"]


def test_date_filters_take_whole_days_in_the_zone(store: Store) -> None:
    day = PUBLISHED.date()
    assert ids(store, f"since:{day}") == ["en1", "es1", "ru1"]
    assert ids(store, f"until:{day - timedelta(days=1)}") == ["es2"]
    assert ids(store, f"since:{day + timedelta(days=1)} until:{day + timedelta(days=2)}") == ["en1"]
    assert ids(store, f"-sanctions since:{day}") == ["en1"]
    # 12:00 UTC on the 5th is 21:00 on the 5th in Tokyo, 00:00 on the 6th in Kiritimati.
    zone = ZoneInfo("Pacific/Kiritimati")
    assert ids(store, f"sanctions until:{day}", zone=zone) == []
    assert ids(store, f"sanctions since:{day + timedelta(days=1)}", zone=zone) == ["es1", "ru1"]


def test_newest_first_with_total_limit_and_offset(store: Store) -> None:
    everything = store.search(parse_query("lang:es lang:ru lang:en"), limit=10)
    assert [r.id.split(":")[1] for r in everything.records] == ["en1", "es1", "ru1", "es2"]
    assert everything.total == 4
    page = store.search(parse_query("lang:es lang:ru lang:en"), limit=2, offset=1)
    assert [r.id.split(":")[1] for r in page.records] == ["es1", "ru1"] and page.total == 4
    assert store.search(parse_query("lang:es lang:ru lang:en"), limit=2, offset=9).records == ()


def test_results_are_monitor_post_records(store: Store) -> None:
    (record,) = store.search(parse_query("cancillería")).records
    data = record.as_dict()
    assert data["schema"] == "monitor.post/1" and data["id"] == "x:es1"
    assert data["language"]["code"] == "es"
    assert data["translation"]["text"] == "The foreign ministry rejects the unilateral sanctions."
    assert data["source"] == "cancilleria"


def test_a_collected_post_is_found_before_detection_by_its_words(backend_store: Store) -> None:
    store = backend_store
    collect(store, item("new", "Declaración conjunta sobre cooperación"))
    assert ids(store, "DECLARACION") == ["new"]  # any case and accents
    assert ids(store, "cooperar") == []  # inflections once the language is known
    (record,) = store.search(parse_query("cooperación")).records
    assert record.translation.status == "pending"


def test_a_detected_post_matches_inflections_while_its_translation_waits(
    backend_store: Store,
) -> None:
    store = backend_store
    collect(store, item("wait", "Declaración conjunta sobre cooperación"))
    store.mark_detected([("translating", "telegram:wait", 1, "es", 0.98)])
    assert ids(store, "cooperar") == ["wait"]
    assert ids(store, "cooperar lang:es") == ["wait"]


def test_highlight_marks_the_matched_words_as_written(store: Store) -> None:
    found = store.search(parse_query('sanción "unión europea" -x'))
    assert found.terms >= {"sancion", "union", "europe"}
    text = "Las Sanciones y la Unión Europea: sanción."
    segments = highlight(text, "es", found.terms)
    assert "".join(part for part, _ in segments) == text
    assert [part for part, matched in segments if matched] == [
        "Sanciones",
        "Unión",
        "Europea",
        "sanción",
    ]
    english = highlight("New sanctions against", "en", store.search(parse_query("sanction")).terms)
    assert english == [("New ", False), ("sanctions", True), (" against", False)]
    russian = highlight("Новых санкций нет", "ru", store.search(parse_query("санкции")).terms)
    assert [part for part, matched in russian if matched] == ["санкций"]


def test_highlight_without_terms_or_matches_is_the_text() -> None:
    assert highlight("texto", "es", frozenset()) == [("texto", False)]
    assert highlight("texto", "es", frozenset({"otro"})) == [("texto", False)]
    assert highlight("", "es", frozenset({"otro"})) == []
