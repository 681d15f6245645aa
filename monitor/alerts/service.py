"""Alerts as the daemon runs them: match what was published, then deliver what is due."""

from __future__ import annotations

from monitor.alerts.matching import AlertMatcher
from monitor.alerts.sending import AlertSender
from monitor.config import Settings
from monitor.metrics import Metrics
from monitor.store import Store


class Alerts:
    def __init__(self, settings: Settings, store: Store, metrics: Metrics | None = None) -> None:
        self.matcher = AlertMatcher(settings, store, metrics)
        self.sender = AlertSender(settings, store, metrics)

    def run_once(self) -> int:
        """One pass, blocking (run it in a thread): returns the messages sent."""
        self.matcher.match_new()
        return self.sender.send_due()

    def close(self) -> None:
        self.sender.close()
