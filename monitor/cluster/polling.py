"""Polling shared by instances: each due source is claimed by one instance for one poll.

The store hands out due sources (`Store.claim_sources`): at most `per_host_concurrency`
polls of one host at a time across every instance, each source due again one interval after
its claim, whoever polls it. A claim is a lease, renewed by the heartbeat while the poll runs;
an instance that dies leaves its sources to the others when the lease runs out.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping

from monitor.config import Settings
from monitor.errors import MonitorError
from monitor.pipeline import SourceOutcome
from monitor.sources.base import Source
from monitor.store import Schedule, SourceClaim, Store

log = logging.getLogger("monitor.cluster")

TICK = 1.0  # seconds between claims when nothing was due
BATCH = 0.02  # seconds a claim waits for more polls to end


class SharedPolling:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        owner: str,
        sources: Callable[[], Mapping[str, Source]],
        poll: Callable[[str], Awaitable[SourceOutcome]],
        retry_in: Callable[[str, SourceOutcome], float],
        on_changes: Callable[[], None],
    ) -> None:
        self.settings = settings
        self.store = store
        self.owner = owner
        self.sources = sources
        self.poll = poll
        self.retry_in = retry_in
        self.on_changes = on_changes
        self.in_flight: set[asyncio.Task[None]] = set()
        self._schedules: dict[str, Schedule] = {}

    def schedules(self) -> dict[str, Schedule]:
        return {
            name: Schedule(
                source.settings.platform,
                source.host,
                source.settings.every,
                source.settings.jitter_seconds,
            )
            for name, source in self.sources().items()
        }

    async def reschedule(self) -> None:
        """The configured sources (at start, after SIGHUP) are the ones the store hands out."""
        self._schedules = self.schedules()
        await asyncio.to_thread(self.store.schedule_sources, self._schedules)

    async def run(self, stop: asyncio.Event) -> None:
        scheduled = False
        tick = min(TICK, self.settings.cluster.lease / 4)
        while not stop.is_set():
            claims: list[SourceClaim] = []
            try:
                if not scheduled:
                    await self.reschedule()
                    scheduled = True
                claims = await self._claim()
            except MonitorError as error:
                log.error("claiming sources to poll: %s; trying again", error)
            except Exception:
                log.exception("claiming sources to poll failed unexpectedly; trying again")
            if stop.is_set():  # stopping while claiming: these go to the others at once
                await self._release(claims)
                return
            for claim in claims:
                task = asyncio.ensure_future(self._poll(claim))
                self.in_flight.add(task)
                task.add_done_callback(self.in_flight.discard)
            await self._next_turn(stop, tick)

    async def _next_turn(self, stop: asyncio.Event, tick: float) -> None:
        """Until a poll ends (its slot and its host's budget are free again: claim at once)
        or a tick has passed (sources have come due)."""
        stopped = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait(
                {stopped, *self.in_flight}, timeout=tick, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            stopped.cancel()
        if not stop.is_set() and self.in_flight:
            await asyncio.sleep(BATCH)  # polls ending together are claimed for together

    async def _claim(self) -> list[SourceClaim]:
        free = self.settings.monitor.max_concurrency - len(self.in_flight)
        if free <= 0:
            return []
        return await asyncio.to_thread(
            self.store.claim_sources,
            self.owner,
            self._schedules,
            limit=free,
            lease=self.settings.cluster.lease,
            per_host=self.settings.monitor.per_host_concurrency,
        )

    async def _release(self, claims: list[SourceClaim]) -> None:
        for claim in claims:
            try:
                await asyncio.to_thread(self.store.finish_poll, claim.name, self.owner, next_in=0)
            except MonitorError as error:
                log.warning("source %s: %s; its lease runs out by itself", claim.name, error)

    async def _poll(self, claim: SourceClaim) -> None:
        name = claim.name
        schedule = self._schedules.get(name)
        if schedule is None or name not in self.sources():
            return  # removed by SIGHUP since: its lease runs out, nobody schedules it again
        next_in = schedule.every + random.uniform(0, schedule.jitter)
        try:
            outcome = await self.poll(name)
            if outcome.status == "error":
                next_in = self.retry_in(name, outcome)
            elif outcome.new or outcome.updated:
                self.on_changes()
        except Exception:  # the poll's own errors are outcomes; this is a bug, not the source
            log.exception("source %s: poll failed unexpectedly", name)
        try:
            await asyncio.to_thread(self.store.finish_poll, name, self.owner, next_in=next_in)
        except MonitorError as error:
            log.warning("source %s: %s; its lease runs out by itself", name, error)
