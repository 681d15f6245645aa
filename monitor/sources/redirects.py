"""Which redirects the client follows: a public feed may not send it into the local network.

A source configured with a loopback or private URL on purpose (an intranet feed, a
test server) keeps working: the rule only guards hosts that are public themselves.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

Resolver = Callable[[str], Awaitable[list[str]]]
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


def internal_address(address: str) -> bool:
    """Loopback, private, shared, link-local, unspecified, reserved, multicast: not the internet."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        not ip.is_global
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_unspecified
        or ip.is_reserved
        or ip.is_multicast
    )


async def resolve_host(host: str) -> list[str]:
    """Every address `host` resolves to; none when it does not resolve."""
    loop = asyncio.get_running_loop()
    try:
        found = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return [str(entry[4][0]) for entry in found]


async def host_is_internal(host: str, resolve: Resolver = resolve_host) -> bool | None:
    """True/False for an address or a name that resolves; None when a name does not."""
    host = host.strip("[]").rstrip(".").lower()
    if not host:
        return None
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    else:
        return internal_address(host)
    if host in _LOCAL_NAMES or host.endswith(".localhost"):
        return True
    addresses = await resolve(host)
    if not addresses:
        return None
    return any(internal_address(a) for a in addresses)


async def redirect_refusal(
    configured: str, target: str, resolve: Resolver = resolve_host
) -> str | None:
    """Why a redirect from the source's `configured` URL to `target` is refused, or None."""
    target_host = urlsplit(target).hostname or ""
    if not target_host:
        return None
    if not await host_is_internal(target_host, resolve):
        return None  # the usual case: one look at the target, none at the source
    if await host_is_internal(urlsplit(configured).hostname or "", resolve):
        return None  # an internal source on purpose may redirect inside its network
    return (
        f"redirected to {target_host}, a loopback or private address, from a public host; refused"
    )
