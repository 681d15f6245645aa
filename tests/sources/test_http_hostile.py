"""The shared HTTP client against hostile servers: compression bombs, odd encodings, redirects."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib

import pytest

from monitor.errors import FetchError
from monitor.sources.decode import PIECE, BodyDecoder
from monitor.sources.http import HttpClient
from monitor.sources.redirects import internal_address, redirect_refusal
from tests.support.httpserver import LocalServer, Reply

CAP = 1024 * 1024
RSS = {"Content-Type": "application/rss+xml"}
FEED = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
    b"<item><title>one</title><link>https://example.org/1</link></item></channel></rss>"
)


def gzip_of_zeros(size: int) -> bytes:
    """gzip of `size` zero bytes, built a megabyte at a time."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1024 * 1024)
    parts = [packer.compress(block) for _ in range(size // len(block))]
    return b"".join([*parts, packer.flush()])


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    once = gzip_of_zeros(200 * 1024 * 1024)
    return {"gzip": once, "gzip, gzip": gzip.compress(once, 9)}


@pytest.mark.parametrize("encoding", ["gzip", "gzip, gzip"])
async def test_a_compression_bomb_stops_at_the_cap_without_inflating_it(
    http_server: LocalServer, bombs: dict[str, bytes], encoding: str
) -> None:
    body = bombs[encoding]
    assert len(body) < CAP  # the declared length says nothing is wrong
    http_server.route("/bomb", Reply(body=body, headers={**RSS, "Content-Encoding": encoding}))
    async with HttpClient(timeout=5.0, max_bytes=CAP) as client:
        tracemalloc.start()
        try:
            with pytest.raises(FetchError) as caught:
                await client.get(http_server.url("/bomb"))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert caught.value.kind == "too_large" and "cap" in str(caught.value)
    assert peak < CAP + 4 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


async def test_an_error_body_bomb_is_read_only_a_little(
    http_server: LocalServer, bombs: dict[str, bytes]
) -> None:
    reply = Reply(503, bombs["gzip, gzip"], {"Content-Encoding": "gzip, gzip"})
    http_server.route("/down", reply)
    async with HttpClient(timeout=5.0, max_bytes=CAP) as client:
        tracemalloc.start()
        try:
            with pytest.raises(FetchError) as caught:
                await client.get(http_server.url("/down"))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert caught.value.status == 503 and len(caught.value.body) == 4096
    assert peak < 4 * 1024 * 1024


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("gzip", gzip.compress(FEED)),
        ("x-gzip", gzip.compress(FEED)),
        ("deflate", zlib.compress(FEED)),
        ("deflate", zlib.compress(FEED)[2:-4]),  # raw deflate, as some servers send it
        ("identity", FEED),
        ("gzip, deflate", zlib.compress(gzip.compress(FEED))),
    ],
)
async def test_honest_encodings_still_decode(
    http_server: LocalServer, encoding: str, body: bytes
) -> None:
    http_server.route("/feed", Reply(body=body, headers={**RSS, "Content-Encoding": encoding}))
    async with HttpClient(timeout=5.0, max_bytes=CAP) as client:
        response = await client.get(http_server.url("/feed"))
    assert response.content == FEED
    assert http_server.hits("/feed")[0].headers["accept-encoding"] == "gzip, deflate"


@pytest.mark.parametrize("encoding", ["br", "compress", "zstd", "gzip, gzip, gzip, gzip"])
async def test_unsupported_or_stacked_encodings_are_refused_clearly(
    http_server: LocalServer, encoding: str
) -> None:
    http_server.route("/odd", Reply(body=b"xx", headers={**RSS, "Content-Encoding": encoding}))
    async with HttpClient(timeout=5.0, max_bytes=CAP) as client:
        with pytest.raises(FetchError) as caught:
            await client.get(http_server.url("/odd"))
    assert "Content-Encoding" in str(caught.value) or "encoded" in str(caught.value)


