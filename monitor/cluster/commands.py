"""`monitor instances`: who shares the store, in what roles, holding what."""

from __future__ import annotations

from monitor.config import Settings
from monitor.store import InstanceView, open_store


def cmd_instances(settings: Settings) -> int:
    if settings.store.backend == "sqlite":
        print(
            "the embedded store has one instance, the `monitor run` that holds its data_dir;"
            " instances share work on a PostgreSQL store ([store] backend)"
        )
        return 0
    store = open_store(settings, readonly=True)
    try:
        views = store.cluster_instances(settings.cluster.lease)
    finally:
        store.close()
    if not views:
        print("no instance has run on this store in the last day")
        return 0
    rows = [("instance", "host", "pid", "roles", "heartbeat", "holds")]
    rows += [_row(view) for view in views]
    widths = [max(len(row[column]) for row in rows) for column in range(5)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[5]]).rstrip())
    alive = sum(view.alive for view in views)
    print(f"{alive} live instance(s) of {len(views)} seen in the last day")
    return 0


def _row(view: InstanceView) -> tuple[str, str, str, str, str, str]:
    info = view.info
    state = "" if view.alive else (" (stopped)" if view.stopped else " (gone)")
    holds = list(view.leases)
    if view.sources:
        holds.append(f"polling {view.sources} source(s)")
    if view.posts:
        holds.append(f"translating {view.posts} post(s)")
    if info.models:
        holds.append(f"models {' '.join(info.models)}")
    return (
        info.id + state,
        info.host,
        str(info.pid),
        ",".join(info.roles),
        f"{view.heartbeat_age:.0f}s ago",
        "; ".join(holds) if view.alive and holds else ("-" if view.alive else ""),
    )
