import socket

import pytest
from tests_netguard import NonLoopbackConnection


def test_non_loopback_connection_is_refused() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        with pytest.raises(NonLoopbackConnection):
            sock.connect(("192.0.2.1", 80))


def test_loopback_connection_is_allowed(http_server) -> None:  # type: ignore[no-untyped-def]
    host, port = http_server.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=2):
        pass
