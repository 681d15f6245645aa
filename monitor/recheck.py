"""Re-check a source's recent posts for deletions: ask the platform, then note what it said.

The store decides (two consecutive misses make a deletion); this step only asks, within the
poll deadline, and turns any trouble into "could not tell", never into a deletion.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.errors import SourceError
from monitor.pipeline import within
from monitor.record import utcnow
from monitor.sources.base import RecheckResult, Source
from monitor.store import Store

log = logging.getLogger("monitor.recheck")
# With at least this many posts rechecked, all of them missing is not believed.
WHOLE_ACCOUNT = 3


@dataclass(frozen=True, slots=True)
class RecheckOutcome:
    source: str
    checked: int = 0
    present: int = 0
    missing: int = 0
    unknown: int = 0
    deleted: tuple[str, ...] = ()
    error: str | None = None
    requests: int = 0


async def recheck(
    source: Source,
    store: Store,
    *,
    deadline: float | None = None,
    now: datetime | None = None,
) -> RecheckOutcome:
    """Re-check one source's recent posts. Never raises for source trouble."""
    settings = source.settings
    moment = now or utcnow()
    count, seconds = settings.recheck_count, settings.recheck_seconds
    since = moment - timedelta(seconds=seconds) if seconds is not None else None
    posts = store.recheck_candidates(source.name, since=since, limit=count)
    if not posts:
        return RecheckOutcome(source.name)
    try:
        result = await within(deadline, source.recheck(posts), f"source {source.name}: the recheck")
    except SourceError as error:
        return _failed(source, len(posts), str(error))
    except Exception as error:  # an adapter bug must not take the daemon down
        log.exception("source %s: recheck failed unexpectedly", source.name)
        return _failed(source, len(posts), f"unexpected {type(error).__name__}: {error}")
    return _note(source, store, posts_ids=[p.id for p in posts], result=result, now=moment)


def _note(
    source: Source,
    store: Store,
    *,
    posts_ids: list[str],
    result: RecheckResult,
    now: datetime,
) -> RecheckOutcome:
    presence = {post_id: result.of(post_id) for post_id in posts_ids}
    answered = [seen for seen in presence.values() if seen != "unknown"]
    if len(answered) >= WHOLE_ACCOUNT and all(seen == "missing" for seen in answered):
        # Every post asked about gone at once is the account (suspended, renamed, made
        # private) or the lookup, not a wave of deletions: count nothing until some post
        # answers again. Posts the adapter did not ask about (past its lookups per run)
        # are unknown and do not hide this.
        log.warning(
            "source %s: all %d rechecked posts are missing; taken as an account-level change,"
            " not deletions (check the account)",
            source.name,
            len(answered),
        )
        presence = dict.fromkeys(presence, "unknown")
    deleted = store.record_recheck(source.name, presence, noticed_at=now)
    seen = list(presence.values())
    outcome = RecheckOutcome(
        source.name,
        checked=len(seen),
        present=seen.count("present"),
        missing=seen.count("missing"),
        unknown=seen.count("unknown"),
        deleted=tuple(deleted),
        requests=result.requests,
    )
    log.info(
        "source %s: rechecked %d post(s) in %d request(s): %d present, %d missing,"
        " %d unknown, %d deleted",
        source.name,
        outcome.checked,
        outcome.requests,
        outcome.present,
        outcome.missing,
        outcome.unknown,
        len(deleted),
    )
    return outcome


def _failed(source: Source, checked: int, message: str) -> RecheckOutcome:
    log.warning("source %s: recheck failed, nothing counted as deleted: %s", source.name, message)
    return RecheckOutcome(source.name, unknown=checked, error=message)
