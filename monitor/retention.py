"""`[monitor] retention`: what a year of unattended running may delete, run daily by the daemon.

The store prunes its own tables (`Store.prune`); this module decides the cut-off times and
removes rendered digest files. Sent outbox rows are also what the digest reads its records
from, so they stay until the digest that covers them has been sent, however old they are.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from monitor.config import Settings
from monitor.digest import log as digest_log
from monitor.digest.deliver import files_dir
from monitor.record import utcnow
from monitor.store import PruneResult, Store

log = logging.getLogger("monitor.retention")
# Only what `digest.deliver.write_files` writes (and its interrupted temporary files).
_DIGEST_FILES = ("digest-*.eml", "digest-*.html", ".digest-*.tmp")


@dataclass(frozen=True, slots=True)
class Pruned:
    store: PruneResult | None
    files: int


def prune(settings: Settings, store: Store, now: datetime | None = None) -> Pruned:
    """Apply the retention settings at `now`; nothing is deleted when `retention` is 0."""
    config = settings.monitor
    if not config.retention:
        return Pruned(None, 0)
    moment = now or utcnow()
    before = moment - timedelta(seconds=config.retention)
    # Rows not yet covered by a sent digest are kept: the digest reads its posts from them.
    covered = digest_log.next_start(store) if settings.digest.enabled else None
    posts_before = (
        moment - timedelta(seconds=config.retention_posts) if config.retention_posts else None
    )
    if posts_before is not None and covered is not None:
        posts_before = min(posts_before, covered)
    result = store.prune(before, outbox_before=covered, posts_before=posts_before)
    files = prune_digest_files(files_dir(settings.digest, Path(settings.monitor.data_dir)), before)
    if result.total or files:
        log.info(
            "retention: deleted %d source event(s), %d cached translation(s), %d sent outbox"
            " row(s), %d abandoned digest record(s), %d revision(s), %d post(s), %d digest file(s)",
            result.source_events,
            result.translation_cache,
            result.outbox,
            result.digests,
            result.revisions,
            result.posts,
            files,
        )
    return Pruned(result, files)


def prune_digest_files(folder: Path, before: datetime) -> int:
    """Delete the rendered digest files in `folder` last written before `before`."""
    limit = before.timestamp()
    removed = 0
    for pattern in _DIGEST_FILES:
        for path in folder.glob(pattern):
            try:
                if path.is_file() and path.stat().st_mtime < limit:
                    os.unlink(path)
                    removed += 1
            except OSError as error:
                log.warning("retention: cannot delete %s: %s", path, error.strerror or error)
    return removed
