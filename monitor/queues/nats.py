"""NATS JetStream: subjects `monitor.post.<platform>.<language>` in one stream.

The stream (named after `[queue] name`) is created when missing. Every message
carries `Nats-Msg-Id`, so JetStream drops a re-publish within its duplicate
window; `publish` waits for every acknowledgement.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator, Sequence
from typing import Any, ClassVar
from urllib.parse import urlsplit

import nats
import nats.errors
import nats.js
import nats.js.api
import nats.js.errors
from nats.aio.client import Client

from monitor.config import QueueSettings
from monitor.errors import QueueError
from monitor.logs import redact
from monitor.queues.base import Message, QueueBackend

SUBJECT_PREFIX = "monitor.post"
DUPLICATE_WINDOW = 600.0


def stream_name(name: str) -> str:
    """JetStream names may not contain '.', '*', '>', '/', '\\' or whitespace."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", name) or "monitor-posts"


class NatsQueue(QueueBackend):
    name: ClassVar[str] = "nats"

    def __init__(self, settings: QueueSettings, *, subject_prefix: str = SUBJECT_PREFIX) -> None:
        super().__init__(settings)
        self.stream = stream_name(settings.name)
        self.subject_prefix = subject_prefix
        self._client: Client | None = None
        self._js: nats.js.JetStreamContext | None = None
        self._last_error: BaseException | None = None

    @property
    def where(self) -> str:
        """host:port from the URL, never the credentials."""
        parts = urlsplit(self.settings.url)
        return f"{parts.hostname or 'localhost'}:{parts.port or 4222}"

    async def _on_error(self, error: Exception) -> None:
        self._last_error = error

    async def connect(self) -> None:
        if self._client is not None and self._client.is_connected:
            return
        timeout = self.settings.publish_timeout
        self._last_error = None
        try:
            async with asyncio.timeout(timeout):
                self._client = await nats.connect(
                    self.settings.url,
                    name="monitor",
                    connect_timeout=timeout,
                    allow_reconnect=False,
                    max_reconnect_attempts=1,
                    reconnect_time_wait=0.2,
                    error_cb=self._on_error,
                )
                js = self._client.jetstream(timeout=timeout)
                await self._ensure_stream(js)
        except BaseException as error:
            await self.close()
            if isinstance(error, asyncio.CancelledError):
                raise
            raise self._explain(error, "connect to") from None
        self._js = js

    async def _ensure_stream(self, js: nats.js.JetStreamContext) -> None:
        try:
            await js.stream_info(self.stream)
        except nats.js.errors.NotFoundError:
            await js.add_stream(
                nats.js.api.StreamConfig(
                    name=self.stream,
                    subjects=[f"{self.subject_prefix}.>"],
                    storage=nats.js.api.StorageType.FILE,
                    max_msgs=self.settings.maxlen,
                    discard=nats.js.api.DiscardPolicy.OLD,
                    duplicate_window=DUPLICATE_WINDOW,
                )
            )

    def _explain(self, error: BaseException, doing: str) -> QueueError:
        where = self.where
        cause = self._last_error or error
        if isinstance(error, nats.errors.AuthorizationError) or isinstance(
            cause, nats.errors.AuthorizationError
        ):
            return QueueError(
                f"NATS at {where} refused the login (authorization violation)",
                remedy="check the user, password or token in [queue] url",
            )
        if isinstance(error, nats.errors.NoServersError | ConnectionRefusedError):
            if isinstance(cause, ConnectionRefusedError):
                return QueueError(f"cannot {doing} NATS at {where}: connection refused")
            return QueueError(f"cannot {doing} NATS at {where}: {redact(_text(cause))}")
        if isinstance(
            error, nats.errors.NoRespondersError | nats.js.errors.ServiceUnavailableError
        ):
            return QueueError(
                f"NATS at {where} has no JetStream",
                remedy="start nats-server with JetStream enabled (-js)",
            )
        if isinstance(error, nats.js.errors.APIError):
            return QueueError(f"NATS JetStream at {where} refused: {redact(_text(error))}")
        if isinstance(error, TimeoutError):
            return QueueError(
                f"NATS at {where} did not answer within {self.settings.publish_timeout:g}s"
            )
        return QueueError(f"cannot {doing} NATS at {where}: {redact(_text(error))}")

    def subject(self, message: Message) -> str:
        return f"{self.subject_prefix}.{_token(message.platform)}.{_token(message.language)}"

    async def publish(self, messages: Sequence[Message]) -> None:
        if not messages:
            return
        await self.connect()
        js = self._js
        assert js is not None
        try:
            async with asyncio.timeout(self.settings.publish_timeout):
                acks = [
                    await js.publish_async(
                        self.subject(message),
                        message.body.encode("utf-8"),
                        headers={"Nats-Msg-Id": message.message_id, **message.cloudevents()},
                    )
                    for message in messages
                ]
                await asyncio.gather(*acks)
        except BaseException as error:
            await self.close()
            if isinstance(error, asyncio.CancelledError):
                raise
            if isinstance(error, TimeoutError):
                raise QueueError(
                    f"NATS at {self.where} did not acknowledge {len(messages)} message(s)"
                    f" within {self.settings.publish_timeout:g}s"
                ) from None
            if isinstance(error, nats.js.errors.NoStreamResponseError):
                raise QueueError(
                    f"NATS at {self.where} has no stream for {self.subject(messages[0])}",
                    remedy=f"the stream {self.stream!r} was deleted; the next connect creates it",
                ) from None
            raise self._explain(error, "publish to") from None

    async def tail(self, *, limit: int, follow: bool) -> AsyncIterator[dict[str, Any]]:
        await self.connect()
        js = self._js
        assert js is not None
        try:
            state = (await js.stream_info(self.stream)).state
            last = state.last_seq
            if not follow and (state.messages == 0 or limit <= 0):
                return
            start = max(state.first_seq, last + 1 - max(0, limit), 1)
            sub = await js.subscribe(
                f"{self.subject_prefix}.>",
                stream=self.stream,
                ordered_consumer=True,
                deliver_policy=nats.js.api.DeliverPolicy.BY_START_SEQUENCE,
                config=nats.js.api.ConsumerConfig(opt_start_seq=start),
            )
        except (nats.errors.Error, OSError) as error:
            raise self._explain(error, "read from") from None
        try:
            while True:
                try:
                    message = await sub.next_msg(timeout=self.settings.publish_timeout)
                except nats.errors.TimeoutError:
                    if follow:
                        continue
                    return
                yield json.loads(message.data)
                if not follow and message.metadata.sequence.stream >= last:
                    return
        except (nats.errors.Error, OSError) as error:
            raise self._explain(error, "read from") from None
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    async def close(self) -> None:
        client, self._client, self._js = self._client, None, None
        if client is not None and not client.is_closed:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(self.settings.publish_timeout):
                    await client.close()


def _token(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", value) or "_"


def _text(error: BaseException) -> str:
    return str(error) or type(error).__name__
