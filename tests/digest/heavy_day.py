"""A generated heavy day: 1,000 posts from 50 accounts, about 400 statements, stored through
the store's own methods (save_fetch, assign_statements, mark_ready, record_recheck).

Ten organisations with five accounts each (Telegram, X, Mastodon, Bluesky, a website feed).
Each statement has 1 to 4 versions (100 statements of each size): the website body is the
longest, the Telegram copy whole, the X copy cut with an ellipsis, Mastodon and Bluesky the
first sentences. Four organisations publish in two languages (an English account beside the
Russian or Spanish ones). Every 20th statement is edited, every 25th loses a version.
The texts are made here from a small bilingual phrase book, sentence by sentence, so a
translation says what its original says.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.config import Settings, parse_settings
from monitor.record import Author, Item, Language, PostRecord, Translation, build_record
from monitor.sources.base import SourceState
from monitor.state import Window
from monitor.store import Store

DAY = datetime(2026, 11, 27, tzinfo=UTC)
WINDOW = Window(DAY, DAY + timedelta(days=1))
PLATFORMS = ("telegram", "x", "rss", "mastodon", "bluesky")
# (name, language of its accounts, the platform of its English account if it has one)
ORGANISATIONS = (
    ("mid-russia", "ru", "mastodon"),
    ("mfa-belarus", "ru", "bluesky"),
    ("mid-kazakhstan", "ru", None),
    ("mid-kyrgyzstan", "ru", None),
    ("mppre-venezuela", "es", "bluesky"),
    ("minrex-cuba", "es", "mastodon"),
    ("cancilleria-nicaragua", "es", None),
    ("cancilleria-bolivia", "es", None),
    ("dfa-southafrica", "en", None),
    ("mea-india", "en", None),
)
# Concepts, each in English, Spanish and Russian: a sentence is a sequence of them.
PHRASES = (
    ("the minister", "el ministro", "министр"),
    ("held talks with", "sostuvo conversaciones con", "провёл переговоры с"),
    ("his counterpart", "su homólogo", "своим коллегой"),
    ("in the capital", "en la capital", "в столице"),
    ("on bilateral cooperation", "sobre la cooperación bilateral", "о двустороннем сотрудничестве"),
    ("the parties discussed", "las partes abordaron", "стороны обсудили"),
    ("energy projects", "los proyectos energéticos", "энергетические проекты"),
    ("trade and investment", "el comercio y la inversión", "торговлю и инвестиции"),
    ("the ministry condemns", "el ministerio condena", "министерство осуждает"),
    ("the unilateral sanctions", "las sanciones unilaterales", "односторонние санкции"),
    ("against the people", "contra el pueblo", "против народа"),
    (
        "in violation of international law",
        "en violación del derecho internacional",
        "в нарушение международного права",
    ),
    ("the embassy informs", "la embajada informa", "посольство сообщает"),
    (
        "citizens travelling abroad",
        "a los ciudadanos que viajan al exterior",
        "гражданам, выезжающим за рубеж",
    ),
    (
        "about the new consular rules",
        "sobre las nuevas normas consulares",
        "о новых консульских правилах",
    ),
    ("the spokeswoman said", "la portavoz declaró", "официальный представитель заявила"),
    ("at the weekly briefing", "en la rueda de prensa semanal", "на еженедельном брифинге"),
    ("that the delegation", "que la delegación", "что делегация"),
    ("will take part in", "participará en", "примет участие в"),
    ("the regional summit", "la cumbre regional", "региональном саммите"),
    ("on humanitarian aid", "sobre la ayuda humanitaria", "по гуманитарной помощи"),
    ("the agreement signed today", "el acuerdo firmado hoy", "подписанное сегодня соглашение"),
    ("strengthens the partnership", "fortalece la asociación", "укрепляет партнёрство"),
    ("between both nations", "entre ambas naciones", "между двумя странами"),
    ("in the fields of", "en los ámbitos de", "в области"),
    ("education and culture", "la educación y la cultura", "образования и культуры"),
    ("health and science", "la salud y la ciencia", "здравоохранения и науки"),
    ("the ambassador presented", "el embajador presentó", "посол вручил"),
    ("his credentials", "sus cartas credenciales", "верительные грамоты"),
    ("to the president", "al presidente", "президенту"),
)
WORDS = {"en": 0, "es": 1, "ru": 2}
PATTERNS = (
    (0, 1, 2, 3, 4),
    (5, 6, 7, 4),
    (8, 9, 10, 11),
    (12, 13, 14),
    (15, 16, 17, 18, 19),
    (15, 16, 17, 18, 20),
    (21, 22, 23, 24, 25),
    (21, 22, 23, 24, 26),
    (27, 28, 29),
)
YEAR_WORDS = {"en": "in {n}", "es": "en {n}", "ru": "в {n} году"}


def sentences(rng: random.Random, count: int) -> list[tuple[tuple[int, ...], int]]:
    return [(rng.choice(PATTERNS), rng.randint(1990, 2030)) for _ in range(count)]


def realise(plan: list[tuple[tuple[int, ...], int]], language: str) -> str:
    index = WORDS[language]
    out = []
    for concepts, year in plan:
        words = " ".join(PHRASES[c][index] for c in concepts)
        out.append(f"{words[0].upper()}{words[1:]} {YEAR_WORDS[language].format(n=year)}.")
    return " ".join(out)


def cut(text: str, limit: int) -> str:
    """An X-style truncation: the first `limit` characters at a word, then an ellipsis."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


@dataclass
class Version:
    statement: str
    source: str
    platform: str
    item: Item
    language: str
    english: str | None  # the translation, for a version not in English
    records: list[PostRecord] = field(default_factory=list)


