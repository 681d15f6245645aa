"""collect -> make durable -> detect -> translate -> outbox, one direction only.

Each step reads its input from the store and writes its output back in one
transaction, so a crash at any point resumes from the store.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal, Protocol, TypeVar

from monitor.config import Settings
from monitor.errors import FetchError, SourceError, StoreError, TranslationError
from monitor.lang import detect_language
from monitor.metrics import Metrics
from monitor.record import MAX_TEXT, Language, PostRecord, Translation
from monitor.sources.base import FetchResult, Source, SourceState
from monitor.statements.stage import StatementStage
from monitor.store import Store, StoredPost
from monitor.translate.base import Translator

T = TypeVar("T")

log = logging.getLogger("monitor.pipeline")

Status = Literal["ok", "not_modified", "error"]


@dataclass(frozen=True, slots=True)
class SourceOutcome:
    source: str
    platform: str
    status: Status
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    error: str | None = None
    error_kind: str | None = None
    retry_after: float | None = None
    consecutive_errors: int = 0
    requests: int = 0
    skipped: int = 0


async def collect(
    source: Source,
    store: Store,
    *,
    deadline: float | None = None,
    max_text: int = MAX_TEXT,
) -> SourceOutcome:
    """Poll one source and make what it found durable. Never raises for source trouble.

    `deadline` bounds the whole poll, every request and parse in it: a server that
    drips a byte now and then never trips the per-read timeout.
    """
    platform = source.settings.platform
    try:
        state = store.source_state(source.name)
        result = await _fetch_within(source, state, deadline)
        saved = store.save_fetch(
            source.name, platform, result.items, result.state, max_text=max_text
        )
    except SourceError as error:
        count = store.record_failure(source.name, platform, error.kind, str(error))
        log.warning("source %s: %s", source.name, error)
        return SourceOutcome(
            source.name,
            platform,
            "error",
            error=str(error),
            error_kind=error.kind,
            retry_after=error.retry_after,
            consecutive_errors=count,
        )
    except StoreError:
        raise
    except Exception as error:  # an adapter bug must not take the daemon down
        message = f"unexpected {type(error).__name__}: {error}"
        count = store.record_failure(source.name, platform, "internal", message)
        log.exception("source %s: %s", source.name, message)
        return SourceOutcome(
            source.name,
            platform,
            "error",
            error=message,
            error_kind="internal",
            consecutive_errors=count,
        )
    status: Status = "not_modified" if result.not_modified else "ok"
    log.info(
        "source %s: %s, %d new, %d updated, %d unchanged%s",
        source.name,
        "not modified" if result.not_modified else "fetched",
        saved.new,
        saved.updated,
        saved.unchanged,
        f", {result.skipped} malformed skipped" if result.skipped else "",
    )
    return SourceOutcome(
        source.name,
        platform,
        status,
        saved.new,
        saved.updated,
        saved.unchanged,
        requests=result.requests,
        skipped=result.skipped,
    )


async def _fetch_within(source: Source, state: SourceState, deadline: float | None) -> FetchResult:
    return await within(deadline, source.fetch(state), f"source {source.name}: the poll")


async def within(deadline: float | None, work: Awaitable[T], what: str) -> T:
    """`work`, ended as a `timeout` FetchError once it outlasts `deadline` (poll_deadline);
    a TimeoutError of its own (not the deadline's) passes through unchanged."""
    if deadline is None:
        return await work
    try:
        async with asyncio.timeout(deadline) as scope:
            return await work
    except TimeoutError:
        if not scope.expired():
            raise
        raise FetchError(
            f"{what} took longer than poll_deadline ({deadline:g}s)",
            kind="timeout",
            remedy="the server answers too slowly; raise [monitor] poll_deadline if it is honest",
        ) from None


class SharedWork(Protocol):
    """What instances sharing a store decide together (monitor.cluster's coordinators)."""

    def model_for(self, source: str, target: str) -> str | None: ...

    def claim_translations(self, limit: int) -> list[StoredPost]: ...


class Enricher:
    """Detects languages, finds each post's statement, and decides whether it needs translating."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        translator: Translator,
        metrics: Metrics | None = None,
        work: SharedWork | None = None,
    ) -> None:
        self.settings = settings
        self.metrics = metrics
        self.store = store
        self.translator = translator
        self.work = work
        self._warned_pairs: set[tuple[str, str]] = set()
        self.statements = (
            StatementStage(
                store,
                window=settings.statements.window,
                organisations={s.name: s.organisation for s in settings.sources if s.organisation},
                metrics=metrics,
            )
            if settings.statements.enabled
            else None
        )

    def took_over(self) -> None:
        """This instance now detects and clusters after another: its window is stale."""
        if self.statements is not None:
            self.statements.forget()

    @property
    def target(self) -> str:
        return self.settings.languages.target

    def wants_translation(self, code: str) -> bool:
        return code in self.settings.languages.translate and code != self.target

    def enrich_collected(self, limit: int = 500) -> int:
        """Detect each newly stored post; queue it for translation or publish it now.

        While the translation backlog is full, posts that need translating stay
        `collected` (durable, picked up later, their detection kept); the others go out
        at once.
        """
        done = 0
        room = self.settings.translation.backlog - self.store.count_stage("translating")
        deferred: set[str] = set()
        while True:
            posts = [
                p
                for p in self.store.posts_in_stage("collected", limit + len(deferred))
                if p.id not in deferred
            ][:limit]
            if not posts:
                return done
            ready: list[PostRecord] = []
            detected: list[tuple[str, str, int, str, float]] = []
            queued = 0
            languages = [post.detected or detect_language(_detection_text(post)) for post in posts]
            if self.statements is not None:
                assigned = self.statements.assign(
                    [(post, language.code) for post, language in zip(posts, languages, strict=True)]
                )
                posts = [
                    replace(post, statement_id=assigned[post.id]) if post.id in assigned else post
                    for post in posts
                ]
            for post, language in zip(posts, languages, strict=True):
                if self.wants_translation(language.code) and self._has_model(language.code):
                    if room > 0:
                        room -= 1
                        queued += 1
                        stage = "translating"
                    else:
                        deferred.add(post.id)
                        if post.detected is not None:
                            continue  # its detection is already kept
                        stage = "collected"
                    detected.append(
                        (stage, post.id, post.revision, language.code, language.confidence)
                    )
                    continue
                ready.append(post.record(language, self._untranslated(language.code)))
            if detected:
                self.store.mark_detected(detected)
            if ready:
                self.store.mark_ready(ready)
            done += len(ready) + queued
            if len(posts) < limit:
                return done

    def _has_model(self, code: str) -> bool:
        if not self.settings.translation.enabled:
            return False
        if self._model_for(code) is not None:
            return True
        pair = (code, self.target)
        if pair not in self._warned_pairs:
            self._warned_pairs.add(pair)
            log.warning(
                "no %s->%s translation model is installed; records go out with status no_model"
                " (install it with `monitor models install %s`)",
                code,
                self.target,
                code,
            )
        return False

    def _model_for(self, code: str) -> str | None:
        """A model for `code`: this process's, or, sharing the store, a translator instance's."""
        if self.work is not None:
            return self.work.model_for(code, self.target)
        return self.translator.model_for(code, self.target)

    def _untranslated(self, code: str) -> Translation:
        if self.wants_translation(code):
            return Translation("no_model", source=code, target=self.target)
        return Translation("not_needed", source=code, target=None)

    def resume_untranslated(self) -> int:
        """Posts that went out as `no_model` are translated once their model is installed."""
        if not self.settings.translation.enabled:
            return 0
        resumed = 0
        for code in self.store.untranslated_languages():
            if self.wants_translation(code) and self._model_for(code):
                count = self.store.requeue_untranslated(code)
                log.info(
                    "a %s->%s model is now installed: translating %d earlier post(s)",
                    code,
                    self.target,
                    count,
                )
                self._warned_pairs.discard((code, self.target))
                resumed += count
        return resumed

    def translate_batch(self, limit: int) -> int:
        """Translate up to `limit` waiting posts, grouped by pair; blocking (run it in a thread)."""
        if self.work is not None:
            posts = self.work.claim_translations(limit)
        else:
            posts = self.store.posts_in_stage("translating", limit)
        by_pair: dict[str, list[StoredPost]] = defaultdict(list)
        for post in posts:
            by_pair[post.language or "und"].append(post)
        done = 0
        for code, group in by_pair.items():
            done += self.store.mark_ready(self._translate_group(code, group))
        return done

    def _translate_group(self, code: str, posts: Sequence[StoredPost]) -> list[PostRecord]:
        model = self.translator.model_for(code, self.target)
        texts = [_translation_text(p) for p in posts]
        translation: Iterable[Translation]
        if model is None:
            translation = [Translation("no_model", source=code, target=self.target)] * len(posts)
        else:
            try:
                started = time.perf_counter()
                outputs = self.translator.translate(texts, code, self.target)
                if self.metrics is not None:
                    self.metrics.translation_latency.observe(time.perf_counter() - started)
                    self.metrics.translated_posts.labels(f"{code}-{self.target}").inc(len(posts))
                translation = [
                    Translation(
                        "translated",
                        text=out,
                        source=code,
                        target=self.target,
                        engine=self.translator.engine,
                        model=model,
                    )
                    for out in outputs
                ]
            except TranslationError as error:
                log.error(
                    "translation %s->%s failed for %d posts: %s",
                    code,
                    self.target,
                    len(posts),
                    error,
                )
                translation = [
                    Translation(
                        "failed",
                        source=code,
                        target=self.target,
                        engine=self.translator.engine,
                        model=model,
                    )
                ] * len(posts)
        return [
            post.record(post.detected or Language(code, 0.0), result)
            for post, result in zip(posts, translation, strict=True)
        ]

    async def translate_pending(self) -> int:
        total = 0
        while True:
            done = await asyncio.to_thread(
                self.translate_batch, self.settings.translation.batch_posts
            )
            total += done
            if done == 0:
                return total


def _detection_text(post: StoredPost) -> str:
    title = post.item.title or ""
    text = post.item.text
    if title and title not in text:
        return f"{title}\n{text}"
    return text or title


def _translation_text(post: StoredPost) -> str:
    return post.item.text or post.item.title or ""
