"""A store with posts that exercise every part of the web view, and settings for it.

One statement in three languages on three platforms, an edited post, a deleted post, a
post still being translated, and one whose every field is hostile markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.config import Settings, parse_settings
from monitor.record import (
    Author,
    Item,
    Language,
    Media,
    PostRecord,
    Translation,
    build_record,
    parse_time,
)
from monitor.sources.base import SourceState
from monitor.store import Store

SOURCES: list[dict[str, Any]] = [
    {"name": "mid-russia-telegram", "platform": "telegram", "handle": "MID_Russia"},
    {"name": "cancilleria-ve-x", "platform": "x", "handle": "CancilleriaVE", "token_env": "X"},
    {"name": "mfa-russia-en", "platform": "mastodon", "handle": "mfa_russia_en"},
    {"name": "mppre-feed", "platform": "rss", "url": "https://mppre.gob.ve/feed/"},
]

HOSTILE_TEXT = (
    'Comunicado <script>document.title="PWNED"</script> '
    "<img src=x onerror=\"document.title='PWNED'\"> "
    "<a href=\"javascript:document.title='PWNED'\">pincha</a> "
    '<iframe src="https://evil.example/"></iframe> {{ 7*7 }} {% raw %} '
    'javascript:alert(1) https://mppre.gob.ve/ok"onmouseover=alert(1) ' + "Ministerio" * 30
)


def make_settings(data_dir: Path, store: dict[str, str] | None = None, **web: Any) -> Settings:
    return parse_settings(
        {
            "monitor": {"data_dir": str(data_dir), "timezone": "America/Caracas", "health": ""},
            "store": store or {},
            "digest": {"delivery": "file"},
            "web": {"listen": "127.0.0.1:0", **web},
            "sources": SOURCES,
        },
        Path("test.toml"),
    )


def item(
    platform: str,
    native_id: str,
    text: str,
    published: str,
    *,
    handle: str = "MID_Russia",
    name: str | None = None,
    url: str | None = None,
    title: str | None = None,
    media: tuple[Media, ...] = (),
) -> Item:
    return Item(
        platform=platform,
        native_id=native_id,
        author=Author(handle, name, None),
        text=text,
        url=url,
        published_at=parse_time(published),
        title=title,
        media=media,
    )


def publish(
    store: Store,
    source: str,
    post: Item,
    collected_at: datetime,
    *,
    language: str,
    translation: str | None = None,
    statement: str | None = None,
    ready: bool = True,
) -> PostRecord:
    """Collect `post` (a new revision if its text changed), give it its statement, and with
    `ready` publish it as the pipeline would."""
    store.save_fetch(source, post.platform, [post], SourceState(), collected_at=collected_at)
    current = store.browsed_post(post.id)
    assert current is not None
    store.assign_statements([(post.id, statement or post.id)])
    status = "translated" if translation else "not_needed"
    record = build_record(
        post,
        source=source,
        revision=current.record.revision,
        collected_at=collected_at,
        language=Language(language, 0.99),
        translation=Translation(
            status, translation, language, "en", "argos" if translation else None
        ),
        statement_id=statement or post.id,
    )
    if ready:
        store.mark_ready([record])
    return record


@dataclass(frozen=True)
class Seeded:
    statement: str  # the three-language statement
    spanish: str  # its Spanish version
    edited: str
    deleted: str
    hostile: str
    pending: str


def seed(store: Store, day: str = "2026-11-27", *, hostile_post: bool = True) -> Seeded:
    at = parse_time(f"{day}T11:30:00Z")
    minutes = timedelta(minutes=1)
    ru = item(
        "telegram",
        "MID_Russia/21874",
        "Министр иностранных дел России провёл переговоры с коллегой из Венесуэлы. Стороны"
        " обсудили санкции и сотрудничество.",
        f"{day}T11:30:00Z",
        name="МИД России",
        url="https://t.me/MID_Russia/21874",
    )
    publish(
        store,
        "mid-russia-telegram",
        ru,
        at + 3 * minutes,
        language="ru",
        translation="The Russian Foreign Minister held talks with his Venezuelan colleague."
        " The sides discussed sanctions and cooperation.",
    )
    es = item(
        "x",
        "1543957912012345344",
        "El canciller de Rusia sostuvo conversaciones con su homólogo venezolano sobre las"
        " sanciones. https://mppre.gob.ve/comunicado",
        f"{day}T11:40:00Z",
        handle="CancilleriaVE",
        name="Cancillería Venezuela",
        url="https://x.com/CancilleriaVE/status/1543957912012345344",
    )
    publish(
        store,
        "cancilleria-ve-x",
        es,
        at + 13 * minutes,
        language="es",
        translation="The Russian Foreign Minister held talks with his Venezuelan counterpart"
        " about the sanctions.",
        statement=ru.id,
    )
    en = item(
        "mastodon",
        "111",
        "Russia's Foreign Minister held talks with his Venezuelan counterpart on sanctions.",
        f"{day}T11:50:00Z",
        handle="mfa_russia_en",
        url="https://mastodon.social/@mfa_russia_en/111",
    )
    publish(store, "mfa-russia-en", en, at + 23 * minutes, language="en", statement=ru.id)

    first = "La República Bolivariana de Venezuela condena las medidas coercitivas unilaterales."
    edited = item(
        "x",
        "1543990011223344556",
        first,
        f"{day}T18:20:00Z",
        handle="CancilleriaVE",
        url="https://x.com/CancilleriaVE/status/1543990011223344556",
    )
    publish(
        store,
        "cancilleria-ve-x",
        edited,
        at + 7 * 60 * minutes,
        language="es",
        translation="The Bolivarian Republic of Venezuela condemns unilateral coercive measures.",
    )
    second = item(
        "x",
        edited.native_id,
        "La República Bolivariana de Venezuela condena las medidas coercitivas unilaterales"
        " e ilegales contra cualquier nación soberana.",
        f"{day}T18:20:00Z",
        handle="CancilleriaVE",
        url=edited.url,
    )
    publish(
        store,
        "cancilleria-ve-x",
        second,
        at + 7 * 60 * minutes + 20 * minutes,
        language="es",
        translation="The Bolivarian Republic of Venezuela condemns unilateral and illegal"
        " coercive measures against any sovereign nation.",
    )

    gone = item(
        "telegram",
        "MID_Russia/21880",
        "С.В.Лавров: Применение односторонних санкций нелегитимно.",
        f"{day}T16:45:00Z",
        name="МИД России",
        url="https://t.me/MID_Russia/21880",
    )
    publish(
        store,
        "mid-russia-telegram",
        gone,
        at + 5 * 60 * minutes + 20 * minutes,
        language="ru",
        translation="S.V. Lavrov: The use of unilateral sanctions is illegitimate.",
    )
    for _ in range(2):
        store.record_recheck(
            "mid-russia-telegram", {gone.id: "missing"}, noticed_at=at + 10 * 60 * minutes
        )

    hostile = item(
        "rss",
        "mppre-feed/https://mppre.gob.ve/hostile",
        HOSTILE_TEXT,
        f"{day}T19:00:00Z",
        handle="mppre.gob.ve",
        name="MPPRE <b>bold</b><script>document.title='PWNED'</script>",
        url="javascript:document.title='PWNED'",
        title="Título <script>document.title='PWNED'</script>",
        media=(Media("photo", "javascript:alert(1)"),),
    )
    if hostile_post:
        publish(
            store,
            "mppre-feed",
            hostile,
            at + 8 * 60 * minutes,
            language="es",
            translation="Statement <img src=x onerror=\"document.title='PWNED'\"> translated",
        )
    pending = item(
        "telegram",
        "MID_Russia/21890",
        "Захарова: брифинг о текущих вопросах внешней политики.",
        f"{day}T20:00:00Z",
        name="МИД России",
        url="https://t.me/MID_Russia/21890",
    )
    publish(
        store, "mid-russia-telegram", pending, at + 9 * 60 * minutes, language="ru", ready=False
    )
    return Seeded(ru.id, es.id, edited.id, gone.id, hostile.id, pending.id)