@dataclass
class HeavyDay:
    versions: list[Version]
    statements: dict[str, list[Version]]
    edited: set[str]  # statement ids
    deleted: set[str]

    @property
    def posts(self) -> int:
        return len(self.versions)


def account(org: str, platform: str) -> str:
    return f"{org}-{platform}"


def source_config(org: str, platform: str) -> dict[str, Any]:
    name = account(org, platform)
    config: dict[str, Any] = {"name": name, "platform": platform}
    if platform == "rss":
        config["url"] = f"https://{org}.example.org/feed/"
    else:
        config["handle"] = name.replace("-", "_")
    if platform == "x":
        config["token_env"] = "X_TOKEN"
    return config


def settings(data: Path, **digest: Any) -> Settings:
    sources = [
        source_config(org, platform) for org, _, _ in ORGANISATIONS for platform in PLATFORMS
    ]
    return parse_settings(
        {
            "monitor": {"data_dir": str(data), "timezone": "UTC"},
            "digest": {"delivery": "file", "to": ["analysts@example.org"], **digest},
            "sources": sources,
        },
        Path("heavy.toml"),
    )


def _url(org: str, platform: str, number: int) -> str:
    handle = account(org, platform).replace("-", "_")
    return {
        "telegram": f"https://t.me/{handle}/{number}",
        "x": f"https://x.com/{handle}/status/{number}",
        "mastodon": f"https://mastodon.example/@{handle}/{number}",
        "bluesky": f"https://bsky.app/profile/{handle}.bsky.social/post/{number}",
        "rss": f"https://{org}.example.org/news/{number}/",
    }[platform]


def generate(statements: int = 400, seed: int = 20261127) -> HeavyDay:
    rng = random.Random(seed)
    versions: list[Version] = []
    by_statement: dict[str, list[Version]] = {}
    edited: set[str] = set()
    deleted: set[str] = set()
    for number in range(statements):
        org, language, english_on = ORGANISATIONS[number % len(ORGANISATIONS)]
        count = 1 + (number * 7) % 4
        plan = sentences(rng, rng.randint(3, 9))
        published = DAY + timedelta(minutes=number * 3.5 + 1)
        chosen = [PLATFORMS[(number // 10 + k) % len(PLATFORMS)] for k in range(count)]
        statement = ""
        for k, platform in enumerate(chosen):
            own = "en" if platform == english_on else language
            body = realise(plan, own)
            text = {
                "rss": body + " " + realise(sentences(rng, 2), own),
                "telegram": body,
                "x": cut(body, 240),
                "mastodon": cut(body, 450),
                "bluesky": cut(body, 280),
            }[platform]
            post_number = 100_000 + number * 10 + k
            item = Item(
                platform=platform,
                native_id=f"{org}/{post_number}",
                author=Author(
                    account(org, platform).replace("-", "_"), f"{org} ({platform})", None
                ),
                text=text,
                url=_url(org, platform, post_number),
                published_at=published + timedelta(minutes=k * 4),
                title=realise(plan[:1], own)[:90] if platform == "rss" else None,
            )
            statement = statement or item.id
            english = None if own == "en" else realise(plan, "en")
            if english is not None and platform != "rss":
                english = cut(english, len(text) + 20) if text.endswith("…") else english
            version = Version(statement, account(org, platform), platform, item, own, english)
            versions.append(version)
            by_statement.setdefault(statement, []).append(version)
        if number % 20 == 5:
            edited.add(statement)
        if number % 25 == 12:
            deleted.add(statement)
    return HeavyDay(versions, by_statement, edited, deleted)


def _record(version: Version, revision: int, collected: datetime, item: Item) -> PostRecord:
    translated = version.english is not None
    return build_record(
        item,
        source=version.source,
        revision=revision,
        collected_at=collected,
        language=Language(version.language, 0.99),
        translation=Translation(
            "translated" if translated else "not_needed",
            text=version.english,
            source=version.language,
            target="en",
            engine="argos" if translated else None,
        ),
        statement_id=version.statement,
    )


def store_day(store: Store, day: HeavyDay) -> None:
    """Collect, cluster and publish every version; then edit and delete some."""
    records = []
    for version in day.versions:
        assert version.item.published_at is not None
        collected = version.item.published_at + timedelta(minutes=2)
        store.save_fetch(
            version.source, version.platform, [version.item], SourceState(), collected_at=collected
        )
        records.append(_record(version, 1, collected, version.item))
    store.assign_statements([(v.item.id, v.statement) for v in day.versions])
    assert store.mark_ready(records) == len(records)

    edits = []
    for statement in sorted(day.edited):
        version = day.statements[statement][0]
        assert version.item.published_at is not None
        collected = version.item.published_at + timedelta(minutes=40)
        changed = _edited(version.item)
        store.save_fetch(
            version.source, version.platform, [changed], SourceState(), collected_at=collected
        )
        edits.append(_record(version, 2, collected, changed))
    assert store.mark_ready(edits) == len(edits)

    for number, statement in enumerate(sorted(day.deleted)):
        versions = day.statements[statement]
        version = versions[number % len(versions)]  # the main version, or another one
        assert version.item.published_at is not None
        noticed = version.item.published_at + timedelta(hours=1)
        for _ in range(2):
            store.record_recheck(version.source, {version.item.id: "missing"}, noticed_at=noticed)


def _edited(item: Item) -> Item:
    """The same post with one sentence reworded and one added."""
    head, dot, tail = item.text.partition(". ")
    words = head.split(" ")
    words[len(words) // 2] = words[len(words) // 2].upper()
    return replace(item, text=" ".join(words) + dot + "(Updated.) " + tail)
