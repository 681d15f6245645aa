"""Instances sharing a store, on both backends: leases, source claims, translation claims."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from monitor.record import Language, Translation
from monitor.sources.base import SourceState
from monitor.store import InstanceInfo, Schedule, Store
from tests.support.stores import StoreFactory
from tests.test_store import item

LONG = 60.0


def schedules(*names: str, host: str = "t.me", every: float = 300.0) -> dict[str, Schedule]:
    return {name: Schedule("telegram", host, every, 0.0) for name in names}


def make_due(store: Store, *names: str) -> None:
    """What the clock would do: these sources are due now."""
    with store.transaction() as db:
        for name in names:
            db.execute("UPDATE sources SET due_at = 0 WHERE name = ?", (name,))


def test_a_singleton_lease_has_one_holder_until_it_runs_out(backend_store: Store) -> None:
    store = backend_store
    assert store.try_lease("publisher", "a", LONG)
    assert not store.try_lease("publisher", "b", LONG)
    assert store.try_lease("publisher", "a", 0.2)  # the holder renews (here: shortens)
    time.sleep(0.3)
    assert store.try_lease("publisher", "b", LONG)
    assert not store.try_lease("publisher", "a", LONG)
    store.release_lease("publisher", "b")
    assert store.try_lease("publisher", "a", LONG)


def test_sources_are_claimed_once_per_interval_within_the_host_budget(
    backend_store: Store,
) -> None:
    store = backend_store
    planned = schedules("one", "two", "three") | schedules("feed", host="example.org")
    store.schedule_sources(planned)
    make_due(store, "one", "two", "three", "feed")
    first = store.claim_sources("a", planned, limit=10, lease=LONG, per_host=2)
    assert len(first) == 3  # two of t.me's three, and the feed
    assert sum(claim.name != "feed" for claim in first) == 2
    # t.me's budget is spent across instances: b gets nothing until a poll ends.
    assert store.claim_sources("b", planned, limit=10, lease=LONG, per_host=2) == []
    done = next(claim for claim in first if claim.name != "feed")
    store.finish_poll(done.name, "a", next_in=300.0)
    second = store.claim_sources("b", planned, limit=10, lease=LONG, per_host=2)
    assert [claim.name for claim in second] == [
        name for name in ("one", "two", "three") if name not in {c.name for c in first}
    ]
    # Polled a moment ago, so due one interval later, whoever asks.
    assert store.claim_sources("c", planned, limit=10, lease=LONG, per_host=2) == []
    assert all(claim.due_at >= time.time() + 290 for claim in first + second)


def test_a_failed_poll_is_due_after_its_backoff(backend_store: Store) -> None:
    store = backend_store
    planned = schedules("one")
    store.schedule_sources(planned)
    make_due(store, "one")
    [claim] = store.claim_sources("a", planned, limit=1, lease=LONG, per_host=4)
    store.finish_poll("one", "a", next_in=0.0)
    time.sleep(0.05)
    assert [c.name for c in store.claim_sources("b", planned, limit=1, lease=LONG, per_host=4)]
    assert claim.due_at > time.time()


def test_a_dead_instances_sources_and_leases_pass_on_after_its_lease(
    backend_store: Store,
) -> None:
    store = backend_store
    planned = schedules("one", "two")
    store.schedule_sources(planned)
    make_due(store, "one", "two")
    store.join_cluster(InstanceInfo("a", "host-a", 1, ("collector",)))
    assert len(store.claim_sources("a", planned, limit=10, lease=0.3, per_host=1)) == 1
    assert store.try_lease("publisher", "a", 0.3)
    [view] = store.cluster_instances(lease=5.0)
    assert (view.alive, view.leases, view.sources) == (True, ("publisher",), 1)
    make_due(store, "one", "two")  # both due again, one of them still held by a
    assert len(store.claim_sources("b", planned, limit=10, lease=LONG, per_host=1)) == 0
    time.sleep(0.4)  # a stopped heartbeating: its lease has run out
    taken = store.claim_sources("b", planned, limit=10, lease=LONG, per_host=1)
    assert len(taken) == 1
    assert store.try_lease("publisher", "b", LONG)
    view = store.cluster_instances(lease=0.2)[0]
    assert (view.alive, view.leases, view.sources) == (False, (), 0)


def test_heartbeat_keeps_and_leaving_frees_what_an_instance_holds(backend_store: Store) -> None:
    store = backend_store
    planned = schedules("one")
    store.schedule_sources(planned)
    make_due(store, "one")
    store.join_cluster(InstanceInfo("a", "host-a", 1, ("collector", "publisher")))
    store.claim_sources("a", planned, limit=1, lease=0.3, per_host=1)
    store.try_lease("publisher", "a", 0.3)
    time.sleep(0.2)
    store.heartbeat("a", LONG)
    time.sleep(0.2)
    assert not store.try_lease("publisher", "b", LONG)
    make_due(store, "one")
    assert store.claim_sources("b", planned, limit=1, lease=LONG, per_host=1) == []
    store.leave_cluster("a")
    assert store.try_lease("publisher", "b", LONG)
    assert len(store.claim_sources("b", planned, limit=1, lease=LONG, per_host=1)) == 1
    [view] = [v for v in store.cluster_instances(lease=LONG) if v.info.id == "a"]
    assert view.stopped and not view.alive and view.info.roles == ("collector", "publisher")


def test_sources_dropped_from_the_config_are_no_longer_due(backend_store: Store) -> None:
    store = backend_store
    store.schedule_sources(schedules("one", "two"))
    store.schedule_sources(schedules("two"))
    make_due(store, "two")
    with store.transaction() as db:
        db.execute("UPDATE sources SET due_at = NULL WHERE name = 'one'")
    claims = store.claim_sources("a", schedules("one", "two"), limit=5, lease=LONG, per_host=5)
    assert [claim.name for claim in claims] == ["two"]


def test_concurrent_claims_never_hand_out_a_source_twice(
    open_test_store: StoreFactory,
) -> None:
    stores = [open_test_store() for _ in range(3)]
    names = [f"s{n}" for n in range(60)]
    planned = {name: Schedule("rss", f"h{n % 6}", 300.0, 0.0) for n, name in enumerate(names)}
    stores[0].schedule_sources(planned)
    make_due(stores[0], *names)

    def claim(index: int) -> list[str]:
        got: list[str] = []
        for _ in range(10):
            got += [
                c.name
                for c in stores[index].claim_sources(
                    f"i{index}", planned, limit=4, lease=LONG, per_host=100
                )
            ]
        return got

    with ThreadPoolExecutor(3) as pool:
        claimed = [name for part in pool.map(claim, range(3)) for name in part]
    assert sorted(claimed) == sorted(names)


def test_posts_are_claimed_for_translation_by_one_instance(backend_store: Store) -> None:
    store = backend_store
    store.save_fetch("feed", "rss", [item(str(n), f"texto {n}") for n in range(3)], SourceState())
    store.mark_detected([("translating", f"rss:feed/{n}", 1, "es", 0.99) for n in range(3)])
    first = store.claim_posts("translating", "a", limit=2, lease=LONG)
    second = store.claim_posts("translating", "b", limit=2, lease=LONG)
    assert len(first) == 2 and len(second) == 1
    assert not {p.id for p in first} & {p.id for p in second}
    assert store.claim_posts("translating", "c", limit=5, lease=LONG) == []
    ready = first[0].record(Language("es", 0.99), Translation("no_model", source="es", target="en"))
    assert store.mark_ready([ready]) == 1
    store.leave_cluster("b")  # b's claim is free again; a's unfinished one is not
    assert [p.id for p in store.claim_posts("translating", "c", limit=5, lease=LONG)] == [
        second[0].id
    ]


def test_an_instance_restarted_under_its_id_holds_nothing_of_its_past(
    backend_store: Store,
) -> None:
    store = backend_store
    planned = schedules("one")
    store.schedule_sources(planned)
    make_due(store, "one")
    me = InstanceInfo("collector-a-1", "collector-a", 1, ("collector",))
    store.join_cluster(me)
    assert store.claim_sources(me.id, planned, limit=1, lease=LONG, per_host=1)
    store.join_cluster(me)  # the container restarted: same host name, same pid
    make_due(store, "one")
    assert store.claim_sources(me.id, planned, limit=1, lease=LONG, per_host=1)


def test_an_edit_frees_a_post_claimed_for_translation(backend_store: Store) -> None:
    store = backend_store
    store.save_fetch("feed", "rss", [item("1", "uno")], SourceState())
    store.mark_detected([("translating", "rss:feed/1", 1, "es", 0.99)])
    assert store.claim_posts("translating", "a", limit=5, lease=LONG)
    store.save_fetch("feed", "rss", [item("1", "uno, editado")], SourceState())
    store.mark_detected([("translating", "rss:feed/1", 2, "es", 0.99)])
    [post] = store.claim_posts("translating", "b", limit=5, lease=LONG)
    assert post.revision == 2
