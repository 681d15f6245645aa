"""The interface every queue backend implements."""

from __future__ import annotations

import abc
import json
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any, ClassVar, NamedTuple, Protocol, runtime_checkable

from monitor.config import QueueSettings
from monitor.record import CE_TYPE, PostRecord, format_time


class Message(NamedTuple):
    """One record revision ready to publish; `message_id` is `<id>#<revision>`.

    A tuple rather than a dataclass because the publisher builds thousands per second.
    """

    message_id: str
    body: str
    platform: str
    language: str
    source: str
    time: str

    @classmethod
    def from_record(cls, record: PostRecord) -> Message:
        return cls(
            message_id=record.message_id,
            body=record.to_json(),
            platform=record.platform,
            language=record.language.code,
            source=record.source,
            time=format_time(record.collected_at),
        )

    @property
    def record(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data

    def cloudevents(self) -> dict[str, str]:
        """CloudEvents attributes for broker headers."""
        return {
            "ce-specversion": "1.0",
            "ce-id": self.message_id,
            "ce-source": f"monitor/{self.source}",
            "ce-type": CE_TYPE,
            "ce-time": self.time,
            "content-type": "application/json",
        }


class QueueBackend(abc.ABC):
    """Publishes messages with confirmation; `publish` returns only once all are durable."""

    name: ClassVar[str]

    def __init__(self, settings: QueueSettings) -> None:
        self.settings = settings

    async def connect(self) -> None:  # noqa: B027 - optional hook
        """Open connections; raise `QueueError` with a clear reason if that fails."""

    @abc.abstractmethod
    async def publish(self, messages: Sequence[Message]) -> None:
        """Publish in order and wait for the broker to confirm; raise `QueueError` otherwise."""

    @abc.abstractmethod
    def tail(self, *, limit: int, follow: bool) -> AsyncIterator[dict[str, Any]]:
        """Yield the newest `limit` records (oldest first) without consuming them."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Close connections."""


@runtime_checkable
class CopiesOutbox(Protocol):
    """A backend that lives in SQLite beside the store and copies outbox rows itself.

    One `INSERT ... SELECT` moves a batch without a round trip through Python objects.
    """

    def copy_outbox(self, store_file: Path, *, after: int, limit: int) -> tuple[int, int]:
        """Copy the outbox rows numbered above `after`, at most `limit`, in order, durably.

        Returns how many rows were copied and the sequence number of the last one.
        """
