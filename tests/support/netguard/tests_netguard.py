"""Fail any connection that leaves the machine. Installed in the test process and subprocesses."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

_original_connect = socket.socket.connect
_original_connect_ex = socket.socket.connect_ex


class NonLoopbackConnection(RuntimeError):
    pass


def _is_loopback(address: Any, family: int) -> bool:
    if family == getattr(socket, "AF_UNIX", None):
        return True
    if not isinstance(address, tuple) or not address:
        return False
    host = str(address[0])
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _guarded(original: Any) -> Any:
    def connect(self: socket.socket, address: Any) -> Any:
        if not _is_loopback(address, self.family):
            raise NonLoopbackConnection(
                f"test tried to connect to {address!r}: only loopback is allowed"
            )
        return original(self, address)

    return connect


def install() -> None:
    socket.socket.connect = _guarded(_original_connect)  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded(_original_connect_ex)  # type: ignore[method-assign]
