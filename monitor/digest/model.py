"""What a digest shows, independent of how it is rendered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from monitor.state import Window
from monitor.text.diff import Segment

LANGUAGE_NAMES = {
    "en": "English",
    "es": "Spanish",
    "ru": "Russian",
    "pt": "Portuguese",
    "fr": "French",
    "it": "Italian",
    "ca": "Catalan",
    "de": "German",
    "ro": "Romanian",
    "uk": "Ukrainian",
    "be": "Belarusian",
    "bg": "Bulgarian",
    "sr": "Serbian",
    "mk": "Macedonian",
    "kk": "Kazakh",
    "zh": "Chinese",
    "ar": "Arabic",
    "fa": "Persian",
    "tr": "Turkish",
    "und": "no language",
}
PLATFORM_NAMES = {
    "rss": "RSS",
    "telegram": "Telegram",
    "x": "X",
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
}
STATUS_NOTES = {
    "pending": "Translation pending: the original is shown.",
    "failed": "Translation failed: the original is shown.",
    "no_model": "No translation model is installed for this language: the original is shown.",
}


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def platform_name(platform: str) -> str:
    return PLATFORM_NAMES.get(platform, platform)


@dataclass(frozen=True, slots=True)
class PostView:
    id: str
    url: str | None
    local_time: datetime
    platform: str
    kind: str
    language: str
    revision: int
    title: str | None
    original: str
    translation: str | None
    status: str
    target: str
    author: str = ""
    links: tuple[str, ...] = ()
    media: tuple[tuple[str, str], ...] = ()
    shortened: bool = False
    edited: bool = False
    # The original's word diff against revision `edited_from`, when an edit changed the text.
    changes: tuple[Segment, ...] = ()
    edited_from: int = 0
    # The diff did not fit the size cap: the current original is shown instead, with a note.
    changes_hidden: bool = False
    # When the monitor noticed the post was deleted (local time); its last known text is shown.
    deleted_at: datetime | None = None

    @property
    def note(self) -> str | None:
        return STATUS_NOTES.get(self.status)

    @property
    def changes_chars(self) -> int:
        return sum(len(segment.text) for segment in self.changes)

    @property
    def language_name(self) -> str:
        return language_name(self.language)

    @property
    def platform_name(self) -> str:
        return platform_name(self.platform)


@dataclass(frozen=True, slots=True)
class AccountGroup:
    source: str
    name: str
    handle: str
    platform: str
    url: str | None
    posts: tuple[PostView, ...]

    @property
    def platform_name(self) -> str:
        return platform_name(self.platform)


@dataclass(frozen=True, slots=True)
class AccountCount:
    source: str
    name: str
    handle: str
    platform: str
    posts: int
    failed: bool
    polled: bool = True


@dataclass(frozen=True, slots=True)
class Failure:
    source: str
    failures: int
    last_at: datetime | None
    last_error: str


@dataclass(frozen=True, slots=True)
class Digest:
    window: Window
    timezone: str
    label: str
    groups: tuple[AccountGroup, ...]
    accounts: tuple[AccountCount, ...]
    languages: tuple[tuple[str, int], ...]
    statuses: tuple[tuple[str, int], ...]
    failures: tuple[Failure, ...]
    shortened: int = 0
    omitted: int = 0

    @property
    def posts(self) -> int:
        return sum(len(group.posts) for group in self.groups) + self.omitted

    @property
    def unpolled(self) -> tuple[AccountCount, ...]:
        """Configured accounts not polled at all during the window: their silence means nothing."""
        return tuple(a for a in self.accounts if not a.polled and not a.failed and not a.posts)

    @property
    def deleted(self) -> tuple[tuple[AccountGroup, PostView], ...]:
        """Posts noticed deleted in the window, with their account, in digest order."""
        return tuple(
            (group, post) for group in self.groups for post in group.posts if post.deleted_at
        )

    @property
    def active_accounts(self) -> int:
        return sum(1 for account in self.accounts if account.posts)

    @property
    def translated(self) -> int:
        return dict(self.statuses).get("translated", 0)

    @property
    def subject(self) -> str:
        posts, accounts, deleted = self.posts, self.active_accounts, len(self.deleted)
        return (
            f"Digest {self.label}: {posts} post{'s' if posts != 1 else ''} from {accounts} "
            f"account{'s' if accounts != 1 else ''} ({self.translated} translated"
            f"{f', {deleted} deleted' if deleted else ''})"
        )
