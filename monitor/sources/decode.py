"""Content-Encoding decoding that never produces more than the caller lets it.

httpx decodes a whole network chunk at once, so a few hundred compressed bytes can
become hundreds of megabytes before any size check runs. Here each stage inflates at
most `PIECE` bytes per step and hands them on at once, so memory stays near the cap
whatever the compression ratio, stacked encodings included.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

from monitor.errors import FetchError

# What the client advertises; a server sending anything else is refused.
ACCEPT_ENCODING = "gzip, deflate"
PIECE = 64 * 1024
MAX_STAGES = 3
_GZIP = frozenset(["gzip", "x-gzip"])
_DEFLATE = frozenset(["deflate"])


class _Stage:
    """One zlib decoder; `deflate` may arrive zlib-wrapped or raw, as servers disagree."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._raw_fallback = name in _DEFLATE
        wbits = 16 + zlib.MAX_WBITS if name in _GZIP else zlib.MAX_WBITS
        self._decoder: Any = zlib.decompressobj(wbits)
        self._started = False
        self._seen = b""  # what was fed before the header was judged

    def inflate(self, data: bytes, limit: int) -> bytes:
        if not self._started:
            self._seen += data
        try:
            out: bytes = self._decoder.decompress(data, limit)
        except zlib.error:
            if not (self._raw_fallback and not self._started):
                raise
            self._decoder = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._decoder.decompress(self._seen, limit)
        # zlib judges the two-byte header only once it has both bytes.
        if out or len(self._seen) >= 2:
            self._started, self._seen = True, b""
        return out

    @property
    def tail(self) -> bytes:
        tail: bytes = self._decoder.unconsumed_tail
        return tail


class BodyDecoder:
    """Decodes a body given its `Content-Encoding`, piece by bounded piece."""

    def __init__(self, content_encoding: str, shown: str) -> None:
        names = [n.strip().lower() for n in content_encoding.split(",")]
        names = [n for n in names if n and n != "identity"]
        unknown = [n for n in names if n not in _GZIP | _DEFLATE]
        if unknown:
            raise FetchError(
                f"{shown}: the server sent an unsupported Content-Encoding ({content_encoding})",
                kind="http",
                remedy=f"the monitor asks for {ACCEPT_ENCODING} or none; report the server",
            )
        if len(names) > MAX_STAGES:
            raise FetchError(
                f"{shown}: the body is encoded {len(names)} times ({content_encoding})",
                kind="http",
                remedy="a feed server never needs this; report the server",
            )
        # Content-Encoding lists codings in the order applied: undo them last first.
        self._stages = [_Stage(name) for name in reversed(names)]
        self._shown = shown

    def decode(self, data: bytes) -> Iterator[bytes]:
        """The decoded bytes of `data`, in pieces of at most `PIECE` bytes."""
        try:
            yield from self._run(0, data)
        except zlib.error as error:
            raise FetchError(
                f"{self._shown}: the compressed body is corrupt ({error})", kind="connection"
            ) from None

    def _run(self, level: int, data: bytes) -> Iterator[bytes]:
        if level == len(self._stages):
            if data:
                yield data
            return
        stage = self._stages[level]
        pending = data
        while True:
            out = stage.inflate(pending, PIECE)
            pending = stage.tail
            if out:
                yield from self._run(level + 1, out)
            # A full piece may leave output inside zlib even when all input is used.
            if not pending and len(out) < PIECE:
                return


async def read_decoded(
    raw: Any, content_encoding: str, limit: int, shown: str, *, strict: bool = True
) -> bytes:
    """Up to `limit` decoded bytes of the async raw byte stream `raw`.

    With `strict`, a body over the limit is a `too_large` FetchError; otherwise it is cut.
    """
    decoder = BodyDecoder(content_encoding, shown)
    chunks: list[bytes] = []
    size = 0
    async for chunk in raw:
        for piece in decoder.decode(chunk):
            size += len(piece)
            if size > limit:
                if strict:
                    raise FetchError(
                        f"{shown}: response is over the {limit}-byte cap", kind="too_large"
                    )
                chunks.append(piece[: len(piece) - (size - limit)])
                return b"".join(chunks)
            chunks.append(piece)
    return b"".join(chunks)
