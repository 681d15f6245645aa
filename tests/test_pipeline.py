"""The whole pipeline in one process: local feeds -> store -> detect -> translate -> queue."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema

from monitor.app import App
from monitor.config import Settings
from monitor.queues.sqlite import SqliteQueue
from monitor.record import json_schema
from tests.support.argos_package import ArgosEnv, BuiltPackage, install_unzipped
from tests.support.httpserver import LocalServer, Reply
from tests.support.stores import StoreFactory

DATA = Path(__file__).parent / "sources" / "testdata" / "rss"


def settings_for(
    server: LocalServer,
    data_dir: Path,
    store: StoreFactory | None = None,
    **translation: Any,
) -> Settings:
    return Settings.model_validate(
        {
            "monitor": {"data_dir": str(data_dir), "health": ""},
            "store": store.settings() if store else {},
            "translation": translation,
            "sources": [
                {"name": "mppre-feed", "platform": "rss", "url": server.url("/mppre")},
                {"name": "kremlin-ru", "platform": "rss", "url": server.url("/kremlin")},
            ],
        }
    )


def serve_feeds(server: LocalServer) -> None:
    server.route(
        "/mppre",
        Reply(
            body=(DATA / "mppre.xml").read_bytes(), headers={"Content-Type": "application/rss+xml"}
        ),
    )
    server.route(
        "/kremlin",
        Reply(
            body=(DATA / "kremlin-atom.xml").read_bytes(),
            headers={"Content-Type": "application/atom+xml"},
        ),
    )


async def queued(data_dir: Path, settings: Settings) -> list[dict[str, Any]]:
    queue = SqliteQueue(settings.queue, data_dir)
    records = [r async for r in queue.tail(limit=10_000, follow=False)]
    await queue.close()
    return records


async def test_spanish_and_russian_posts_come_out_translated(
    http_server: LocalServer,
    tmp_path: Path,
    argos_env: ArgosEnv,
    argos_packages: dict[str, BuiltPackage],
) -> None:
    for package in argos_packages.values():
        install_unzipped(package, argos_env.packages_dir)
    serve_feeds(http_server)
    settings = settings_for(http_server, tmp_path / "data")
    async with App(settings) as app:
        outcomes = await app.collect_pass()
        assert [o.status for o in outcomes] == ["ok", "ok"]
        assert app.store.outbox_pending() == 0
    records = await queued(tmp_path / "data", settings)
    assert len(records) == 5
    for record in records:
        jsonschema.validate(record, json_schema())
        translation = record["translation"]
        assert translation["status"] == "translated", record
        assert translation["from"] == record["language"]["code"] and translation["to"] == "en"
        assert translation["engine"] == "argos" and translation["model"]
        assert isinstance(translation["text"], str)
    assert {r["language"]["code"] for r in records} == {"es", "ru"}


async def test_without_models_records_go_out_as_no_model_and_nothing_is_lost_on_rerun(
    http_server: LocalServer, tmp_path: Path, open_test_store: StoreFactory, argos_env: ArgosEnv
) -> None:
    serve_feeds(http_server)
    settings = settings_for(http_server, tmp_path / "data", open_test_store)
    async with App(settings) as app:
        await app.collect_pass()
    async with App(settings) as app:
        second = await app.collect_pass()
        assert sum(o.new + o.updated for o in second) == 0
    records = await queued(tmp_path / "data", settings)
    assert len(records) == 5
    assert {r["translation"]["status"] for r in records} == {"no_model"}
    assert len({(r["id"], r["revision"]) for r in records}) == 5


async def test_a_crash_after_the_store_commit_resumes_from_the_store(
    http_server: LocalServer, tmp_path: Path, open_test_store: StoreFactory, argos_env: ArgosEnv
) -> None:
    serve_feeds(http_server)
    settings = settings_for(http_server, tmp_path / "data", open_test_store, enabled=False)
    async with App(settings) as app:
        await app.collect_all()
        assert app.store.count_stage("collected") == 5
    async with App(settings) as app:
        await app.process()
        assert app.store.count_stage("ready") == 5
    assert len(await queued(tmp_path / "data", settings)) == 5


async def test_posts_published_without_a_model_are_translated_when_it_appears(
    http_server: LocalServer,
    tmp_path: Path,
    open_test_store: StoreFactory,
    argos_env: ArgosEnv,
    argos_packages: dict[str, BuiltPackage],
) -> None:
    serve_feeds(http_server)
    settings = settings_for(http_server, tmp_path / "data", open_test_store)
    async with App(settings) as app:
        await app.collect_pass()
    install_unzipped(argos_packages["es"], argos_env.packages_dir)
    async with App(settings) as app:
        await app.process()
    records = await queued(tmp_path / "data", settings)
    spanish = [r for r in records if r["language"]["code"] == "es"]
    assert sorted((r["revision"], r["translation"]["status"]) for r in spanish) == [
        (1, "no_model"),
        (1, "no_model"),
        (1, "no_model"),
        (2, "translated"),
        (2, "translated"),
        (2, "translated"),
    ]
    russian = [r for r in records if r["language"]["code"] == "ru"]
    assert {(r["revision"], r["translation"]["status"]) for r in russian} == {(1, "no_model")}


async def test_translation_backlog_is_bounded_and_the_rest_waits_durably(
    http_server: LocalServer,
    tmp_path: Path,
    open_test_store: StoreFactory,
    argos_env: ArgosEnv,
    argos_packages: dict[str, BuiltPackage],
) -> None:
    install_unzipped(argos_packages["es"], argos_env.packages_dir)
    serve_feeds(http_server)
    settings = settings_for(http_server, tmp_path / "data", open_test_store, backlog=2)
    async with App(settings) as app:
        await app.collect_all()
        app.enricher.enrich_collected()
        assert app.store.count_stage("translating") == 2
        assert app.store.count_stage("collected") == 1
        assert app.store.count_stage("ready") == 2
        waiting = app.store.posts_in_stage("collected")
        assert [post.language for post in waiting] == ["es"]  # detected once, kept
        await app.process()
        assert app.store.count_stage("ready") == 5
