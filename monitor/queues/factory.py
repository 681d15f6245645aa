"""Choose the queue backend from the config; broker clients are imported lazily."""

from __future__ import annotations

import importlib

from monitor.config import Settings
from monitor.errors import QueueError
from monitor.queues.base import QueueBackend
from monitor.queues.sqlite import SqliteQueue

_BROKERS = {
    "rabbitmq": ("monitor.queues.rabbitmq", "RabbitMQQueue"),
    "redis": ("monitor.queues.redis", "RedisQueue"),
    "nats": ("monitor.queues.nats", "NatsQueue"),
}


def open_backend(settings: Settings) -> QueueBackend:
    backend = settings.queue.backend
    if backend == "sqlite":
        return SqliteQueue(settings.queue, settings.monitor.data_dir)
    module_name, class_name = _BROKERS[backend]
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise QueueError(
            f'queue backend "{backend}" needs a client library that is not installed ({error.name})',
            remedy=f"pip install 'monitor[{backend}]'",
        ) from None
    cls: type[QueueBackend] = getattr(module, class_name)
    return cls(settings.queue)


async def check_backend(settings: Settings) -> None:
    """Connect once and close; raises `QueueError` saying what is wrong."""
    backend = open_backend(settings)
    try:
        await backend.connect()
    finally:
        await backend.close()
