"""What a digest shows, independent of how it is rendered: statements, each with its versions.

A statement is every post of one `statement_id` collected in the window (the same statement on
several platforms and in several languages). Its entry shows its `main` version, the most
complete one, and lists the others. `show` says how much of it the email body holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from monitor.state import Window
from monitor.text.diff import Segment
from monitor.text.names import language_name, platform_name

STATUS_NOTES = {
    "pending": "Translation pending: the original is shown.",
    "failed": "Translation failed: the original is shown.",
    "no_model": "No translation model is installed for this language: the original is shown.",
}


# How much of a statement a rendering holds: the whole entry, one line with its link, or
# nothing (it travels in the attached full digest).
Show = Literal["full", "line", "attached"]
# Most important first: deletions and edits, translated statements, then the rest.
TIERS = ("changed", "translated", "other")
TIER_TITLES = {
    "changed": "Deleted and edited",
    "translated": "Translated statements",
    "other": "Other statements",
}


@dataclass(frozen=True, slots=True)
class PostView:
    """One version (post) of a statement: its latest revision in the window."""

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
    # The configured source it was collected from, and that account's display name.
    source: str = ""
    account: str = ""

    @property
    def note(self) -> str | None:
        return STATUS_NOTES.get(self.status)

    @property
    def changes_chars(self) -> int:
        return sum(len(segment.text) for segment in self.changes)

    @property
    def longest(self) -> int:
        """Its longest text: what clipping has to shorten."""
        return max(len(self.original), len(self.translation or ""), self.changes_chars)

    @property
    def language_name(self) -> str:
        return language_name(self.language)

    @property
    def platform_name(self) -> str:
        return platform_name(self.platform)


@dataclass(frozen=True, slots=True)
class StatementView:
    id: str
    # The most complete version (longest whole text; a website body over truncations and
    # thread parts): its translation and original are the entry's text.
    main: PostView
    # Every version in the window, main included, oldest first.
    versions: tuple[PostView, ...]
    show: Show = "full"

    @property
    def source(self) -> str:
        """The account the statement is listed under: its main version's."""
        return self.main.source

    @property
    def others(self) -> tuple[PostView, ...]:
        return tuple(v for v in self.versions if v.id != self.main.id)

    @property
    def local_time(self) -> datetime:
        """When its first version was published."""
        return min(v.local_time for v in self.versions)

    @property
    def edited(self) -> tuple[PostView, ...]:
        return tuple(v for v in self.versions if v.edited)

    @property
    def deleted(self) -> tuple[PostView, ...]:
        return tuple(v for v in self.versions if v.deleted_at)

    @property
    def tier(self) -> str:
        if self.edited or self.deleted:
            return "changed"
        return "translated" if self.main.translation else "other"

    @property
    def url(self) -> str | None:
        """Its link: the main version's, else the first version that has one."""
        return self.main.url or next((v.url for v in self.versions if v.url), None)

    @property
    def headline(self) -> str:
        """What its one line says: the title, else the English text, else the original."""
        return (self.main.title or self.main.translation or self.main.original).strip()

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v.language for v in self.versions))

    @property
    def shortened(self) -> bool:
        return any(v.shortened for v in self.versions)

    @property
    def longest(self) -> int:
        return max(v.longest for v in self.versions)


@dataclass(frozen=True, slots=True)
class Account:
    source: str
    name: str
    handle: str
    platform: str
    url: str | None

    @property
    def platform_name(self) -> str:
        return platform_name(self.platform)


@dataclass(frozen=True, slots=True)
class AccountGroup:
    """An account's statements within one section of the digest."""

    account: Account
    statements: tuple[StatementView, ...]
    # The first group of this account in the digest: it carries the summary's link target.
    anchor: bool = False

    @property
    def source(self) -> str:
        return self.account.source


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    title: str
    groups: tuple[AccountGroup, ...]

    @property
    def statements(self) -> int:
        return sum(len(group.statements) for group in self.groups)


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


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


@dataclass(frozen=True, slots=True)
class Digest:
    window: Window
    timezone: str
    label: str
    # Every statement of the window, most important first (see TIERS), each tier by account
    # (in config order), then by time.
    statements: tuple[StatementView, ...]
    accounts: tuple[AccountCount, ...]
    languages: tuple[tuple[str, int], ...]
    statuses: tuple[tuple[str, int], ...]
    failures: tuple[Failure, ...]
    # Account details (name, handle, platform, link) of every source with a statement.
    account_details: tuple[Account, ...] = ()
    # Statements whose texts this rendering shortened.
    shortened: int = 0
    # The file name of the attached full digest, when this email's body does not hold it all.
    attachment: str | None = None
    # This rendering is the full digest itself (the attachment): every statement in full.
    complete: bool = False
    # The day in the web view, when `[web] public_url` is set.
    web_url: str | None = None

    @property
    def posts(self) -> int:
        return sum(len(statement.versions) for statement in self.statements)

    @property
    def full(self) -> int:
        return sum(1 for s in self.statements if s.show == "full")

    @property
    def lines(self) -> int:
        return sum(1 for s in self.statements if s.show == "line")

    @property
    def attached(self) -> int:
        return sum(1 for s in self.statements if s.show == "attached")

    @property
    def sections(self) -> tuple[Section, ...]:
        """The statements this rendering holds, by tier, each tier by account."""
        details = {account.source: account for account in self.account_details}
        seen: set[str] = set()
        sections = []
        for tier in TIERS:
            groups: list[AccountGroup] = []
            for statement in self.statements:
                if statement.tier != tier or statement.show == "attached":
                    continue
                if groups and groups[-1].source == statement.source:
                    last = groups[-1]
                    groups[-1] = AccountGroup(
                        last.account, (*last.statements, statement), last.anchor
                    )
                    continue
                account = details.get(statement.source) or Account(
                    statement.source, statement.source, "", statement.main.platform, None
                )
                groups.append(AccountGroup(account, (statement,), statement.source not in seen))
                seen.add(statement.source)
            if groups:
                sections.append(Section(tier, self._title(tier), tuple(groups)))
        return tuple(sections)

    def _title(self, tier: str) -> str:
        if tier != "changed":
            return TIER_TITLES[tier]
        deleted, edited = bool(self.deleted), bool(self.edited)
        return TIER_TITLES[tier] if deleted and edited else "Deleted" if deleted else "Edited"

    @property
    def unpolled(self) -> tuple[AccountCount, ...]:
        """Configured accounts not polled at all during the window: their silence means nothing."""
        return tuple(a for a in self.accounts if not a.polled and not a.failed and not a.posts)

    @property
    def deleted(self) -> tuple[tuple[StatementView, PostView], ...]:
        """Posts noticed deleted in the window, with their statement, in digest order."""
        return tuple((s, post) for s in self.statements for post in s.deleted)

    @property
    def edited(self) -> int:
        return sum(1 for s in self.statements if s.edited)

    @property
    def active_accounts(self) -> int:
        return sum(1 for account in self.accounts if account.posts)

    @property
    def translated(self) -> int:
        """Statements shown with a translation."""
        return sum(1 for s in self.statements if s.main.translation)

    @property
    def subject(self) -> str:
        deleted = sum(1 for s in self.statements if s.deleted)
        return (
            f"Digest {self.label}: {plural(len(self.statements), 'statement')} "
            f"({plural(self.posts, 'post')}) from {plural(self.active_accounts, 'account')} "
            f"({self.translated} translated{f', {deleted} deleted' if deleted else ''})"
        )
