"""`monitor run`: one scheduled job per source, a processing loop, clean shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import functools
import logging
import os
import random
import signal
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, ParamSpec

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from monitor import retention, systemd
from monitor.app import App
from monitor.cluster import ROLES
from monitor.cluster.polling import SharedPolling
from monitor.cluster.wakeups import Wakeups
from monitor.config import Settings, load_settings
from monitor.digest import DigestJob, last_sent_at
from monitor.errors import ConfigError, MonitorError
from monitor.health import HealthServer
from monitor.pipeline import SourceOutcome
from monitor.store import Store, events, open_store
from monitor.web import WebServer

P = ParamSpec("P")
log = logging.getLogger("monitor.daemon")
LOCK_FILE = "monitor.lock"


class AlreadyRunning(MonitorError):
    remedy = "stop the other `monitor run`, or give this one another data_dir"


class InstanceLock:
    """An exclusive lock on `<data_dir>/monitor.lock`, released when the process ends."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / LOCK_FILE
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            owner = handle.read().strip() or "another process"
            handle.close()
            raise AlreadyRunning(
                f"another monitor (pid {owner}) is already running on {self.path.parent}"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def backoff_delay(
    settings: Settings, every: float, consecutive: int, retry_after: float | None
) -> float:
    """Exponential backoff after failures, capped, never shorter than Retry-After."""
    base = max(every, settings.monitor.backoff_base)
    delay = min(settings.monitor.backoff_max, base * (2 ** max(0, consecutive - 1)))
    if retry_after is not None:
        delay = max(delay, min(retry_after, 7 * 86400.0))
    return float(delay * random.uniform(0.9, 1.1))


class Daemon:
    def __init__(
        self,
        settings: Settings,
        config_path: Path | None = None,
        roles: tuple[str, ...] = ROLES,
    ) -> None:
        self.settings = settings
        self.config_path = config_path
        self.roles = roles
        self.app = App(settings, roles=roles)
        self.coordinator = self.app.coordinator
        self.shared_polling: SharedPolling | None = None
        if self.coordinator.shared and "collector" in roles:
            self.shared_polling = SharedPolling(
                settings,
                self.app.store,
                self.coordinator.instance.id,
                lambda: self.app.sources,
                self._collect,
                self._retry_in,
                lambda: self.wake.set(),
            )
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.stopping = asyncio.Event()
        self.wake = asyncio.Event()
        self._not_before: dict[str, float] = {}
        self._in_flight: set[asyncio.Task[SourceOutcome]] = set()
        self._workers: list[asyncio.Task[None]] = []
        self.translate_wake = asyncio.Event()
        self.publish_wake = asyncio.Event()
        self.alerts_wake = asyncio.Event()
        self._stop_requested_at = 0.0
        self._reschedule: asyncio.Future[None] | None = None
        self.digest = DigestJob(settings, self.app.store)
        self.app.metrics.watch(
            "monitor_digest_last_sent_timestamp_seconds",
            "Unix time the last digest was sent (0: never)",
            self._digest_last_sent,
        )
        self.web: WebServer | None = None
        self._web_store: Store | None = None
        self.health: HealthServer | None = None
        if settings.monitor.health:
            self.health = HealthServer(
                settings.monitor.health, self.app.metrics, self.health_problem
            )

    def _job(self, func: Callable[P, Awaitable[object]]) -> Callable[P, Awaitable[None]]:
        """`func` as a scheduler job. The scheduler cancels running jobs when it shuts down;
        that is expected then, and not worth the traceback APScheduler would log for it."""

        @functools.wraps(func)
        async def job(*args: P.args, **kwargs: P.kwargs) -> None:
            try:
                await func(*args, **kwargs)
            except asyncio.CancelledError:
                if not self.stopping.is_set():
                    raise

        return job

    def schedule_sources(self, names: list[str] | None = None) -> None:
        """A job per source (sharing a store, the store hands out the polls instead: only the
        deletion rechecks are jobs here)."""
        now = datetime.now(UTC)
        for name in names if names is not None else list(self.app.sources):
            if self.shared_polling is not None:
                self.schedule_recheck(name)
                continue
            settings = self.app.sources[name].settings
            first = now + timedelta(seconds=random.uniform(0, min(settings.jitter_seconds, 5.0)))
            self.scheduler.add_job(
                self._job(self.poll),
                IntervalTrigger(seconds=settings.every, jitter=settings.jitter_seconds),
                args=[name],
                id=f"source:{name}",
                name=name,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=int(max(1, settings.every)),
                next_run_time=first,
                replace_existing=True,
            )
            log.info("source %s: %s every %ss", name, settings.platform, f"{settings.every:g}")
            self.schedule_recheck(name)

    def schedule_recheck(self, name: str) -> None:
        """A deletion recheck job for a source with `deletions` on whose platform can tell."""
        source = self.app.sources[name]
        settings = source.settings
        if not (settings.rechecks and source.can_recheck):
            return
        self.scheduler.add_job(
            self._job(self.recheck),
            IntervalTrigger(seconds=settings.recheck_every, jitter=settings.jitter_seconds),
            args=[name],
            id=f"recheck:{name}",
            name=f"recheck {name}",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=int(max(1, settings.recheck_every)),
            next_run_time=datetime.now(UTC) + timedelta(seconds=settings.recheck_every),
            replace_existing=True,
        )
        log.info(
            "source %s: deletions rechecked every %ss over %s",
            name,
            f"{settings.recheck_every:g}",
            settings.recheck_window,
        )

    async def recheck(self, name: str) -> None:
        """One deletion recheck of one source; any failure is logged and stays with it."""
        if self.stopping.is_set() or name not in self.app.sources:
            return
        if not await self._holds(f"recheck:{name}"):
            return  # another instance rechecks this source
        try:
            outcomes = await self.app.recheck_all([name])
        except MonitorError as error:
            log.error("source %s: recheck: %s", name, error)
            return
        except Exception:
            log.exception("source %s: recheck failed unexpectedly", name)
            return
        if any(outcome.deleted for outcome in outcomes):
            self.publish_wake.set()

    def _digest_last_sent(self) -> float:
        moment = last_sent_at(self.app.store)
        return moment.timestamp() if moment else 0.0

    def schedule_digest(self) -> None:
        if not self.settings.digest.enabled:
            return
        self.scheduler.add_job(
            self._job(self.send_digest),
            # Sharing a store, a standby checks often enough to take over within the lease.
            IntervalTrigger(
                seconds=min(60.0, self.coordinator.lease / 4) if self.coordinator.shared else 60
            ),
            id="digest",
            name="digest",
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(UTC) + timedelta(seconds=2),
            replace_existing=True,
        )
        log.info(
            "digest: %s delivery at %s %s",
            self.settings.digest.delivery,
            self.settings.digest.send_at,
            self.settings.monitor.timezone,
        )

    async def send_digest(self) -> None:
        """The digest when due, from the one instance that holds it."""
        if await self._holds("digest"):
            await self.digest.run_due()

    async def _holds(self, job: str) -> bool:
        return await self.app.turn(job)

    def _retry_in(self, name: str, outcome: SourceOutcome) -> float:
        """The backoff after a failed poll of `name`."""
        every = self.app.sources[name].settings.every if name in self.app.sources else 600.0
        return backoff_delay(self.settings, every, outcome.consecutive_errors, outcome.retry_after)

    def schedule_retention(self) -> None:
        """Prune what `[monitor] retention` lets go: shortly after start, then daily."""
        if not self.settings.monitor.retention:
            return
        self.scheduler.add_job(
            self._job(self.prune),
            IntervalTrigger(days=1),
            id="retention",
            name="retention",
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(UTC) + timedelta(seconds=30),
            replace_existing=True,
        )

    async def prune(self) -> None:
        """One retention pass in a thread; a failure is logged and retried the next day."""
        if not await self._holds("retention"):
            return
        try:
            await asyncio.to_thread(retention.prune, self.settings, self.app.store)
        except MonitorError as error:
            log.error("retention: %s; will try again tomorrow", error)
        except Exception:
            log.exception("retention failed unexpectedly; will try again tomorrow")

    async def health_problem(self) -> str | None:
        if not self.scheduler.running:
            return "the scheduler is not running"
        if any(worker.done() for worker in self._workers):
            return "a worker (processing, translation or publishing) has stopped"
        # A recent commit answers at once: no hop through the thread pool, which a busy
        # daemon may have filled with parsing and translation.
        store = self.app.store
        if not store.recently_written() and not await asyncio.to_thread(store.writable):
            return f"the store {self.app.store.where} is not writable"
        return None

    def reload(self) -> None:
        """SIGHUP: re-read the config; sources added, removed or changed take effect now."""
        try:
            fresh = load_settings(self.config_path)
        except ConfigError as error:
            problems = getattr(error, "problems", [])
            log.error(
                "SIGHUP: the new config is invalid, keeping the running one: %s %s",
                error,
                "; ".join(problems),
            )
            return
        old = {s.name: s for s in self.settings.sources if s.enabled}
        new = {s.name: s for s in fresh.sources if s.enabled}
        removed = [n for n in old if n not in new]
        changed = [n for n in new if n in old and new[n] != old[n]]
        added = [n for n in new if n not in old]
        for name in removed + changed:
            for job in (f"source:{name}", f"recheck:{name}"):
                if self.scheduler.get_job(job):
                    self.scheduler.remove_job(job)
        self.app.configure_sources(fresh.sources)
        if "collector" in self.roles:
            self.schedule_sources(changed + added)
        if self.shared_polling is not None:
            self._reschedule = asyncio.ensure_future(self.shared_polling.reschedule())
        for name in removed:
            log.info("source %s: removed by SIGHUP", name)
        if fresh.model_copy(update={"sources": ()}) != self.settings.model_copy(
            update={"sources": ()}
        ):
            log.warning(
                "SIGHUP: only [[sources]] changes apply without a restart; restart for the rest"
            )
        self.settings = fresh.model_copy(
            update={"monitor": self.settings.monitor, "queue": self.settings.queue}
        )
        self.app.settings = self.settings
        log.info(
            "SIGHUP: config reloaded (%d added, %d changed, %d removed)",
            len(added),
            len(changed),
            len(removed),
        )

    async def poll(self, name: str) -> None:
        if self.stopping.is_set():
            return
        source = self.app.sources.get(name)
        if source is None:
            return
        if time.monotonic() < self._not_before.get(name, 0.0):
            log.debug("source %s: backing off, poll skipped", name)
            return
        log.info("source %s: polling", name)
        task = asyncio.ensure_future(self._collect(name))
        self._in_flight.add(task)
        try:
            # Shielded: when the scheduler cancels this job on shutdown, the poll itself
            # goes on and _finish_in_flight waits for it within the grace period.
            outcome = await asyncio.shield(task)
        finally:
            self._in_flight.discard(task)
        if outcome.status == "error":
            delay = self._retry_in(name, outcome)
            self._not_before[name] = time.monotonic() + delay
            moment = datetime.now(UTC) + timedelta(seconds=delay)
            await asyncio.to_thread(
                self.app.store.set_next_poll, name, source.settings.platform, moment
            )
            log.warning(
                "source %s: %d consecutive error(s), next try in %.0fs",
                name,
                outcome.consecutive_errors,
                delay,
            )
        else:
            self._not_before.pop(name, None)
            job = self.scheduler.get_job(f"source:{name}")
            if job is not None and job.next_run_time is not None:
                await asyncio.to_thread(
                    self.app.store.set_next_poll, name, source.settings.platform, job.next_run_time
                )
            if outcome.new or outcome.updated:
                self.wake.set()

    async def _collect(self, name: str) -> SourceOutcome:
        outcomes = await self.app.collect_all([name])
        return outcomes[0]

    async def process_loop(self) -> None:
        """Detect new posts and decide their translation; wake the translator and publisher.
        Sharing a store, one instance at a time does this: statements depend on the order."""
        processing = not self.coordinator.shared  # the window read at start is current
        while not self.stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout=5.0)
            self.wake.clear()
            held = await self._holds("process")
            if held and not processing:
                self.app.enricher.took_over()
            processing = held
            if not held:
                continue  # another instance detects and clusters
            try:
                await asyncio.to_thread(self.app.enricher.enrich_collected)
                await asyncio.to_thread(self.app.enricher.resume_untranslated)
            except MonitorError as error:
                log.error("processing: %s", error)
            except Exception:
                log.exception("processing failed; will retry")
            self.translate_wake.set()
            self.publish_wake.set()
            self.alerts_wake.set()

    async def translate_loop(self) -> None:
        """Translate waiting posts batch by batch in a thread; collection never waits on it."""
        batch = self.settings.translation.batch_posts
        while not self.stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.translate_wake.wait(), timeout=5.0)
            self.translate_wake.clear()
            while not self.stopping.is_set():
                try:
                    done = await asyncio.to_thread(self.app.enricher.translate_batch, batch)
                except MonitorError as error:
                    log.error("translation: %s", error)
                    break
                except Exception:
                    log.exception("translation failed; will retry")
                    break
                if not done:
                    break
                self.publish_wake.set()
                self.alerts_wake.set()

    async def alerts_loop(self) -> None:
        """Match newly published records against the alerts and deliver, within seconds."""
        alerts = self.app.alerts
        if alerts is None:
            await self.stopping.wait()  # a worker that ends early reads as a dead one
            return
        while not self.stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.alerts_wake.wait(), timeout=2.0)
            self.alerts_wake.clear()
            if not await self._holds("alerts"):
                continue
            try:
                await asyncio.to_thread(alerts.run_once)
            except MonitorError as error:
                log.error("alerts: %s", error)
            except Exception:
                log.exception("alerts failed; will retry")

    async def _finish_in_flight(self, workers: list[asyncio.Task[None]]) -> None:
        """Give in-flight fetches and a last detect-and-publish pass the grace period, no more."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.monitor.shutdown_grace

        def remaining() -> float:
            return max(0.1, deadline - loop.time())

        polls: set[asyncio.Future[Any]] = set(self._in_flight)
        if self.shared_polling is not None:
            polls |= self.shared_polling.in_flight
        if polls:
            await asyncio.wait(polls, timeout=remaining())
        try:
            await asyncio.wait_for(asyncio.gather(*workers), timeout=remaining())
            if "collector" in self.roles and await self._holds("process"):
                await asyncio.wait_for(
                    asyncio.to_thread(self.app.enricher.enrich_collected), remaining()
                )
            if "publisher" in self.roles and await self._holds("publisher"):
                await asyncio.wait_for(self.app.publisher.drain(), timeout=remaining())
        except TimeoutError:
            log.warning("shutdown grace ran out; unfinished work resumes from the store on restart")
        except MonitorError as error:
            log.warning("last pass before exit: %s; it resumes from the store on restart", error)

    def _start_workers(self) -> list[asyncio.Task[None]]:
        """The loops of this instance's roles; the health check reports any that ends."""
        loops: list[Awaitable[None]] = []
        if "collector" in self.roles:
            loops.append(self.process_loop())
            if self.shared_polling is not None:
                loops.append(self.shared_polling.run(self.stopping))
        if "translator" in self.roles:
            loops.append(self.translate_loop())
        if "publisher" in self.roles:
            loops.append(
                self.app.publisher.run(
                    self.stopping, self.publish_wake, turn=lambda: self._holds("publisher")
                )
            )
        if "digest" in self.roles:
            loops.append(self.alerts_loop())
        if self.coordinator.shared:
            loops.append(self.heartbeat_loop())
        return [asyncio.ensure_future(loop) for loop in loops]

    def _listen(self) -> Wakeups | None:
        """Sharing a store, other instances' commits wake the loops they concern."""
        if not self.coordinator.shared:
            return None
        wakeups = Wakeups(
            self.app.store,
            asyncio.get_running_loop(),
            {
                events.COLLECTED: [self.wake],
                events.TRANSLATING: [self.translate_wake],
                events.OUTBOX: [self.publish_wake, self.alerts_wake],
            },
        )
        wakeups.start()
        return wakeups

    async def heartbeat_loop(self) -> None:
        """Renew what this instance holds four times a lease; a missed beat or two is fine."""
        every = self.coordinator.lease / 4
        while not self.stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), timeout=every)
            if self.stopping.is_set():
                return
            try:
                await asyncio.to_thread(self.coordinator.heartbeat)
            except MonitorError as error:
                log.warning("heartbeat: %s; what this instance holds may pass to others", error)
            except Exception:
                log.exception("heartbeat failed unexpectedly")

    async def _leave(self) -> None:
        """What this instance holds is free for the others at once, not in a lease period."""
        try:
            await asyncio.to_thread(self.coordinator.leave)
        except MonitorError as error:
            log.warning("leaving: %s; what this instance held passes on within a lease", error)

    async def watchdog_loop(self) -> None:
        interval = systemd.watchdog_interval()
        if interval is None:
            return
        while not self.stopping.is_set():
            if await self.health_problem() is None:
                systemd.notify("WATCHDOG=1")
            await asyncio.sleep(interval)

    def request_stop(self, signame: str) -> None:
        now = time.monotonic()
        if self.stopping.is_set() and now - self._stop_requested_at < 1.0:
            return  # the same signal delivered to the process and to its group
        if self.stopping.is_set():
            log.warning("second %s: exiting now", signame)
            os._exit(1)
        log.info(
            "%s received: finishing in-flight work (grace %.0fs)",
            signame,
            self.settings.monitor.shutdown_grace,
        )
        self._stop_requested_at = now
        self.stopping.set()
        self.wake.set()

    async def start_web(self) -> None:
        """The web view on `[web] listen`, reading through a read-only connection of its own
        (the daemon's writes never wait on a page). Refuses to start unprotected off the
        loopback, or without the basic-auth password: a ConfigError."""
        if not self.settings.web.listen:
            return
        store = open_store(self.settings, readonly=True)
        try:
            self.web = WebServer(self.settings, store)
            await self.web.start()
        except BaseException:
            self.web = None
            store.close()
            raise
        self._web_store = store

    async def stop_web(self) -> None:
        if self.web is not None:
            await self.web.stop()
            self.web = None
        if self._web_store is not None:
            self._web_store.close()
            self._web_store = None

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.request_stop, signal.Signals(signum).name)
        loop.add_signal_handler(signal.SIGHUP, self.reload)
        if self.health is not None:
            await self.health.start()
        await asyncio.to_thread(self.coordinator.join)
        wakeups = self._listen()
        if "web" in self.roles:
            await self.start_web()
        if "collector" in self.roles:
            self.schedule_sources()
            self.schedule_retention()
        if "digest" in self.roles:
            self.schedule_digest()
        self.scheduler.start()
        self._workers = self._start_workers()
        watchdog = asyncio.create_task(self.watchdog_loop())
        systemd.notify("READY=1")
        log.info(
            "monitor running: %d source(s), data in %s%s",
            len(self.app.sources),
            self.settings.monitor.data_dir,
            f"; instance {self.coordinator.instance.id} as {', '.join(self.roles)}"
            if self.coordinator.shared
            else "",
        )
        try:
            await self.stopping.wait()
        finally:
            systemd.notify("STOPPING=1")
            watchdog.cancel()
            self.scheduler.shutdown(wait=False)
            await self._finish_in_flight(self._workers)
            if wakeups is not None:
                await asyncio.to_thread(wakeups.stop)
            await self._leave()
            await self.stop_web()
            if self.health is not None:
                await self.health.stop()
            await self.app.aclose()
        log.info("monitor stopped")
        return 0


async def run_daemon(
    settings: Settings, config_path: Path | None = None, roles: tuple[str, ...] = ROLES
) -> int:
    # The embedded store and the embedded queue are files of this data_dir: one process.
    # Instances sharing a PostgreSQL store coordinate through it instead.
    lock = InstanceLock(settings.monitor.data_dir)
    if settings.store.backend == "sqlite" or settings.queue.backend == "sqlite":
        lock.acquire()
    try:
        return await Daemon(settings, config_path, roles).run()
    finally:
        lock.release()
