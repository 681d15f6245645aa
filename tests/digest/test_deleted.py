"""A post noticed deleted is listed under "Deleted" with its last text and when it was noticed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bs4 import BeautifulSoup

from monitor.store import Store
from tests.digest.support import samples, seed
from tests.digest.test_render import render

# Noticed on the sample day, inside the digest's window.
NOTICED = datetime(2026, 11, 27, 20, 30, tzinfo=UTC)


def delete(store: Store, post_id: str, source: str) -> None:
    """Two consecutive rechecks that miss the post: the store publishes its deletion."""
    assert store.record_recheck(source, {post_id: "missing"}, noticed_at=NOTICED) == []
    assert store.record_recheck(source, {post_id: "missing"}, noticed_at=NOTICED) == [post_id]


def test_a_deleted_post_is_listed_with_its_last_text_and_when_it_was_noticed(
    store: Store, tmp_path: Path
) -> None:
    seed(store)
    gone = next(s for s in samples() if s["source"] == "mid-russia-telegram")
    post_id = f"{gone['platform']}:{gone['native_id']}"
    delete(store, post_id, gone["source"])
    digest, rendered = render(store, tmp_path)

    [(statement, post)] = digest.deleted
    assert statement.source == "mid-russia-telegram" and post.id == post_id
    assert statement.tier == "changed" and digest.sections[0].title == "Deleted and edited"
    assert post.deleted_at is not None and not post.edited
    assert rendered.subject.endswith("(5 translated, 1 deleted)")

    soup = BeautifulSoup(rendered.html, "lxml")
    text = soup.get_text(" ", strip=True)
    noticed = post.deleted_at.strftime("%H:%M")
    assert "Deleted: 1 post noticed deleted during this period" in text
    assert "deleted, noticed" in text and noticed in text
    # The last known text stays readable: in the box (shortened) and in full under its account.
    assert text.count(gone["translation"][:60]) == 2
    assert "deleted · noticed" in text

    plain = rendered.text
    assert "DELETED: 1 post noticed deleted during this period" in plain
    assert "DELETED (noticed" in plain and gone["text"][:60] in plain


def test_no_deleted_box_without_deletions(store: Store, tmp_path: Path) -> None:
    seed(store)
    digest, rendered = render(store, tmp_path)
    assert digest.deleted == ()
    assert "noticed deleted" not in rendered.html and "DELETED" not in rendered.text
