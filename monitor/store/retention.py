"""Retention: deleting what is old and no guarantee needs any more."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from monitor.record import format_time
from monitor.store.search_index import SearchIndexMixin


@dataclass(frozen=True, slots=True)
class PruneResult:
    """Rows deleted by `Store.prune`, per kind."""

    source_events: int
    translation_cache: int
    outbox: int
    digests: int
    revisions: int
    posts: int

    @property
    def total(self) -> int:
        return (
            self.source_events
            + self.translation_cache
            + self.outbox
            + self.digests
            + self.revisions
            + self.posts
        )


class RetentionMixin(SearchIndexMixin):
    def prune(
        self,
        before: datetime,
        *,
        outbox_before: datetime | None = None,
        posts_before: datetime | None = None,
    ) -> PruneResult:
        """Delete what is older than `before` and no guarantee needs, in one transaction.

        - source events and translation-cache entries;
        - outbox rows at or below the sent high-water mark (confirmed published) and created
          before `outbox_before` (default `before`): rows above the mark are what the publisher
          and the embedded queue's copy still read, and `seq` is AUTOINCREMENT, so a pruned
          number is never handed out again;
        - abandoned (`failed`) digest-log rows; `sent` ones stay, as they say which windows
          were sent (never twice), and `pending` ones are still to be delivered;
        - with `posts_before`: revisions other than the latest collected before it, and posts
          (with their revisions) last collected before it whose outbox rows are all sent.
        """
        cutoff = format_time(before)
        outbox_cutoff = format_time(min(before, outbox_before or before))
        with self.transaction() as db:
            events = db.execute("DELETE FROM source_events WHERE at < ?", (cutoff,)).rowcount
            cache = db.execute(
                "DELETE FROM translation_cache WHERE created_at < ?", (cutoff,)
            ).rowcount
            outbox = db.execute(
                "DELETE FROM outbox WHERE seq <= (SELECT sent_through FROM outbox_cursor)"
                " AND created_at < ?",
                (outbox_cutoff,),
            ).rowcount
            digests = db.execute(
                "DELETE FROM digests WHERE status = 'failed' AND created_at < ?", (cutoff,)
            ).rowcount
            revisions = posts = 0
            if posts_before is not None:
                old = format_time(posts_before)
                revisions = db.execute(
                    "DELETE FROM revisions WHERE collected_at < ? AND revision <"
                    " (SELECT p.revision FROM posts p WHERE p.id = revisions.id)",
                    (old,),
                ).rowcount
                gone = "SELECT id FROM posts WHERE collected_at < ? AND stage = 'ready'"
                gone += (
                    " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.post_id = posts.id"
                    " AND o.seq > (SELECT sent_through FROM outbox_cursor))"
                )
                revisions += db.execute(
                    f"DELETE FROM revisions WHERE id IN ({gone})", (old,)
                ).rowcount
                db.execute(f"DELETE FROM outbox WHERE post_id IN ({gone})", (old,))
                self._unindex_posts(db, gone, (old,))
                posts = db.execute(f"DELETE FROM posts WHERE id IN ({gone})", (old,)).rowcount
        return PruneResult(events, cache, outbox, digests, revisions, posts)
