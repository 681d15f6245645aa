"""The one shared HTTP client every source uses: timeouts, size cap, per-host limits.

httpx exceptions and error statuses are translated here into the project's
own `SourceError` hierarchy, so adapters only ever see `Response` or an error.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx

from monitor import __version__
from monitor.errors import AuthError, FetchError, NotFound, RateLimited
from monitor.sources.decode import ACCEPT_ENCODING, read_decoded
from monitor.sources.redirects import redirect_refusal

MAX_REDIRECTS = 5
DEFAULT_USER_AGENT = (
    f"monitor/{__version__} (official-accounts monitor; +https://example.org/monitor)"
)


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    url: str
    headers: Mapping[str, str]
    content: bytes

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    def text(self) -> str:
        charset = "utf-8"
        content_type = self.headers.get("content-type", "")
        for part in content_type.split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                charset = value.strip("\"'")
        try:
            return self.content.decode(charset, errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Retry-After in seconds, from delta-seconds or an HTTP date; None if absent or garbage."""
    if not value:
        return None
    value = value.strip()
    if value.isdecimal():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    return max(0.0, moment.timestamp() - (now if now is not None else time.time()))


def rate_limit_wait(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """How long the server asks us to wait: Retry-After, else a rate-limit reset header.

    X sends `x-rate-limit-reset` as epoch seconds, Mastodon `x-ratelimit-reset` as an
    ISO 8601 time, the IETF draft `ratelimit-reset` as seconds to wait.
    """
    wait = parse_retry_after(headers.get("retry-after"), now=now)
    if wait is not None:
        return wait
    current = now if now is not None else time.time()
    for name in ("x-rate-limit-reset", "x-ratelimit-reset", "ratelimit-reset"):
        reset = (headers.get(name) or "").strip()
        if not reset:
            continue
        if reset.isdecimal():
            value = float(reset)
            return max(0.0, value - current) if value > 1_000_000_000 else value
        try:
            moment = datetime.fromisoformat(reset.replace("Z", "+00:00"))
        except ValueError:
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return max(0.0, moment.timestamp() - current)
    return None


class HttpClient:
    """An async HTTP client shared by all sources; one instance per process."""

    def __init__(
        self,
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        timeout: float = 20.0,
        max_bytes: int = 10 * 1024 * 1024,
        max_connections: int = 32,
        per_host: int = 4,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.max_bytes = max_bytes
        self._per_host = per_host
        self._host_limits: dict[str, asyncio.Semaphore] = {}
        self._client = httpx.AsyncClient(
            headers={"User-Agent": user_agent, "Accept-Encoding": ACCEPT_ENCODING},
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            # Redirects are followed by hand so each target can be checked first.
            follow_redirects=False,
            transport=transport,
            trust_env=False,
        )

    async def __aenter__(self) -> HttpClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    def _limit(self, url: str) -> asyncio.Semaphore:
        host = urlsplit(url).netloc
        if host not in self._host_limits:
            self._host_limits[host] = asyncio.Semaphore(self._per_host)
        return self._host_limits[host]

    async def get(
        self,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """GET `url`; a 2xx or 304 returns, anything else raises a `SourceError`."""
        shown = redact_url(url)
        async with self._limit(url):
            try:
                response = await self._follow(url, shown, params, headers)
            except httpx.TimeoutException:
                raise FetchError(f"{shown}: timed out", kind="timeout") from None
            except httpx.InvalidURL as error:
                raise FetchError(f"{shown}: invalid URL ({error})", kind="config") from None
            except httpx.HTTPError as error:
                reason = type(error).__name__
                detail = str(error) or reason
                raise FetchError(f"{shown}: {detail}", kind="connection") from None
        return check_status(response, shown)

    async def _follow(
        self,
        url: str,
        shown: str,
        params: Mapping[str, str | int] | None,
        headers: Mapping[str, str] | None,
    ) -> Response:
        request = self._client.build_request("GET", url, params=params, headers=headers)
        for _ in range(MAX_REDIRECTS + 1):
            reply = await self._client.send(request, stream=True)
            try:
                if reply.next_request is not None:
                    request = reply.next_request
                    refusal = await redirect_refusal(url, str(request.url))
                    if refusal:
                        raise FetchError(
                            f"{shown}: {refusal}",
                            kind="http",
                            remedy="point the source at a URL that stays on the public internet",
                        )
                    continue
                if reply.status_code in (200, 203, 204, 206, 304):
                    content = await self._read_capped(reply, shown)
                else:
                    content = await _read_error_body(reply, shown)
                return Response(reply.status_code, str(reply.url), dict(reply.headers), content)
            finally:
                await reply.aclose()
        raise FetchError(f"{shown}: too many redirects", kind="http")

    async def _read_capped(self, reply: httpx.Response, shown: str) -> bytes:
        declared = reply.headers.get("content-length", "")
        if declared.isdecimal() and int(declared) > self.max_bytes:
            raise FetchError(
                f"{shown}: response of {int(declared)} bytes is over the {self.max_bytes}-byte cap",
                kind="too_large",
            )
        encoding = reply.headers.get("content-encoding", "")
        return await read_decoded(reply.aiter_raw(), encoding, self.max_bytes, shown)


async def _read_error_body(reply: httpx.Response, shown: str, limit: int = 4096) -> bytes:
    """The first few KB of an error response, for adapters that must read the platform's reason."""
    encoding = reply.headers.get("content-encoding", "")
    try:
        return await read_decoded(reply.aiter_raw(), encoding, limit, shown, strict=False)
    except FetchError:
        return b""  # an undecodable reason must not hide the status itself


def check_status(response: Response, shown: str) -> Response:
    status = response.status
    if status < 400 or status == 304:
        return response
    body = response.content
    if status == 429:
        wait = rate_limit_wait(response.headers)
        after = f"; retry after {wait:.0f}s" if wait is not None else ""
        raise RateLimited(
            f"{shown}: HTTP 429 Too Many Requests{after}",
            retry_after=wait,
            status=status,
            body=body,
        )
    if status in (401, 403):
        raise AuthError(f"{shown}: HTTP {status} (access refused)", status=status, body=body)
    if status in (404, 410):
        raise NotFound(
            f"{shown}: HTTP {status} (no such feed or account)", status=status, body=body
        )
    wait = parse_retry_after(response.headers.get("retry-after")) if status == 503 else None
    raise FetchError(
        f"{shown}: HTTP {status}", kind="http", retry_after=wait, status=status, body=body
    )


def redact_url(url: str) -> str:
    """A URL safe to log: user-info and query values that look secret are masked."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = parts.query
    if query:
        masked = []
        for pair in query.split("&"):
            key, sep, _value = pair.partition("=")
            secret = any(
                word in key.lower() for word in ("token", "key", "secret", "password", "sig")
            )
            masked.append(f"{key}{sep}***" if secret and sep else pair)
        query = "&".join(masked)
    return parts._replace(netloc=netloc, query=query).geturl()
