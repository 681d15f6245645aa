"""Select a window's posts and source failures from the store and shape them into a `Digest`
of statements: the window's posts grouped by `statement_id`."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from monitor.config import Settings, SourceSettings
from monitor.digest.model import (
    TIERS,
    Account,
    AccountCount,
    Digest,
    Failure,
    PostView,
    StatementView,
)
from monitor.digest.window import label
from monitor.record import Language, Translation, parse_time
from monitor.state import Window
from monitor.store import Store
from monitor.text.diff import diff
from monitor.text.entities import http_url as safe_url

STATUS_ORDER = ("translated", "not_needed", "pending", "no_model", "failed")
# A numbered thread part ("1/4 ...", "... 2/5"): one piece of a longer statement.
_THREAD_PART = re.compile(r"^\s*\d{1,2}\s*/\s*\d{1,2}\b|\b\d{1,2}\s*/\s*\d{1,2}\s*$")


def web_day_url(settings: Settings, window: Window) -> str | None:
    """The window's days in the web view's timeline (`/?since=&until=`, whole local days,
    inclusive), linked from the digest when `[web] public_url` is set; else None."""
    if not settings.web.public_url:
        return None
    zone = ZoneInfo(settings.monitor.timezone)
    first = window.start.astimezone(zone).date()
    last = max(first, (window.end - timedelta(seconds=1)).astimezone(zone).date())
    days = urlencode({"since": first.isoformat(), "until": last.isoformat()})
    return f"{settings.web.public_url.rstrip('/')}/?{days}"


def unready_records(store: Store, window: Window) -> list[dict[str, Any]]:
    """Posts collected in `window` whose detection or translation has not finished yet.

    They are shown with their translation pending rather than missing from every digest.
    As dicts, the shape of the published records read back from the outbox beside them.
    """
    return [
        post.record(
            post.detected or Language("und", 0.0),
            Translation("pending", source=post.language or "und"),
        ).as_dict()
        for post in store.unready_posts(window.start, window.end)
    ]


def polled_sources(store: Store, window: Window) -> set[str]:
    """Sources polled at least once in `window`, successfully or not."""
    return store.polled_sources(window.start, window.end)


def previous_texts(
    store: Store, records: Iterable[dict[str, Any]]
) -> dict[tuple[str, int], tuple[int, str]]:
    """For the latest revision of each post among `records` that an edit changed: the
    revision it was edited from and that revision's text, keyed by (id, revision).

    A revision can also go up without an edit (a post translated again once its model is
    installed, a deletion noticed); the store skips those, so such posts are not edits.
    """
    latest: dict[str, int] = {}
    for record in records:
        if int(record["revision"]) > 1:
            latest[record["id"]] = max(int(record["revision"]), latest.get(record["id"], 0))
    found = store.edited_from(sorted(latest.items()))
    return {key: (revision, item.text) for key, (revision, item) in found.items()}


def build_digest(settings: Settings, store: Store, window: Window) -> Digest:
    records = store.published_records(window.start, window.end)
    records += unready_records(store, window)
    failures = store.source_failures(window.start, window.end)
    previous = previous_texts(store, records)
    return shape_digest(
        settings,
        window,
        records,
        failures,
        polled=polled_sources(store, window),
        edited={post_id for post_id, _ in previous},
        previous=previous,
    )


def shape_digest(
    settings: Settings,
    window: Window,
    records: Sequence[dict[str, Any]],
    failures: Iterable[dict[str, Any]],
    *,
    polled: Collection[str],
    edited: Collection[str],
    previous: Mapping[tuple[str, int], tuple[int, str]] | None = None,
) -> Digest:
    """`polled`: sources polled in the window; `edited`: posts whose text changed in it;
    `previous`: for an edited post's (id, revision), the revision it was edited from and
    that revision's text, shown as a diff."""
    zone = ZoneInfo(settings.monitor.timezone)
    target = settings.languages.target
    latest: dict[str, dict[str, Any]] = {}
    for record in records:
        known = latest.get(record["id"])
        if known is None or int(record["revision"]) >= int(known["revision"]):
            latest[record["id"]] = record
    by_source: dict[str, list[dict[str, Any]]] = {}
    for record in sorted(latest.values(), key=lambda r: (r["published_at"], r["id"])):
        by_source.setdefault(record["source"], []).append(record)

    failed = [
        Failure(
            f["source"],
            int(f["failures"]),
            parse_time(f["last_at"]).astimezone(zone) if f.get("last_at") else None,
            str(f.get("last_error") or "unknown error"),
        )
        for f in failures
    ]
    failed_names = {f.source for f in failed}
    configured = {s.name: s for s in settings.sources if s.enabled}
    order = list(configured)
    order += sorted((set(by_source) | failed_names) - set(order))

    details = {
        name: _account(name, by_source[name], configured.get(name))
        for name in order
        if name in by_source
    }
    accounts = [
        AccountCount(
            name,
            details[name].name if name in details else name,
            details[name].handle if name in details else (config.handle if config else ""),
            details[name].platform if name in details else (config.platform if config else ""),
            len(by_source.get(name, ())),
            name in failed_names,
            name in polled
            or name in failed_names
            or name in by_source
            or (config is not None and config.every >= window.length.total_seconds()),
        )
        for name in order
        for config in (configured.get(name),)
    ]

    versions: dict[str, list[tuple[dict[str, Any], PostView]]] = {}
    for name in order:
        for record in by_source.get(name, ()):
            view = _post(record, zone, target, edited, previous or {}, details[name].name)
            versions.setdefault(record.get("statement_id") or record["id"], []).append(
                (record, view)
            )
    rank = {name: position for position, name in enumerate(order)}
    statements = sorted(
        (_statement(statement_id, posts) for statement_id, posts in versions.items()),
        key=lambda s: (TIERS.index(s.tier), rank[s.source], s.local_time, s.id),
    )
    all_posts = [post for statement in statements for post in statement.versions]
    languages = Counter(post.language for post in all_posts)
    statuses = Counter(post.status for post in all_posts)
    return Digest(
        window=window,
        timezone=settings.monitor.timezone,
        label=label(window, zone),
        statements=tuple(statements),
        accounts=tuple(accounts),
        languages=tuple(sorted(languages.items(), key=lambda kv: (-kv[1], kv[0]))),
        statuses=tuple((s, statuses[s]) for s in STATUS_ORDER if statuses[s]),
        failures=tuple(failed),
        account_details=tuple(details.values()),
        web_url=web_day_url(settings, window),
    )


