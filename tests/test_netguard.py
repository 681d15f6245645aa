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


def test_subprocesses_of_the_suite_are_guarded_too(subprocess_env: dict[str, str]) -> None:
    import subprocess
    import sys

    code = (
        "import socket\n"
        "s = socket.socket(); s.settimeout(0.5)\n"
        "try:\n    s.connect(('192.0.2.1', 80))\n"
        "except RuntimeError as error:\n    print(type(error).__name__)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=subprocess_env, capture_output=True, text=True, timeout=30
    )
    assert done.stdout.strip() == "NonLoopbackConnection"
