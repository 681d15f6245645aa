"""The clusterer's data: a post as it sees it, its settings, and a post in the window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.statements.embed import Vector
from monitor.statements.text import Features


@dataclass(frozen=True)
class StatementPost:
    """What the clusterer needs of a collected post."""

    id: str
    platform: str
    account: str
    language: str
    published_at: datetime
    text: str
    title: str | None = None
    source: str = ""
    links: tuple[str, ...] = ()
    translation: str | None = None  # English, when the monitor translated the post


@dataclass(frozen=True)
class Settings:
    window: timedelta = timedelta(days=7)
    containment: float = 0.5  # shared shingles / shingles of the shorter text
    min_shingles: int = 3  # shorter texts must match word for word
    name_slack: int = 0  # names of the shorter text allowed missing from the longer
    cross_cosine: float = 0.55  # same organisation (account or its country prefix)
    cross_cosine_other: float = (
        0.7  # two organisations (joint communiqués; each also posts its own)
    )
    # Two organisations between `cross_cosine_joint` and `cross_cosine_other`: only when the
    # texts are translations sentence by sentence (a joint communiqué published by both),
    # not two accounts of one event, whose sentences say different things.
    cross_cosine_joint: float = 0.6
    # One organisation's translation at least this near needs no names in common: its
    # titles and institutions are translated, not transliterated (numbers still count).
    cross_cosine_names: float = 0.72
    aligned_cosine: float = 0.55  # every sentence of the shorter text has a partner this near
    aligned_sentences: int = 6  # sentences compared at most (bounds the cost)
    max_alignments: int = 3  # candidates checked so per post at most
    generic_link_statements: int = 2  # a link seen with this many statements is generic
    link_containment: float = 0.4  # a shared link within a language also needs this much text
    thread_gap: timedelta = timedelta(hours=6)
    copy_gap: timedelta = timedelta(hours=24)  # copies are posted within hours of each other
    cross_gap: timedelta = timedelta(hours=12)  # and so are translations
    max_cross: int = 400  # newest posts an embedding is compared with (bounds the cost)
    # posts looked at to find them: collection order is not publication order (a backfilled
    # old post sits among new ones), so older posts are skipped, not a reason to stop
    max_scan: int = 1000
    common_names: int = 6  # a name in this many posts of the window is boilerplate
    max_postings: int = 200  # a shingle in more posts than this finds no candidates
    max_candidates: int = 40


@dataclass
class Entry:
    """A post in the window, as the signals compare it."""

    index: int
    statement: str
    language: str
    account: str
    source: str
    at: datetime
    views: dict[str, Features]  # language -> features (the text, and an English translation)
    links: frozenset[str]
    vector: Vector | None = None
    embedded: bool = False
    sentences: Vector | None = None  # one embedding per sentence, computed on demand

    @property
    def main(self) -> Features:
        return self.views[self.language]


def organisation_group(account: str) -> str:
    """ "ru-mfa" and "ru-embassy-ve" -> "ru": accounts of one country's foreign service."""
    return account.split("-", 1)[0]