def completeness(record: dict[str, Any]) -> tuple[bool, bool, int, bool]:
    """How complete a version's text is, to pick a statement's main version: a whole text
    (not cut by the store, not an X truncation ending in an ellipsis), not a numbered thread
    part, then the longest, a website (RSS) body winning a tie."""
    text = str(record.get("text") or "").strip()
    cut = bool(record.get("truncated")) or text.endswith(("…", "..."))
    return (not cut, not _THREAD_PART.search(text), len(text), record.get("platform") == "rss")


def _statement(statement_id: str, posts: list[tuple[dict[str, Any], PostView]]) -> StatementView:
    main = max(posts, key=lambda pair: completeness(pair[0]))[1]
    ordered = sorted((view for _, view in posts), key=lambda v: (v.local_time, v.id))
    return StatementView(statement_id, main, tuple(ordered))


def _account(source: str, records: list[dict[str, Any]], config: SourceSettings | None) -> Account:
    own = [r for r in records if r.get("kind") != "repost"] or records
    author: dict[str, Any] = own[0]["author"] if own else {}
    return Account(
        source=source,
        name=author.get("name") or source,
        handle=author.get("handle") or (config.handle if config else ""),
        platform=own[0]["platform"] if own else (config.platform if config else ""),
        url=safe_url(author.get("url")),
    )


def _post(
    record: dict[str, Any],
    zone: ZoneInfo,
    target: str,
    edited: Collection[str],
    previous: Mapping[tuple[str, int], tuple[int, str]],
    account: str,
) -> PostView:
    translation = record.get("translation") or {}
    original = record.get("text") or ""
    is_edit = int(record["revision"]) > 1 and record["id"] in edited
    edited_from, old = previous.get((record["id"], int(record["revision"])), (0, original))
    changes = diff(old, original) if is_edit and old != original else ()
    status = str(translation.get("status") or "pending")
    text = translation.get("text") if status == "translated" else None
    media = tuple(
        (str(m.get("type") or "media"), url)
        for m in record.get("media") or ()
        if (url := safe_url(m.get("url")))
    )
    return PostView(
        id=record["id"],
        url=safe_url(record.get("url")),
        local_time=_local(record["published_at"], zone),
        platform=record["platform"],
        kind=record.get("kind") or "post",
        language=(record.get("language") or {}).get("code") or "und",
        revision=int(record["revision"]),
        title=record.get("title") or None,
        original=original,
        translation=text or None,
        status=status if text or status != "translated" else "failed",
        target=str(translation.get("to") or target),
        author=str((record.get("author") or {}).get("handle") or ""),
        links=tuple(url for link in record.get("links") or () if (url := safe_url(link))),
        media=media,
        edited=is_edit,
        changes=changes,
        edited_from=edited_from if changes else 0,
        deleted_at=_local(record["deleted_at"], zone) if record.get("deleted_at") else None,
        source=record["source"],
        account=account,
    )


def _local(stamp: str, zone: ZoneInfo) -> datetime:
    return parse_time(stamp).astimezone(zone)