async def test_a_corrupt_gzip_body_is_a_fetch_error(http_server: LocalServer) -> None:
    body = gzip.compress(FEED)[:20] + b"garbage" * 10
    http_server.route("/bad", Reply(body=body, headers={**RSS, "Content-Encoding": "gzip"}))
    async with HttpClient(timeout=5.0, max_bytes=CAP) as client:
        with pytest.raises(FetchError, match="corrupt"):
            await client.get(http_server.url("/bad"))


async def _resolve(host: str) -> list[str]:
    """Name resolution as a public DNS would answer, without the network."""
    return {
        "feeds.example.org": ["93.184.216.34"],
        "cdn.example.net": ["2606:2800:220:1:248:1893:25c8:1946"],
        "rebind.example.com": ["93.184.216.35", "10.1.2.3"],
        "intranet.example": ["192.168.1.20"],
    }.get(host, [])


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1/feed",
        "http://127.9.9.9:8080/",
        "http://localhost/admin",
        "http://api.localhost/",
        "http://10.0.0.5/",
        "http://172.16.3.4/",
        "http://192.168.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0:8787/metrics",
        "http://[::1]/",
        "http://[fe80::1]/",
        "http://[fd00::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://rebind.example.com/",  # one private address is enough
        "http://intranet.example/",
    ],
)
async def test_a_public_source_may_not_redirect_into_the_local_network(target: str) -> None:
    refusal = await redirect_refusal("https://feeds.example.org/rss", target, _resolve)
    assert refusal is not None and "refused" in refusal
    refusal = await redirect_refusal("https://93.184.216.34/rss", target, _resolve)
    assert refusal is not None


@pytest.mark.parametrize(
    ("configured", "target"),
    [
        ("https://feeds.example.org/rss", "https://cdn.example.net/rss"),
        ("https://feeds.example.org/rss", "https://93.184.216.34/rss"),
        ("https://feeds.example.org/rss", "https://unknown.example/rss"),  # fails later, loudly
        ("http://127.0.0.1:8000/old", "http://127.0.0.1:8000/new"),
        ("http://localhost:8000/old", "http://127.0.0.1:9000/"),
        ("http://intranet.example/rss", "http://10.0.0.5/rss"),
        ("http://[::1]:8000/", "http://192.168.1.1/"),
    ],
)
async def test_other_redirects_are_followed(configured: str, target: str) -> None:
    assert await redirect_refusal(configured, target, _resolve) is None


def test_internal_addresses() -> None:
    assert internal_address("127.0.0.1") and internal_address("::1")
    assert internal_address("fe80::1%eth0") and internal_address("100.64.0.1")
    assert not internal_address("8.8.8.8") and not internal_address("not an address")


async def test_loopback_sources_still_follow_their_redirects(http_server: LocalServer) -> None:
    http_server.route("/old", Reply(301, b"", {"Location": "/feed"}))
    http_server.route("/feed", Reply(body=FEED, headers=RSS))
    http_server.route("/loop", Reply(302, b"", {"Location": "/loop"}))
    async with HttpClient(timeout=5.0, max_bytes=CAP) as client:
        response = await client.get(http_server.url("/old"))
        assert response.content == FEED and response.url == http_server.url("/feed")
        with pytest.raises(FetchError, match="too many redirects"):
            await client.get(http_server.url("/loop"))
    assert len(http_server.hits("/loop")) == 6


@pytest.mark.parametrize("step", [1, 2, 3, 7, 4096])
def test_the_decoder_takes_the_body_in_any_chunking(step: int) -> None:
    data = b"hello world " * 20_000
    bodies = {
        "gzip": gzip.compress(data),
        "deflate": zlib.compress(data),
        "Deflate": zlib.compress(data)[2:-4],
        "gzip, deflate": zlib.compress(gzip.compress(data)),
    }
    for encoding, body in bodies.items():
        decoder = BodyDecoder(encoding, "https://example.org/feed")
        pieces = [p for i in range(0, len(body), step) for p in decoder.decode(body[i : i + step])]
        assert b"".join(pieces) == data, encoding
        assert max(len(p) for p in pieces) <= PIECE
