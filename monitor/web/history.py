"""A post's revisions as a reader follows them: what each edit changed, word by word, and
when the post was noticed deleted. Revisions that changed neither title nor text (a
translation redone, a deletion) are not edits."""

from __future__ import annotations

from dataclasses import dataclass

from monitor.record import PostRecord
from monitor.store import Revision
from monitor.text.diff import Segment, changed, diff


@dataclass(frozen=True, slots=True)
class Change:
    """One revision that matters to a reader: an edit (with its diffs from the revision it
    was edited from), or a deletion notice."""

    record: PostRecord
    published: bool
    edited_from: int | None = None
    text: tuple[Segment, ...] = ()
    title: tuple[Segment, ...] = ()

    @property
    def deleted(self) -> bool:
        return self.record.deleted_at is not None and self.edited_from is None


def changes(revisions: list[Revision]) -> list[Change]:
    """The edits and deletions among `revisions` (oldest first), in order."""
    found: list[Change] = []
    before: PostRecord | None = None
    for revision in revisions:
        record = revision.record
        if before is not None and record.content_hash != before.content_hash:
            title = diff(before.title or "", record.title or "")
            found.append(
                Change(
                    record,
                    revision.published,
                    edited_from=before.revision,
                    text=diff(before.text, record.text),
                    title=title if changed(title) else (),
                )
            )
        elif record.deleted_at is not None and (before is None or before.deleted_at is None):
            found.append(Change(record, revision.published))
        before = record
    return found
