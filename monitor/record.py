"""The `monitor.post/1` record: what every source produces and every queue carries."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any, Literal, cast

SCHEMA_ID = "monitor.post/1"
CE_TYPE = "monitor.post.v1"

Kind = Literal["post", "repost", "reply", "quote"]
TranslationStatus = Literal["translated", "not_needed", "pending", "no_model", "failed"]
KINDS: tuple[Kind, ...] = ("post", "repost", "reply", "quote")
# `[monitor] max_text`: characters of a post's text kept when it is stored.
MAX_TEXT = 100_000


@dataclass(frozen=True, slots=True)
class Author:
    handle: str
    name: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Media:
    type: str
    url: str


@dataclass(frozen=True, slots=True)
class Refs:
    reply_to: str | None = None
    repost_of: str | None = None
    quote_of: str | None = None


@dataclass(frozen=True, slots=True)
class Item:
    """One post as a source adapter normalised it, before it is stored and enriched."""

    platform: str
    native_id: str
    author: Author
    text: str
    url: str | None = None
    published_at: datetime | None = None
    kind: Kind = "post"
    title: str | None = None
    links: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    media: tuple[Media, ...] = ()
    refs: Refs = field(default_factory=Refs)
    lang_hint: str | None = None
    truncated: bool = False

    @property
    def id(self) -> str:
        return f"{self.platform}:{self.native_id}"

    @property
    def content_hash(self) -> str:
        """Hash of what an edit changes: the title and the text."""
        payload = json.dumps([self.title or "", self.text], ensure_ascii=False)
        return "sha256:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def capped(self, max_text: int) -> Item:
        """This item with its text cut to `max_text` characters (and marked), or itself.

        The cut is deterministic, so a long post fetched again hashes the same: no new revision.
        """
        if len(self.text) <= max_text:
            return self
        return replace(self, text=self.text[:max_text], truncated=True)

    def to_json(self) -> str:
        data = asdict(self)
        data["published_at"] = format_time(self.published_at) if self.published_at else None
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> Item:
        data = json.loads(raw)
        published = data.get("published_at")
        return cls(
            platform=data["platform"],
            native_id=data["native_id"],
            author=Author(**data["author"]),
            text=data["text"],
            url=data.get("url"),
            published_at=parse_time(published) if published else None,
            kind=data.get("kind", "post"),
            title=data.get("title"),
            links=tuple(data.get("links", ())),
            hashtags=tuple(data.get("hashtags", ())),
            mentions=tuple(data.get("mentions", ())),
            media=tuple(Media(**m) for m in data.get("media", ())),
            refs=Refs(**data.get("refs", {})),
            lang_hint=data.get("lang_hint"),
            truncated=bool(data.get("truncated", False)),
        )


# The name records give the language detector (`monitor.lang`).
DETECTOR = "langdetect+rules"


@dataclass(frozen=True, slots=True)
class Language:
    code: str
    confidence: float
    detector: str = DETECTOR


@dataclass(frozen=True, slots=True)
class Translation:
    status: TranslationStatus
    text: str | None = None
    source: str | None = None
    target: str | None = None
    engine: str | None = None
    model: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "text": self.text if self.status == "translated" else None,
            "from": self.source,
            "to": self.target,
            "engine": self.engine,
            "model": self.model,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Translation:
        """A translation from its JSON object (`to_dict`)."""
        return cls(
            data["status"],
            text=data.get("text"),
            source=data.get("from"),
            target=data.get("to"),
            engine=data.get("engine"),
            model=data.get("model"),
        )


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC with a `Z`, to the second."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    """An RFC 3339 / ISO 8601 time as an aware UTC datetime; naive times are taken as UTC."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class PostRecord:
    """One `monitor.post/1` record revision, built once; `as_dict` is its binding JSON shape."""

    id: str
    revision: int
    platform: str
    source: str
    author: Author
    url: str | None
    published_at: datetime
    collected_at: datetime
    kind: Kind
    title: str | None
    text: str
    truncated: bool
    language: Language
    translation: Translation
    links: tuple[str, ...]
    hashtags: tuple[str, ...]
    mentions: tuple[str, ...]
    media: tuple[Media, ...]
    refs: Refs
    content_hash: str
    # The id of the first collected post of this post's statement; its own id when alone.
    statement_id: str
    deleted_at: datetime | None = None

    @property
    def message_id(self) -> str:
        """The stable broker message id of this revision: `<id>#<revision>`."""
        return f"{self.id}#{self.revision}"

    def as_dict(self) -> dict[str, Any]:
        """The JSON object, keys in the published order, every optional field present."""
        return {
            "schema": SCHEMA_ID,
            "id": self.id,
            "revision": self.revision,
            "platform": self.platform,
            "source": self.source,
            "author": {
                "handle": self.author.handle,
                "name": self.author.name,
                "url": self.author.url,
            },
            "url": self.url,
            "published_at": format_time(self.published_at),
            "collected_at": format_time(self.collected_at),
            "kind": self.kind,
            "title": self.title,
            "text": self.text,
            "truncated": self.truncated,
            "language": {
                "code": self.language.code,
                "confidence": self.language.confidence,
                "detector": self.language.detector,
            },
            "translation": self.translation.to_dict(),
            "links": list(self.links),
            "hashtags": list(self.hashtags),
            "mentions": list(self.mentions),
            "media": [{"type": m.type, "url": m.url} for m in self.media],
            "refs": {
                "reply_to": self.refs.reply_to,
                "repost_of": self.refs.repost_of,
                "quote_of": self.refs.quote_of,
            },
            "content_hash": self.content_hash,
            "statement_id": self.statement_id,
            "deleted_at": format_time(self.deleted_at) if self.deleted_at else None,
        }

    def to_json(self) -> str:
        """The wire form: compact, UTF-8 kept as is."""
        return json.dumps(self.as_dict(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> PostRecord:
        """A record read back from its wire form (`to_json`)."""
        data = json.loads(raw)
        language = data["language"]
        deleted = data.get("deleted_at")
        return cls(
            id=data["id"],
            revision=int(data["revision"]),
            platform=data["platform"],
            source=data["source"],
            author=Author(**data["author"]),
            url=data["url"],
            published_at=parse_time(data["published_at"]),
            collected_at=parse_time(data["collected_at"]),
            kind=data["kind"],
            title=data["title"],
            text=data["text"],
            truncated=bool(data.get("truncated", False)),
            language=Language(language["code"], language["confidence"], language["detector"]),
            translation=Translation.from_dict(data["translation"]),
            links=tuple(data["links"]),
            hashtags=tuple(data["hashtags"]),
            mentions=tuple(data["mentions"]),
            media=tuple(Media(**m) for m in data["media"]),
            refs=Refs(**data["refs"]),
            content_hash=data["content_hash"],
            statement_id=data.get("statement_id") or data["id"],
            deleted_at=parse_time(deleted) if deleted else None,
        )


def build_record(
    item: Item,
    *,
    source: str,
    revision: int,
    collected_at: datetime,
    language: Language,
    translation: Translation,
    statement_id: str | None = None,
    deleted_at: datetime | None = None,
) -> PostRecord:
    """Assemble the `monitor.post/1` record of one post revision.

    `statement_id` defaults to the post's own id (a statement of its own); `deleted_at` is
    when the monitor noticed the post was deleted, None while it exists.
    """
    return PostRecord(
        id=item.id,
        revision=revision,
        platform=item.platform,
        source=source,
        author=item.author,
        url=item.url,
        published_at=item.published_at or collected_at,
        collected_at=collected_at,
        kind=item.kind,
        title=item.title,
        text=item.text,
        truncated=item.truncated,
        language=replace(language, confidence=round(language.confidence, 4)),
        translation=translation,
        links=item.links,
        hashtags=item.hashtags,
        mentions=item.mentions,
        media=item.media,
        refs=item.refs,
        content_hash=item.content_hash,
        statement_id=statement_id or item.id,
        deleted_at=deleted_at,
    )


@cache
def json_schema() -> dict[str, Any]:
    """The published JSON Schema of `monitor.post/1`."""
    text = resources.files("monitor.schema").joinpath("post.v1.json").read_text("utf-8")
    return cast(dict[str, Any], json.loads(text))
