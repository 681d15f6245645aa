"""RabbitMQ: a durable topic exchange, a durable queue bound to it, publisher confirms.

Routing keys are `<platform>.<language>`. A stream queue `<name>.tail`, bound to
the same exchange, keeps a bounded copy of what was published so that `tail`
can read without taking messages away from the analysts' queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any, ClassVar
from urllib.parse import unquote, urlsplit

import aio_pika
import aio_pika.abc
import aio_pika.exceptions
import aiormq.exceptions

from monitor.config import QueueSettings
from monitor.errors import QueueError
from monitor.logs import redact
from monitor.queues.base import Message, QueueBackend

log = logging.getLogger("monitor.queues.rabbitmq")

TAIL_SUFFIX = ".tail"
TAIL_ARGUMENTS: dict[str, Any] = {
    "x-queue-type": "stream",
    "x-max-length-bytes": 256 * 1024 * 1024,
    "x-stream-max-segment-size-bytes": 16 * 1024 * 1024,
    "x-max-age": "7D",
}
_QUIET = 0.5


class RabbitMQQueue(QueueBackend):
    name: ClassVar[str] = "rabbitmq"

    def __init__(self, settings: QueueSettings) -> None:
        super().__init__(settings)
        self.exchange_name = settings.exchange or settings.name
        self.queue_name = settings.name
        self.tail_name = settings.name + TAIL_SUFFIX
        self._connection: aio_pika.abc.AbstractConnection | None = None
        self._exchange: aio_pika.abc.AbstractExchange | None = None

    @property
    def where(self) -> str:
        """host:port/vhost from the URL, never the password."""
        parts = urlsplit(self.settings.url)
        vhost = unquote(parts.path[1:]) if len(parts.path) > 1 else "/"
        return f"{parts.hostname or 'localhost'}:{parts.port or 5672} (vhost {vhost!r})"

    async def connect(self) -> None:
        if self._connection is not None and not self._connection.is_closed:
            return
        timeout = self.settings.publish_timeout
        try:
            async with asyncio.timeout(timeout):
                self._connection = await aio_pika.connect(self.settings.url, timeout=timeout)
                channel = await self._connection.channel(
                    publisher_confirms=True, on_return_raises=True
                )
                exchange = await channel.declare_exchange(
                    self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
                )
                queue = await channel.declare_queue(self.queue_name, durable=True)
                await queue.bind(exchange, "#")
                await self._declare_tail(exchange)
        except BaseException as error:
            await self.close()
            if isinstance(error, asyncio.CancelledError):
                raise
            raise self._explain(error, "connect to") from None
        self._exchange = exchange

    async def _declare_tail(self, exchange: aio_pika.abc.AbstractExchange) -> None:
        assert self._connection is not None
        channel = await self._connection.channel(publisher_confirms=False)
        try:
            stream = await channel.declare_queue(
                self.tail_name, durable=True, arguments=TAIL_ARGUMENTS
            )
            await stream.bind(exchange, "#")
        except aiormq.exceptions.ChannelClosed as error:
            log.warning(
                "RabbitMQ refused the stream queue %s (%s); `queue tail` will not work",
                self.tail_name,
                error,
            )
        finally:
            with contextlib.suppress(Exception):
                await channel.close()

    def _explain(self, error: BaseException, doing: str) -> QueueError:
        where = self.where
        user = unquote(urlsplit(self.settings.url).username or "guest")
        if isinstance(error, TimeoutError):
            return QueueError(
                f"RabbitMQ at {where} did not answer within {self.settings.publish_timeout:g}s"
            )
        if isinstance(
            error,
            aiormq.exceptions.ProbableAuthenticationError | aiormq.exceptions.AuthenticationError,
        ):
            return QueueError(
                f'RabbitMQ at {where} refused the login of user "{user}" (ACCESS_REFUSED)',
                remedy="check the user name and password in [queue] url",
            )
        if isinstance(error, aiormq.exceptions.ConnectionNotAllowed) or (
            isinstance(error, aiormq.exceptions.InvalidFrameError)
            and "Connection.Close" in str(error)
        ):
            return QueueError(
                f"RabbitMQ at {where} refused to open the virtual host:"
                f' it does not exist or user "{user}" may not use it',
                remedy="create the vhost (rabbitmqctl add_vhost) and grant permissions, or fix the path of [queue] url",
            )
        if isinstance(error, aiormq.exceptions.ChannelPreconditionFailed):
            return QueueError(
                f"RabbitMQ at {where} refused to declare {self.exchange_name!r}/{self.queue_name!r}"
                f" ({_reason(error)})",
                remedy="an exchange or queue of that name exists with other settings;"
                " delete it or choose another [queue] name",
            )
        if isinstance(error, aiormq.exceptions.ChannelAccessRefused):
            return QueueError(
                f'RabbitMQ at {where} denied user "{user}" access ({_reason(error)})',
                remedy="grant the user configure/write/read permissions on the vhost",
            )
        if isinstance(error, ConnectionRefusedError) or (
            isinstance(error, aiormq.exceptions.AMQPConnectionError)
            and error.args
            and error.args[0] == 111
        ):
            return QueueError(f"cannot {doing} RabbitMQ at {where}: connection refused")
        return QueueError(f"cannot {doing} RabbitMQ at {where}: {redact(_reason(error))}")

    async def publish(self, messages: Sequence[Message]) -> None:
        if not messages:
            return
        await self.connect()
        exchange = self._exchange
        assert exchange is not None
        pending = [
            asyncio.ensure_future(exchange.publish(_amqp(m), routing_key=_routing_key(m)))
            for m in messages
        ]
        try:
            async with asyncio.timeout(self.settings.publish_timeout):
                results = await asyncio.gather(*pending, return_exceptions=True)
        except TimeoutError:
            await self.close()
            raise QueueError(
                f"RabbitMQ at {self.where} did not confirm {len(messages)} message(s)"
                f" within {self.settings.publish_timeout:g}s"
            ) from None
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures:
            await self.close()
            error = failures[0]
            if isinstance(error, aiormq.exceptions.PublishError):
                raise QueueError(
                    f"RabbitMQ at {self.where} could not route a message to a queue"
                    f" (exchange {self.exchange_name!r})",
                    remedy=f"the queue {self.queue_name!r} was deleted; the next connect declares it again",
                ) from None
            if isinstance(error, aiormq.exceptions.DeliveryError):
                raise QueueError(
                    f"RabbitMQ at {self.where} refused {len(failures)} message(s) (nack)",
                    remedy="check the broker's disk and memory alarms and queue limits",
                ) from None
            raise self._explain(error, "publish to") from None

    async def tail(self, *, limit: int, follow: bool) -> AsyncIterator[dict[str, Any]]:
        await self.connect()
        assert self._connection is not None
        try:
            channel = await self._connection.channel(publisher_confirms=False)
            await channel.set_qos(prefetch_count=500)
            stream = await channel.declare_queue(self.tail_name, passive=True)
        except aiormq.exceptions.ChannelNotFoundEntity:
            raise QueueError(
                f"RabbitMQ at {self.where} has no stream queue {self.tail_name!r} to tail",
                remedy="RabbitMQ 3.9+ with streams is needed; it is declared when the monitor connects",
            ) from None
        except Exception as error:
            raise self._explain(error, "read from") from None
        try:
            end = await _last_offset(stream)
            if not follow and (end is None or limit <= 0):
                return
            start: int | str = "next" if end is None else max(0, end + 1 - max(0, limit))
            quiet = None if follow else self.settings.publish_timeout
            async for offset, body in _consume(stream, start, quiet=quiet):
                yield json.loads(body)
                if not follow and end is not None and offset >= end:
                    return
        finally:
            with contextlib.suppress(Exception):
                await channel.close()

    async def close(self) -> None:
        connection, self._connection, self._exchange = self._connection, None, None
        if connection is not None and not connection.is_closed:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(self.settings.publish_timeout):
                    await connection.close()


def _reason(error: BaseException) -> str:
    return str(error.args[0]) if error.args else type(error).__name__


def _routing_key(message: Message) -> str:
    return f"{message.platform}.{message.language}"


def _amqp(message: Message) -> aio_pika.Message:
    headers: dict[str, Any] = {
        key: value for key, value in message.cloudevents().items() if key.startswith("ce-")
    }
    return aio_pika.Message(
        message.body.encode("utf-8"),
        message_id=message.message_id,
        content_type="application/json",
        content_encoding="utf-8",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        headers=headers,
        app_id="monitor",
    )


async def _last_offset(stream: aio_pika.abc.AbstractQueue) -> int | None:
    """Offset of the newest message: read the last chunk until the stream goes quiet."""
    last = None
    async for offset, _ in _consume(stream, "last", quiet=_QUIET):
        last = offset
    return last


async def _consume(
    stream: aio_pika.abc.AbstractQueue, start: int | str, *, quiet: float | None
) -> AsyncIterator[tuple[int, bytes]]:
    """(offset, body) from `start`; stop after `quiet` seconds without a message."""
    inbox: asyncio.Queue[aio_pika.abc.AbstractIncomingMessage] = asyncio.Queue()

    async def receive(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        await inbox.put(message)

    tag = await stream.consume(receive, arguments={"x-stream-offset": start})
    try:
        while True:
            try:
                message = await asyncio.wait_for(inbox.get(), timeout=quiet)
            except TimeoutError:
                return
            await message.ack()
            offset = (message.headers or {}).get("x-stream-offset")
            if isinstance(offset, int):
                yield offset, message.body
    finally:
        with contextlib.suppress(Exception):
            await stream.cancel(tag)
