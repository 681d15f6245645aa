"""An edited post is shown as a word diff against the revision it was edited from."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bs4 import BeautifulSoup

from monitor.store import Store
from tests.digest.support import add_post, samples, seed
from tests.digest.test_render import render

# The Cancillería statement: collected, then edited 20 minutes later (`seed`).
[EDITED] = [post for post in samples() if "edited_text" in post]
NOON = datetime(2026, 11, 27, 16, tzinfo=UTC)


def sample(**changes: Any) -> dict[str, Any]:
    return dict(EDITED, **{key: value for key, value in changes.items() if key != "edited_text"})


def test_the_seeded_edit_shows_deleted_and_inserted_words(store: Store, tmp_path: Any) -> None:
    seed(store)
    digest, rendered = render(store, tmp_path)
    [post] = [v for s in digest.statements for v in s.versions if v.edited]
    assert post.revision == 2 and post.edited_from == 1

    soup = BeautifulSoup(rendered.html, "lxml")
    assert [d.get_text() for d in soup.find_all("del")] == ["país"]
    assert [i.get_text() for i in soup.find_all("ins")] == [
        "e ilegales",
        "nación soberana",
        ", para atender cualquier problema",
    ]
    deleted = soup.find("del")
    assert deleted is not None and "line-through" in str(deleted["style"])
    inserted = soup.find("ins")
    assert inserted is not None and "text-decoration:none" in str(inserted["style"])
    assert "background-color" in str(deleted["style"]) + str(inserted["style"])
    block = deleted.find_parent("div", lang=True)
    assert block is not None and block["lang"] == "es"
    text = soup.get_text(" ", strip=True)
    assert "Original · Spanish · changes since rev. 1" in text
    # The latest translation still comes first, once.
    assert text.count("against any sovereign nation") == 1
    assert text.index("against any sovereign nation") < text.index("changes since rev. 1")

    plain = rendered.text
    assert (
        "ES, changes since rev. 1 ([-deleted-] {+inserted+}): Comunicado | La República " in plain
    )
    assert (
        "unilaterales {+e ilegales+} contra cualquier [-país-]{+nación soberana+}. "
        "Para eso existe la ONU{+, para atender cualquier problema+}." in plain
    )
    # Posts that were not edited are shown as before.
    assert plain.count("changes since rev.") == 1 and soup.find_all("del") == [deleted]


def test_hostile_markup_inserted_by_an_edit_stays_text(store: Store, tmp_path: Any) -> None:
    post = sample(native_id="hostile/1", status="not_needed")
    add_post(store, post, NOON)
    hostile = (
        post["text"].replace("Comunicado", '<script>alert("edit")</script> Comunicado')
        + ' <img src=x onerror=alert(1)> <a href="javascript:alert(2)">aquí</a>'
    )
    add_post(store, post, NOON + timedelta(minutes=5), text=hostile)
    _, rendered = render(store, tmp_path)

    assert "<script" not in rendered.html and "<img" not in rendered.html
    soup = BeautifulSoup(rendered.html, "lxml")
    assert not soup.find_all(["script", "img"])
    assert all(not a["href"].startswith("javascript") for a in soup.find_all("a", href=True))
    inserted = [i.get_text() for i in soup.find_all("ins")]
    assert inserted == [
        '<script>alert("edit")</script>',
        ' <img src=x onerror=alert(1)> <a href="javascript:alert(2)">aquí</a>',
    ]
    assert "&lt;script&gt;alert(&#34;edit&#34;)&lt;/script&gt;</ins>" in rendered.html
    # No translation: the diff is the post's own text, labelled.
    assert "Changes since rev. 1" in soup.get_text(" ")
    assert '{+<script>alert("edit")</script>+} Comunicado' in rendered.text


def test_the_diff_is_against_the_last_edit_not_a_retranslation(store: Store, tmp_path: Any) -> None:
    post = sample(native_id="retranslated/1", status="no_model")
    add_post(store, post, NOON)
    add_post(store, post, NOON + timedelta(minutes=5), text=EDITED["edited_text"])
    assert store.requeue_untranslated("es") == 1  # a model appeared: rev. 3, same text
    add_post(store, dict(post, status="translated"), NOON, text=EDITED["edited_text"])

    post_id = "x:retranslated/1"
    found = store.edited_from([(post_id, 3), (post_id, 2), (post_id, 1), ("x:unknown", 2)])
    assert sorted(found) == [(post_id, 2), (post_id, 3)]
    assert found[(post_id, 3)][0] == found[(post_id, 2)][0] == 1
    assert found[(post_id, 3)][1].text == EDITED["text"]
    digest, rendered = render(store, tmp_path)
    [shown] = [s.main for s in digest.statements]
    assert (shown.revision, shown.edited_from, shown.status) == (3, 1, "translated")
    assert "[-país-]{+nación soberana+}" in rendered.text


def test_an_edit_of_the_title_alone_is_marked_but_has_no_diff(store: Store, tmp_path: Any) -> None:
    post = sample(native_id="titled/1", title="Comunicado oficial")
    add_post(store, post, NOON)
    add_post(
        store, dict(post, title="Comunicado oficial (actualizado)"), NOON + timedelta(minutes=5)
    )
    digest, rendered = render(store, tmp_path)
    [shown] = [s.main for s in digest.statements]
    assert shown.edited and shown.changes == () and shown.edited_from == 0
    assert "edited · rev. 2" in rendered.html and "<ins" not in rendered.html


def _long_edit(number: int, words: int) -> tuple[dict[str, Any], str, str]:
    text = " ".join(f"palabra{n}" for n in range(words))
    edited = text.replace("palabra10 ", "PALABRA10 ").replace(f"palabra{words - 5} ", "nueva ")
    return sample(native_id=f"long/{number}", status="not_needed"), text, edited


def test_long_edits_are_condensed_to_fit_the_html_cap(store: Store, tmp_path: Any) -> None:
    for number in range(20):
        post, text, edited = _long_edit(number, 1_500)
        add_post(store, post, NOON + timedelta(minutes=number), text=text)
        add_post(store, post, NOON + timedelta(minutes=number, seconds=30), text=edited)
    _, rendered = render(store, tmp_path, max_html_bytes=60_000)

    assert len(rendered.html.encode("utf-8")) <= 60_000
    assert rendered.lines == rendered.attached == 0 and rendered.shortened == 20
    soup = BeautifulSoup(rendered.html, "lxml")
    assert [d.get_text() for d in soup.find_all("del")] == ["palabra10", "palabra1495"] * 20
    assert [i.get_text() for i in soup.find_all("ins")] == ["PALABRA10", "nueva"] * 20
    assert soup.get_text(" ").count(" … ") >= 20
    assert "too long to show here" not in rendered.html
    # The text part is under its own cap: every diff in full.
    assert rendered.text.count("[-palabra10-]{+PALABRA10+}") == 20
    assert "palabra700 palabra701" in rendered.text


def test_an_edit_too_long_for_the_cap_falls_back_to_the_new_text(
    store: Store, tmp_path: Any
) -> None:
    old = " ".join(f"vieja{n}" for n in range(4_000))
    new = " ".join(f"nueva{n}" for n in range(4_000))
    post = sample(native_id="rewritten/1", status="not_needed")
    add_post(store, post, NOON, text=old)
    add_post(store, post, NOON + timedelta(minutes=1), text=new)
    _, rendered = render(store, tmp_path, max_html_bytes=20_000)

    assert len(rendered.html.encode("utf-8")) <= 20_000
    assert rendered.shortened == 1 and rendered.lines == rendered.attached == 0
    soup = BeautifulSoup(rendered.html, "lxml")
    assert not soup.find_all(["del", "ins"])
    text = soup.get_text(" ")
    assert "the changes are too long to show here, so the current text is shown" in text
    assert "nueva0 nueva1" in text and "vieja0" not in text
    assert "Read the full post" in text
    assert "[-vieja0 vieja1" in rendered.text  # the text part has room for it
