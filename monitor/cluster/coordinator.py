"""`Solo` (the embedded store: one process does everything) and `Shared` (PostgreSQL: any
number of processes, each job held through a lease)."""

from __future__ import annotations

import logging
import os
import socket
import time
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from monitor.config import Settings
from monitor.errors import MonitorError
from monitor.store import InstanceInfo, Store, StoredPost
from monitor.translate.base import Translator

log = logging.getLogger("monitor.cluster")


class Coordinator(Protocol):
    """Who does which part of the work. Every method may block on the store: call it from a
    worker thread in the daemon."""

    @property
    def instance(self) -> InstanceInfo: ...

    @property
    def shared(self) -> bool:
        """True when other instances may share the store."""
        ...

    @property
    def lease(self) -> float:
        """Seconds what this instance holds outlives its last heartbeat."""
        ...

    def join(self) -> None: ...

    def heartbeat(self) -> None: ...

    def leave(self) -> None: ...

    def holds(self, job: str) -> bool:
        """Whether this instance runs the singleton job `job` now (taking it when free)."""
        ...

    def model_for(self, source: str, target: str) -> str | None:
        """A model for the pair somewhere this instance's posts can be translated."""
        ...

    def claim_translations(self, limit: int) -> list[StoredPost]:
        """Up to `limit` posts waiting for translation, for this instance to translate."""
        ...


def instance_info(settings: Settings, roles: tuple[str, ...]) -> InstanceInfo:
    host = socket.gethostname()
    ident = settings.cluster.instance_id or f"{host}-{os.getpid()}"
    return InstanceInfo(ident, host, os.getpid(), roles, node=_node())


def _node() -> str:
    """This kernel's boot and this process's pid namespace: two containers may share a host
    name and a pid, never both of these."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        namespace = os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return ""
    return f"{boot}/{namespace}"


def open_coordinator(
    settings: Settings, store: Store, translator: Translator, roles: tuple[str, ...]
) -> Coordinator:
    info = instance_info(settings, roles)
    if store.dialect.name == "sqlite":
        return Solo(store, translator, info, settings.cluster.lease)
    return Shared(store, translator, info, settings)


class Solo:
    """The embedded store: this process is the only one (its data_dir lock says so)."""

    shared = False

    def __init__(
        self, store: Store, translator: Translator, instance: InstanceInfo, lease: float
    ) -> None:
        self.store = store
        self.translator = translator
        self.instance = instance
        self.lease = lease

    def join(self) -> None:
        pass

    def heartbeat(self) -> None:
        pass

    def leave(self) -> None:
        pass

    def holds(self, job: str) -> bool:
        return True

    def model_for(self, source: str, target: str) -> str | None:
        return self.translator.model_for(source, target)

    def claim_translations(self, limit: int) -> list[StoredPost]:
        return self.store.posts_in_stage("translating", limit)


class Shared:
    """One of any number of instances on a PostgreSQL store."""

    shared = True

    def __init__(
        self, store: Store, translator: Translator, instance: InstanceInfo, settings: Settings
    ) -> None:
        self.store = store
        self.translator = translator
        self.lease = settings.cluster.lease
        self.target = settings.languages.target
        self.languages = tuple(code for code in settings.languages.translate if code != self.target)
        self.translating = settings.translation.enabled and "translator" in instance.roles
        self.instance = replace(instance, models=self._models())
        self._held: set[str] = set()
        self._peers: tuple[float, frozenset[str]] = (0.0, frozenset())

    def _models(self) -> tuple[str, ...]:
        """The pairs this instance translates, as "es-en" (none unless a translator)."""
        if not self.translating:
            return ()
        return tuple(
            f"{code}-{self.target}"
            for code in self.languages
            if self.translator.model_for(code, self.target)
        )

    def join(self) -> None:
        self._reap()
        self.store.join_cluster(self.instance)
        log.info(
            "instance %s joined the store %s as %s",
            self.instance.id,
            self.store.where,
            ", ".join(self.instance.roles),
        )

    def _reap(self) -> None:
        """Instances of this machine whose process is gone (a restart after kill -9 or a
        crash) release what they held now, not a lease period later."""
        me = self.instance
        if not me.node:
            return
        for view in self.store.cluster_instances(self.lease):
            other = view.info
            if view.stopped or other.node != me.node or other.id == me.id or _running(other.pid):
                continue
            log.info("instance %s (pid %d) is gone; what it held is free", other.id, other.pid)
            self.store.leave_cluster(other.id)

    def heartbeat(self) -> None:
        self.store.heartbeat(self.instance.id, self.lease, self._models())

    def leave(self) -> None:
        self.store.leave_cluster(self.instance.id)
        self._held.clear()

    def holds(self, job: str) -> bool:
        try:
            held = self.store.try_lease(job, self.instance.id, self.lease)
        except MonitorError as error:
            log.warning("cannot renew the %s lease (%s); leaving it to others", job, error)
            held = False
        if held and job not in self._held:
            log.info("this instance (%s) now runs %s", self.instance.id, job)
            self._held.add(job)
        elif not held and job in self._held:
            log.warning("%s passed to another instance", job)
            self._held.discard(job)
        return held

    def model_for(self, source: str, target: str) -> str | None:
        local = self.translator.model_for(source, target) if self.translating else None
        if local is not None:
            return local
        pair = f"{source}-{target}"
        return f"a translator instance's {pair}" if pair in self._peer_models() else None

    def _peer_models(self) -> frozenset[str]:
        """The pairs live translator instances have, read at most every few seconds."""
        read_at, models = self._peers
        if time.monotonic() - read_at > min(5.0, self.lease / 4):
            models = frozenset(
                model
                for view in self.store.cluster_instances(self.lease)
                if view.alive and "translator" in view.info.roles
                for model in view.info.models
            )
            self._peers = (time.monotonic(), models)
        return models

    def claim_translations(self, limit: int) -> list[StoredPost]:
        sources = tuple(model.split("-")[0] for model in self._models())
        return self.store.claim_posts(
            "translating", self.instance.id, limit=limit, lease=self.lease, languages=sources
        )


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
