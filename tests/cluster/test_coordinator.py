"""The coordinators: `Solo` on the embedded store, `Shared` instances on PostgreSQL."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from monitor.cluster import ROLES, Shared, Solo, open_coordinator, parse_roles
from monitor.cluster.coordinator import instance_info
from monitor.cluster.wakeups import Wakeups
from monitor.config import Settings
from monitor.errors import ConfigError
from monitor.metrics import Metrics
from monitor.record import Language, Translation
from monitor.sources.base import SourceState
from monitor.store import InstanceInfo, events
from monitor.translate.base import NoTranslator, Translator
from tests.support.stores import StoreFactory
from tests.test_store import item


class SpanishModel(NoTranslator):
    def model_for(self, source: str, target: str) -> str | None:
        return "translate-es_en" if (source, target) == ("es", "en") else None

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        return list(texts)


def settings(factory: StoreFactory, **cluster: str) -> Settings:
    return Settings.model_validate(
        {
            "monitor": {"data_dir": str(factory.data_dir)},
            "store": factory.settings(),
            "languages": {"translate": ["es", "ru"]},
            "cluster": {"lease": "30s", **cluster},
        }
    )


def shared(
    factory: StoreFactory, name: str, roles: tuple[str, ...], translator: Translator | None = None
) -> Shared:
    chosen = settings(factory, instance_id=name)
    coordinator = open_coordinator(chosen, factory(), translator or NoTranslator(), roles)
    assert isinstance(coordinator, Shared)
    coordinator.join()
    return coordinator


def test_roles_are_checked_and_ordered() -> None:
    assert parse_roles(None) == ROLES
    assert parse_roles("web, collector") == ("collector", "web")
    with pytest.raises(ConfigError, match="unknown role collecter"):
        parse_roles("collecter")
    with pytest.raises(ConfigError, match="no role"):
        parse_roles(",")


def test_the_embedded_store_has_one_instance_doing_everything(tmp_path: Path) -> None:
    factory = StoreFactory("sqlite", tmp_path / "data")
    try:
        coordinator = open_coordinator(settings(factory), factory(), SpanishModel(), ROLES)
        assert isinstance(coordinator, Solo) and not coordinator.shared
        assert coordinator.holds("publisher") and coordinator.model_for("es", "en")
    finally:
        factory.cleanup()


def test_one_instance_holds_each_job_and_hands_it_on_when_it_leaves(
    postgresql_store_factory: StoreFactory,
) -> None:
    a = shared(postgresql_store_factory, "a", ROLES)
    b = shared(postgresql_store_factory, "b", ROLES)
    assert a.holds("publisher") and not b.holds("publisher")
    assert b.holds("digest") and not a.holds("digest")
    a.leave()
    assert b.holds("publisher")


def test_a_collector_sends_to_translation_what_a_live_translator_has_a_model_for(
    postgresql_store_factory: StoreFactory,
) -> None:
    collector = shared(postgresql_store_factory, "collector", ("collector",), SpanishModel())
    assert collector.model_for("es", "en") is None  # no translator instance yet
    collector._peers = (0.0, frozenset())  # forget the cached view
    translator = shared(postgresql_store_factory, "translator", ("translator",), SpanishModel())
    assert translator.instance.models == ("es-en",)
    assert collector.model_for("es", "en") and collector.model_for("ru", "en") is None
    store = postgresql_store_factory()
    store.save_fetch("feed", "rss", [item("1", "uno"), item("2", "два")], SourceState())
    store.mark_detected(
        [("translating", "rss:feed/1", 1, "es", 0.9), ("translating", "rss:feed/2", 1, "ru", 0.9)]
    )
    assert collector.claim_translations(10) == []  # a collector translates nothing
    assert [post.id for post in translator.claim_translations(10)] == ["rss:feed/1"]


def test_a_restarted_instance_frees_what_a_dead_one_of_its_host_held(
    postgresql_store_factory: StoreFactory,
) -> None:
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    dead_pid = int(gone.stdout)
    chosen = settings(postgresql_store_factory)
    me = instance_info(chosen, ROLES)
    store = postgresql_store_factory()
    dead = f"{me.host}-{dead_pid}"
    store.join_cluster(InstanceInfo(dead, me.host, dead_pid, ROLES, node=me.node))
    assert store.try_lease("publisher", dead, 30.0)
    # Same host name and pid, another machine or container: only its lease can tell.
    store.join_cluster(InstanceInfo("twin", me.host, dead_pid, ROLES, node="elsewhere/1"))
    assert store.try_lease("digest", "twin", 30.0)
    fresh = shared(postgresql_store_factory, "fresh", ROLES)
    assert me.node and fresh.holds("publisher")  # freed at once: its process is gone
    assert not fresh.holds("digest")


def test_metrics_carry_the_instance_id_when_the_store_is_shared() -> None:
    metrics = Metrics()
    metrics.polls.labels("feed", "ok").inc()
    assert b'instance_id="' not in metrics.render()
    metrics.instance_id = "host-1"
    assert b'monitor_polls_total{instance_id="host-1",source="feed",status="ok"} 1.0' in (
        metrics.render()
    )


def test_commits_wake_the_loops_of_other_instances(postgresql_store_factory: StoreFactory) -> None:
    store, other = postgresql_store_factory(), postgresql_store_factory()
    listener = other.listener(events.CHANNELS)
    assert listener is not None
    try:
        store.save_fetch("feed", "rss", [item("1", "uno")], SourceState())
        assert listener.wait(5.0) == {events.COLLECTED}
        store.mark_detected([("translating", "rss:feed/1", 1, "es", 0.9)])
        assert listener.wait(5.0) == {events.TRANSLATING}
        [post] = store.posts_in_stage("translating")
        store.mark_ready(
            [post.record(Language("es", 0.9), Translation("no_model", source="es", target="en"))]
        )
        assert listener.wait(5.0) == {events.OUTBOX}
        assert listener.wait(0.1) == set()
    finally:
        listener.close()

    async def woken() -> bool:
        outbox = asyncio.Event()
        wakeups = Wakeups(other, asyncio.get_running_loop(), {events.OUTBOX: [outbox]})
        wakeups.start()
        try:
            await asyncio.sleep(0.5)  # listening
            store.save_fetch("feed", "rss", [item("2", "dos")], SourceState())
            [post] = store.posts_in_stage("collected")
            ready = post.record(
                Language("es", 0.9), Translation("no_model", source="es", target="en")
            )
            await asyncio.to_thread(store.mark_ready, [ready])
            await asyncio.wait_for(outbox.wait(), timeout=5.0)
            return True
        finally:
            await asyncio.to_thread(wakeups.stop)

    assert asyncio.run(woken())


def test_the_embedded_store_has_nobody_to_listen_to(tmp_path: Path) -> None:
    factory = StoreFactory("sqlite", tmp_path / "data")
    try:
        assert factory().listener(events.CHANNELS) is None
    finally:
        factory.cleanup()
