"""Redis Streams: one `XADD` per record (approximate `MAXLEN`), one pipeline per batch.

Each entry holds `record` (the JSON), `message_id` and the CloudEvents
attributes. Analysts read with a consumer group (see docs/queues.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any, ClassVar
from urllib.parse import urlsplit

import redis.asyncio as aioredis
from redis import exceptions as rexc
from redis.backoff import NoBackoff
from redis.retry import Retry

from monitor.config import QueueSettings
from monitor.errors import QueueError
from monitor.logs import redact
from monitor.queues.base import Message, QueueBackend

log = logging.getLogger("monitor.queues.redis")


class RedisQueue(QueueBackend):
    name: ClassVar[str] = "redis"

    def __init__(self, settings: QueueSettings) -> None:
        super().__init__(settings)
        self.stream = settings.name
        self._client: aioredis.Redis | None = None

    @property
    def where(self) -> str:
        """host:port/db from the URL, never the password."""
        parts = urlsplit(self.settings.url)
        return f"{parts.hostname or 'localhost'}:{parts.port or 6379}{parts.path or '/0'}"

    def _connection(self) -> aioredis.Redis:
        if self._client is None:
            timeout = self.settings.publish_timeout
            try:
                self._client = aioredis.Redis.from_url(
                    self.settings.url,
                    socket_timeout=timeout,
                    socket_connect_timeout=timeout,
                    retry=Retry(NoBackoff(), 1),
                    client_name="monitor",
                )
            except ValueError as error:
                raise QueueError(f"the Redis url in [queue] url is not valid: {error}") from None
        return self._client

    async def connect(self) -> None:
        client = self._connection()
        try:
            async with asyncio.timeout(self.settings.publish_timeout):
                await client.ping()
                kind = await client.type(self.stream)
        except BaseException as error:
            await self.close()
            if isinstance(error, asyncio.CancelledError):
                raise
            raise self._explain(error, "connect to") from None
        if kind not in (b"stream", b"none", "stream", "none"):
            await self.close()
            raise QueueError(
                f"Redis key {self.stream!r} at {self.where} holds a {kind!r}, not a stream",
                remedy="choose another [queue] name or delete that key",
            )

    def _explain(self, error: BaseException, doing: str) -> QueueError:
        where = self.where
        if isinstance(error, TimeoutError | rexc.TimeoutError):
            return QueueError(
                f"Redis at {where} did not answer within {self.settings.publish_timeout:g}s"
            )
        if isinstance(error, rexc.AuthenticationError | rexc.AuthenticationWrongNumberOfArgsError):
            return QueueError(
                f"Redis at {where} refused the login ({redact(str(error))})",
                remedy="check the user name and password in [queue] url",
            )
        if isinstance(error, rexc.NoPermissionError):
            return QueueError(
                f"Redis at {where} denied a command ({redact(str(error))})",
                remedy="allow the user XADD, XREVRANGE, XREAD, TYPE and PING on the stream key",
            )
        if isinstance(error, rexc.ConnectionError | OSError):
            text = str(error)
            refused = isinstance(error.__cause__ or error.__context__, ConnectionRefusedError)
            if refused or "refused" in text.lower() or text.startswith("Error 111 "):
                return QueueError(f"cannot {doing} Redis at {where}: connection refused")
            return QueueError(f"cannot {doing} Redis at {where}: {redact(text)}")
        return QueueError(f"Redis at {where} failed: {redact(str(error))}")

    async def publish(self, messages: Sequence[Message]) -> None:
        if not messages:
            return
        client = self._connection()
        pipe = client.pipeline(transaction=False)
        for message in messages:
            pipe.xadd(
                self.stream,
                _fields(message),  # type: ignore[arg-type]
                maxlen=self.settings.maxlen,
                approximate=True,
            )
        try:
            async with asyncio.timeout(self.settings.publish_timeout):
                await pipe.execute()
        except BaseException as error:
            await self.close()
            if isinstance(error, asyncio.CancelledError):
                raise
            raise self._explain(error, "publish to") from None

    async def tail(self, *, limit: int, follow: bool) -> AsyncIterator[dict[str, Any]]:
        client = self._connection()
        block_ms = int(min(1.0, self.settings.publish_timeout / 2) * 1000)
        last: Any = "0-0"
        try:
            if limit > 0:
                entries: Any = await client.xrevrange(self.stream, "+", "-", count=limit)
                for entry_id, fields in reversed(entries):
                    last = entry_id
                    yield _record(fields)
            elif follow:
                newest: Any = await client.xrevrange(self.stream, "+", "-", count=1)
                last = newest[0][0] if newest else "0-0"
            while follow:
                try:
                    reply: Any = await client.xread({self.stream: last}, count=1000, block=block_ms)
                except (rexc.ConnectionError, rexc.TimeoutError) as error:
                    _raise_if_cancelled()
                    log.warning("tail: %s; reconnecting", self._explain(error, "read from"))
                    await asyncio.sleep(1.0)
                    continue
                _raise_if_cancelled()
                for _, entries in reply.items() if isinstance(reply, dict) else reply or []:
                    for entry_id, fields in entries:
                        last = entry_id
                        yield _record(fields)
        except (rexc.RedisError, OSError) as error:
            raise self._explain(error, "read from") from None

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(self.settings.publish_timeout):
                    await client.aclose()


def _raise_if_cancelled() -> None:
    """redis-py's retry can swallow a cancel that races its read timeout (Python 3.11)."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


def _fields(message: Message) -> dict[str | bytes, str | bytes]:
    fields: dict[str | bytes, str | bytes] = {
        "record": message.body,
        "message_id": message.message_id,
    }
    fields.update(message.cloudevents())
    return fields


def _record(fields: dict[Any, Any]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(fields.get(b"record") or fields.get("record") or "{}")
    return data
