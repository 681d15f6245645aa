"""`monitor digest preview` / `send` as the CLI calls them, and the Chromium rendering."""

from __future__ import annotations

from datetime import date, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from monitor.digest import log as digest_log
from monitor.digest.commands import digest_preview, digest_send
from monitor.digest.digester import Digester
from monitor.digest.window import day_window
from monitor.record import utcnow
from monitor.store import Store
from tests.digest.support import make_settings, seed
from tests.support.store import query


def test_preview_prints_the_text_part_and_sends_nothing(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(store)
    settings = make_settings(tmp_path / "data")
    assert digest_preview(settings, store, date(2026, 11, 27), None) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "Digest 2026-11-27: 8 statements (9 posts) from 5 accounts (5 translated)\n"
    )
    assert "\nCancillería Venezuela 🇻🇪 (@CancilleriaVE) · X\n" in out
    assert "\nTRANSLATED STATEMENTS · " in out
    assert query(store, "SELECT COUNT(*) FROM digests")[0][0] == 0
    assert not (tmp_path / "data" / "digests").exists()


def test_preview_writes_html_text_or_eml(store: Store, tmp_path: Path) -> None:
    seed(store)
    settings = make_settings(tmp_path / "data")
    day = date(2026, 11, 27)
    assert digest_preview(settings, store, day, tmp_path / "out" / "d.html") == 0
    assert (tmp_path / "out" / "d.html").read_text("utf-8").startswith("<!DOCTYPE html>")
    assert digest_preview(settings, store, day, tmp_path / "d.txt") == 0
    assert (tmp_path / "d.txt").read_text("utf-8").startswith("Digest 2026-11-27")
    assert digest_preview(settings, store, day, tmp_path / "d.eml") == 0
    message = BytesParser(policy=policy.default).parsebytes((tmp_path / "d.eml").read_bytes())
    assert message.get_content_type() == "multipart/alternative"


def test_preview_without_a_date_covers_since_the_last_sent_digest(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(store, timedelta(days=(utcnow().date() - date(2026, 11, 27)).days - 2))
    settings = make_settings(tmp_path / "data")
    assert digest_send(settings, store, None) == 0
    assert "sent: 9 post(s)" in capsys.readouterr().out
    assert digest_preview(settings, store, None, None) == 0
    assert "0 statements (0 posts) from 0 accounts" in capsys.readouterr().out


def test_config_problems_exit_2_with_one_sentence(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_settings(tmp_path / "data", templates=str(tmp_path / "nowhere"))
    assert digest_preview(settings, store, None, None) == 2
    assert digest_send(settings, store, None) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all(
        "digest.templates:" in line and "is not a folder" in line for line in err
    )


def test_unwritable_output_exits_1(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    settings = make_settings(tmp_path / "data", out_dir=str(blocker / "sub"))
    assert digest_preview(settings, store, None, blocker / "sub" / "d.html") == 1
    assert digest_send(settings, store, date(2026, 11, 27)) == 1
    err = capsys.readouterr().err
    assert "cannot write" in err and "Traceback" not in err


def test_send_while_the_daemon_holds_the_window_says_so(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(store)
    settings = make_settings(tmp_path / "data")
    day = date(2026, 11, 27)
    digester = Digester(settings, store)
    row = digester.record(day_window(day, digester.zone, utcnow()), utcnow())
    assert digest_log.claim(store, row, utcnow(), timedelta(minutes=5))
    assert digest_send(settings, store, day) == 1
    err = capsys.readouterr().err
    assert "is being delivered by the daemon or waits for its retry at" in err
    assert err.count("\n") == 1
    assert not (tmp_path / "data" / "digests").exists()
