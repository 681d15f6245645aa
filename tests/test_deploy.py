"""The deployment files: the systemd unit verifies, the image runs as non-root with a healthcheck."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed"
)
def test_systemd_unit_verifies(tmp_path: Path) -> None:
    executable = Path(sys.executable).parent / "monitor"
    unit = (
        (DEPLOY / "monitor.service")
        .read_text()
        .replace("/opt/monitor/.venv/bin/monitor", str(executable))
    )
    (tmp_path / "monitor.service").write_text(unit)
    done = subprocess.run(
        ["systemd-analyze", "verify", str(tmp_path / "monitor.service")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    problems = [line for line in done.stderr.splitlines() if "monitor.service" in line]
    assert done.returncode == 0 and not problems, done.stderr


def test_unit_is_notify_and_hardened() -> None:
    unit = (DEPLOY / "monitor.service").read_text()
    for setting in (
        "Type=notify",
        "WatchdogSec=",
        "Restart=on-failure",
        "DynamicUser=yes",
        "StateDirectory=monitor",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
    ):
        assert setting in unit


def test_image_is_non_root_with_volumes_and_healthcheck() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "USER monitor" in dockerfile and "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile
    assert 'VOLUME ["/data", "/models"]' in dockerfile
    # The slim install: built from the wheel, with no PyTorch in any stage.
    assert "torch" not in dockerfile and "pip wheel" in dockerfile
    assert "rabbitmq" in (DEPLOY / "compose.yaml").read_text()
