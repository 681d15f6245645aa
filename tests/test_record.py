"""The typed `monitor.post/1` record: built once, and its JSON exactly the published shape."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

import jsonschema
import pytest

from monitor.record import (
    Author,
    Item,
    Language,
    Media,
    PostRecord,
    Refs,
    Translation,
    build_record,
    json_schema,
)

COLLECTED = datetime(2026, 11, 27, 12, 0, 5, 250_000, tzinfo=UTC)


def _item(**changes: object) -> Item:
    item = Item(
        platform="x",
        native_id="42",
        author=Author("ministerio", name="Ministerio", url="https://x.example/ministerio"),
        text="Año nuevo «ñ» 🚀",
        url="https://x.example/ministerio/42",
        published_at=datetime(2026, 11, 27, 11, 59, tzinfo=UTC),
        kind="quote",
        links=("https://a.example/1",),
        hashtags=("uno",),
        mentions=("dos",),
        media=(Media("image", "https://m.example/1.jpg"),),
        refs=Refs(quote_of="x:41"),
    )
    return dataclasses.replace(item, **changes)  # type: ignore[arg-type]


def _record(item: Item, **changes: object) -> PostRecord:
    arguments: dict[str, object] = {
        "source": "mfa",
        "revision": 2,
        "collected_at": COLLECTED,
        "language": Language("es", 0.987654321),
        "translation": Translation(
            "translated", text="New year", source="es", target="en", engine="argos", model="m-1"
        ),
    }
    arguments.update(changes)
    return build_record(item, **arguments)  # type: ignore[arg-type]


def test_the_json_is_the_published_shape_key_for_key() -> None:
    record = _record(_item())
    expected = (
        '{"schema":"monitor.post/1","id":"x:42","revision":2,"platform":"x","source":"mfa",'
        '"author":{"handle":"ministerio","name":"Ministerio",'
        '"url":"https://x.example/ministerio"},"url":"https://x.example/ministerio/42",'
        '"published_at":"2026-11-27T11:59:00Z","collected_at":"2026-11-27T12:00:05Z",'
        '"kind":"quote","title":null,"text":"Año nuevo «ñ» 🚀","truncated":false,'
        '"language":{"code":"es","confidence":0.9877,"detector":"langdetect+rules"},'
        '"translation":{"status":"translated","text":"New year","from":"es","to":"en",'
        '"engine":"argos","model":"m-1"},"links":["https://a.example/1"],"hashtags":["uno"],'
        '"mentions":["dos"],"media":[{"type":"image","url":"https://m.example/1.jpg"}],'
        '"refs":{"reply_to":null,"repost_of":null,"quote_of":"x:41"},'
        f'"content_hash":"{_item().content_hash}","statement_id":"x:42","deleted_at":null}}'
    )
    assert record.to_json() == expected
    assert json.dumps(record.as_dict(), ensure_ascii=False, separators=(",", ":")) == expected
    jsonschema.validate(record.as_dict(), json_schema())


def test_missing_values_are_null_and_the_collection_time_stands_in_for_publication() -> None:
    item = Item(platform="rss", native_id="feed/1", author=Author("feed"), text="hola")
    data = _record(
        item,
        revision=1,
        translation=Translation("translated", text=None, source="es"),
        deleted_at=datetime(2026, 11, 28, tzinfo=UTC),
    ).as_dict()
    assert data["published_at"] == data["collected_at"] == "2026-11-27T12:00:05Z"
    assert data["author"] == {"handle": "feed", "name": None, "url": None}
    assert data["refs"] == {"reply_to": None, "repost_of": None, "quote_of": None}
    assert (data["links"], data["media"], data["url"], data["title"]) == ([], [], None, None)
    assert data["deleted_at"] == "2026-11-28T00:00:00Z"
    assert data["translation"]["to"] is None


def test_a_record_reads_back_from_its_json_unchanged() -> None:
    for record in (
        _record(_item()),
        _record(_item(truncated=True), deleted_at=datetime(2026, 11, 28, 1, tzinfo=UTC)),
        _record(_item(), translation=Translation("no_model", source="es", target="en")),
    ):
        again = PostRecord.from_json(record.to_json())
        assert again.to_json() == record.to_json()
        assert again.message_id == record.message_id == "x:42#2"


def test_the_record_is_frozen() -> None:
    record = _record(_item())
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.revision = 3  # type: ignore[misc]
    assert record.language.confidence == 0.9877
