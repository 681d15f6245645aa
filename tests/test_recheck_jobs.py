"""Deletion rechecks wired into the app and the daemon: which sources, which jobs, isolation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from monitor.app import App
from monitor.config import Settings
from monitor.daemon import Daemon
from monitor.record import Language, Translation, utcnow
from monitor.sources.base import SourceState
from tests.sources.recheck_cases import BLUESKY, MASTODON, RSS, TOKEN_ENV, Case, World, X
from tests.support.httpserver import LocalServer
from tests.support.store import query


def settings(tmp_path: Path, sources: list[dict[str, Any]]) -> Settings:
    return Settings.model_validate(
        {
            "monitor": {"data_dir": str(tmp_path / "data"), "health": ""},
            "translation": {"enabled": False},
            "digest": {"enabled": False},
            "sources": sources,
        }
    )


def source(case: Case, server: LocalServer, **extra: Any) -> dict[str, Any]:
    values = {"name": f"{case.platform}-source", **case.settings(server), **extra}
    return {k: v for k, v in values.items() if v is not None}


def seed(app: App, case: Case, server: LocalServer) -> None:
    name = f"{case.platform}-source"
    app.store.save_fetch(name, case.platform, case.items(server, utcnow()), SourceState())
    app.store.mark_ready(
        [
            p.record(Language("es", 0.9), Translation("not_needed", source="es"))
            for p in app.store.posts_in_stage("collected")
        ]
    )


async def test_x_and_rss_without_deletions_true_never_recheck(
    tmp_path: Path, http_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, "token")
    world = World(gone={X.ids[0], RSS.ids[0]})
    for case in (X, RSS, MASTODON):
        case.serve(http_server, world)
    configured = [
        source(X, http_server, deletions=None),
        source(RSS, http_server, deletions=None),
        source(MASTODON, http_server),
    ]
    async with App(settings(tmp_path, configured)) as app:
        for case in (X, RSS, MASTODON):
            seed(app, case, http_server)
        for _ in range(3):
            outcomes = await app.recheck_all()
            assert [o.source for o in outcomes] == ["mastodon-source"]
        daemon_jobs = Daemon(app.settings)
        daemon_jobs.schedule_sources()
        jobs = {job.id for job in daemon_jobs.scheduler.get_jobs()}
        await daemon_jobs.app.aclose()
    assert X.lookups(http_server) == 0 and RSS.lookups(http_server) == 0
    assert http_server.hits("/feed.xml") == []
    assert MASTODON.lookups(http_server) == 6
    assert "recheck:mastodon-source" in jobs
    assert "recheck:x-source" not in jobs and "recheck:rss-source" not in jobs
    assert {"source:x-source", "source:rss-source", "source:mastodon-source"} <= jobs


async def test_deletions_false_turns_a_default_platform_off(
    tmp_path: Path, http_server: LocalServer
) -> None:
    BLUESKY.serve(http_server, World())
    async with App(settings(tmp_path, [source(BLUESKY, http_server, deletions=False)])) as app:
        seed(app, BLUESKY, http_server)
        assert await app.recheck_all() == []
    assert BLUESKY.lookups(http_server) == 0


async def test_a_recheck_job_publishes_a_deletion_and_a_broken_source_stays_isolated(
    tmp_path: Path, http_server: LocalServer
) -> None:
    world = World(gone={MASTODON.ids[0]})
    MASTODON.serve(http_server, world)
    broken = {
        "name": "broken-bluesky",
        "platform": "bluesky",
        "handle": "broken.bsky.social",
        "base_url": http_server.url("/nowhere"),
    }
    daemon = Daemon(settings(tmp_path, [source(MASTODON, http_server), broken]))
    try:
        seed(daemon.app, MASTODON, http_server)
        daemon.app.store.save_fetch(
            "broken-bluesky", "bluesky", BLUESKY.items(http_server, utcnow()), SourceState()
        )
        for _ in range(2):
            await daemon.recheck("broken-bluesky")
            await daemon.recheck("mastodon-source")
        assert daemon.publish_wake.is_set()
        await daemon.app.publisher.drain()
        rows = query(daemon.app.store, "SELECT body FROM outbox ORDER BY seq")
        deleted = [json.loads(r[0]) for r in rows if json.loads(r[0])["deleted_at"]]
        assert [r["id"] for r in deleted] == [f"mastodon:mastodon.social/{MASTODON.ids[0]}"]
    finally:
        await daemon.app.aclose()


async def test_sighup_reload_drops_or_adds_the_recheck_job(tmp_path: Path) -> None:
    config = tmp_path / "monitor.toml"
    text = (
        f'[monitor]\ndata_dir = "{tmp_path / "data"}"\nhealth = ""\n'
        "[translation]\nenabled = false\n[digest]\nenabled = false\n"
        '[[sources]]\nname = "masto"\nplatform = "mastodon"\n'
        'handle = "CancilleriaVE@mastodon.social"\nbase_url = "http://127.0.0.1:9"\n'
    )
    config.write_text(text)
    from monitor.config import load_settings

    daemon = Daemon(load_settings(config), config)
    try:
        daemon.schedule_sources()
        assert daemon.scheduler.get_job("recheck:masto") is not None
        config.write_text(text + "deletions = false\n")
        daemon.reload()
        assert daemon.scheduler.get_job("source:masto") is not None
        assert daemon.scheduler.get_job("recheck:masto") is None
        config.write_text(text + 'recheck_every = "10m"\n')
        daemon.reload()
        job = daemon.scheduler.get_job("recheck:masto")
        assert job is not None and job.trigger.interval.total_seconds() == 600
    finally:
        await daemon.app.aclose()
