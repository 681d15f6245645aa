"""Prometheus metrics of one monitor process, in their own registry."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector


class _Callback(Collector):
    def __init__(self, name: str, documentation: str, read: Callable[[], float]) -> None:
        self.name, self.documentation, self.read = name, documentation, read

    def collect(self) -> list[GaugeMetricFamily]:
        return [GaugeMetricFamily(self.name, self.documentation, value=self.read())]


class _Labelled(Collector):
    """Every series of `registry` with one more label (the instance id, when several
    instances share a store and one Prometheus scrapes them all)."""

    def __init__(self, registry: CollectorRegistry, name: str, value: str) -> None:
        self.registry, self.name, self.value = registry, name, value

    def collect(self) -> Iterable[Metric]:
        for family in self.registry.collect():
            labelled = Metric(family.name, family.documentation, family.type, family.unit)
            labelled.samples = [
                sample._replace(labels={**sample.labels, self.name: self.value})
                for sample in family.samples
            ]
            yield labelled


class Metrics:
    def __init__(self) -> None:
        self.instance_id: str | None = None  # set when the store is shared
        self.registry = CollectorRegistry()
        r = self.registry
        self.posts_collected = Counter(
            "monitor_posts_collected", "New posts stored, per source", ["source"], registry=r
        )
        self.posts_updated = Counter(
            "monitor_posts_updated",
            "Edited posts stored as a new revision, per source",
            ["source"],
            registry=r,
        )
        self.fetch_errors = Counter(
            "monitor_fetch_errors",
            "Failed polls, per source and kind of error",
            ["source", "kind"],
            registry=r,
        )
        self.entries_skipped = Counter(
            "monitor_entries_skipped",
            "Malformed entries left out of otherwise good polls, per source",
            ["source"],
            registry=r,
        )
        self.polls = Counter(
            "monitor_polls", "Polls, per source and outcome", ["source", "status"], registry=r
        )
        self.last_success = Gauge(
            "monitor_source_last_success_timestamp_seconds",
            "Unix time of the last good poll",
            ["source"],
            registry=r,
        )
        self.consecutive_errors = Gauge(
            "monitor_source_consecutive_errors",
            "Failed polls since the last good one",
            ["source"],
            registry=r,
        )
        self.translation_latency = Histogram(
            "monitor_translation_batch_seconds",
            "Time to translate one batch of posts",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
            registry=r,
        )
        self.translated_posts = Counter(
            "monitor_translated_posts", "Posts translated, per language pair", ["pair"], registry=r
        )
        self.statement_seconds = Histogram(
            "monitor_statement_seconds",
            "Time to find one post's statement",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1),
            registry=r,
        )
        self.statements_joined = Counter(
            "monitor_statement_joins",
            "Posts that joined an earlier post's statement, per signal",
            ["signal"],
            registry=r,
        )
        self.alerts_matched = Counter(
            "monitor_alerts_matched", "Records an alert matched", ["alert"], registry=r
        )
        self.alerts_sent = Counter(
            "monitor_alerts_sent", "Alert messages delivered", ["alert", "channel"], registry=r
        )
        self.alerts_failed = Counter(
            "monitor_alerts_failed",
            "Alert deliveries that failed (retried)",
            ["alert", "channel"],
            registry=r,
        )
        self.alerts_suppressed = Counter(
            "monitor_alerts_suppressed",
            "Alert events folded into a flood summary instead of a message of their own",
            ["alert"],
            registry=r,
        )
        self.published = Counter(
            "monitor_records_published",
            "Records confirmed by the queue backend",
            ["backend"],
            registry=r,
        )
        self.publish_failures = Counter(
            "monitor_publish_failures",
            "Records whose publish attempt failed",
            ["backend"],
            registry=r,
        )

    def watch(self, name: str, documentation: str, read: Callable[[], float]) -> None:
        """A gauge read at scrape time (backlogs kept in the store)."""
        self.registry.register(_Callback(name, documentation, read))

    def render(self) -> bytes:
        if self.instance_id is None:
            return generate_latest(self.registry)
        labelled = CollectorRegistry(auto_describe=False)
        labelled.register(_Labelled(self.registry, "instance_id", self.instance_id))
        return generate_latest(labelled)
