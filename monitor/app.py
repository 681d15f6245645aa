"""Wiring: one object that owns the store, the HTTP client, the sources and the queue."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from types import TracebackType

from monitor.alerts.service import Alerts
from monitor.cluster import ROLES, open_coordinator
from monitor.config import Settings, SourceSettings
from monitor.errors import MonitorError, QueueError
from monitor.metrics import Metrics
from monitor.pipeline import Enricher, SourceOutcome, collect
from monitor.queues.base import QueueBackend
from monitor.queues.factory import open_backend
from monitor.queues.publisher import Publisher
from monitor.recheck import RecheckOutcome, recheck
from monitor.sources.base import Source
from monitor.sources.http import HttpClient
from monitor.sources.registry import build_source
from monitor.store import Store, open_store
from monitor.translate.base import NoTranslator, Translator

log = logging.getLogger("monitor")


def build_translator(settings: Settings, store: Store) -> Translator:
    if not settings.translation.enabled:
        return NoTranslator()
    from monitor.translate.engine import build_translator as build_engine

    return build_engine(settings, store)


class App:
    """Everything a collection pass or the daemon needs, opened once and closed once."""

    def __init__(
        self,
        settings: Settings,
        *,
        translator: Translator | None = None,
        roles: tuple[str, ...] = ROLES,
    ) -> None:
        self.settings = settings
        self.metrics = Metrics()
        self.store = open_store(settings)
        self.http = HttpClient(
            user_agent=settings.monitor.user_agent,
            timeout=settings.monitor.timeout,
            max_bytes=settings.monitor.max_response_bytes,
            max_connections=settings.monitor.max_concurrency,
            per_host=settings.monitor.per_host_concurrency,
        )
        # One limit for every poll, whether a pass over all sources or the daemon's single jobs.
        self._polling = asyncio.Semaphore(settings.monitor.max_concurrency)
        self.translator = translator or build_translator(settings, self.store)
        self.coordinator = open_coordinator(settings, self.store, self.translator, roles)
        if self.coordinator.shared:
            self.metrics.instance_id = self.coordinator.instance.id
        self.enricher = Enricher(
            settings, self.store, self.translator, self.metrics, work=self.coordinator
        )
        self.backend: QueueBackend = open_backend(settings)
        backend = settings.queue.backend
        self.publisher = Publisher(
            self.store,
            self.backend,
            batch=settings.queue.batch,
            on_published=self.metrics.published.labels(backend).inc,
            on_failed=self.metrics.publish_failures.labels(backend).inc,
        )
        self.metrics.watch(
            "monitor_translation_backlog",
            "Posts waiting for translation",
            lambda: float(self.store.count_stage("translating")),
        )
        self.metrics.watch(
            "monitor_outbox_pending",
            "Records waiting in the outbox for the queue",
            lambda: float(self.store.outbox_pending()),
        )
        self.alerts: Alerts | None = (
            Alerts(settings, self.store, self.metrics) if settings.alerts else None
        )
        self.sources: dict[str, Source] = {}
        self.configure_sources(settings.sources)

    def configure_sources(self, configured: Sequence[SourceSettings]) -> None:
        """Build an adapter per enabled source; one that cannot be built is logged and skipped."""
        self.sources = {}
        for settings in configured:
            if not settings.enabled:
                continue
            try:
                self.sources[settings.name] = build_source(settings, self.http)
            except MonitorError as error:
                log.error("source %s: skipped: %s", settings.name, error)

    async def __aenter__(self) -> App:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.http.aclose()
        if self.alerts is not None:
            self.alerts.close()
        try:
            await self.backend.close()
        except QueueError as error:
            log.warning("closing the queue: %s", error)
        self.translator.close()
        self.store.close()

    async def collect_all(self, names: Sequence[str] | None = None) -> list[SourceOutcome]:
        chosen = [self.sources[n] for n in names] if names else list(self.sources.values())

        async def one(source: Source) -> SourceOutcome:
            async with self._polling:
                outcome = await collect(
                    source,
                    self.store,
                    deadline=self.settings.monitor.poll_deadline,
                    max_text=self.settings.monitor.max_text,
                )
            self.observe(outcome)
            return outcome

        return list(await asyncio.gather(*(one(s) for s in chosen)))

    async def recheck_all(self, names: Sequence[str] | None = None) -> list[RecheckOutcome]:
        """Re-check recent posts of the named sources (default: all with deletions on) for
        deletions, under the same concurrency limit and deadline as polls."""
        chosen = [self.sources[n] for n in names] if names else list(self.sources.values())

        async def one(source: Source) -> RecheckOutcome:
            async with self._polling:
                return await recheck(
                    source, self.store, deadline=self.settings.monitor.poll_deadline
                )

        wanted = [s for s in chosen if s.settings.rechecks and s.can_recheck]
        return list(await asyncio.gather(*(one(s) for s in wanted)))

    def observe(self, outcome: SourceOutcome) -> None:
        metrics, name = self.metrics, outcome.source
        metrics.polls.labels(name, outcome.status).inc()
        metrics.consecutive_errors.labels(name).set(outcome.consecutive_errors)
        if outcome.status == "error":
            metrics.fetch_errors.labels(name, outcome.error_kind or "error").inc()
            return
        metrics.posts_collected.labels(name).inc(outcome.new)
        metrics.posts_updated.labels(name).inc(outcome.updated)
        if outcome.skipped:
            metrics.entries_skipped.labels(name).inc(outcome.skipped)
        metrics.last_success.labels(name).set_to_current_time()

    async def turn(self, job: str) -> bool:
        """Whether this process runs the singleton `job` now: always on the embedded store;
        sharing one, when it holds (or takes) the job's lease."""
        if not self.coordinator.shared:
            return True
        return await asyncio.to_thread(self.coordinator.holds, job)

    async def process(self) -> None:
        """Enrich, translate and publish whatever the store holds for it; sharing a store with
        running instances, only the parts none of them holds."""
        processing = await self.turn("process")
        while True:
            if processing:
                await asyncio.to_thread(self.enricher.enrich_collected)
                await asyncio.to_thread(self.enricher.resume_untranslated)
            translated = await self.enricher.translate_pending()
            if not processing or translated == 0 or self.store.count_stage("collected") == 0:
                break
        try:
            if await self.turn("publisher"):
                await self.publisher.drain()
        except QueueError as error:
            log.warning("publishing deferred, records stay in the outbox: %s", error)
        if self.alerts is not None:  # `monitor collect` from cron alerts too
            try:
                if await self.turn("alerts"):
                    await asyncio.to_thread(self.alerts.run_once)
            except MonitorError as error:
                log.warning("alerts deferred to the next pass: %s", error)
        if self.coordinator.shared:  # the jobs taken for this pass are free again at once
            await asyncio.to_thread(self.coordinator.leave)

    async def collect_pass(self, names: Sequence[str] | None = None) -> list[SourceOutcome]:
        outcomes = await self.collect_all(names)
        await self.process()
        return outcomes
