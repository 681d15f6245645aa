"""The deployment files: the systemd unit verifies, the image runs as non-root with a healthcheck,
the cluster compose file runs three instances on PostgreSQL and RabbitMQ."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML comes with ctranslate2; it has no stubs

from monitor.config import load_settings

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


def cluster_compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.cluster.yaml").read_text())
    return loaded


def test_cluster_compose_runs_three_instances_after_healthy_postgres_and_rabbitmq() -> None:
    services = cluster_compose()["services"]
    roles = {
        name: service["command"][service["command"].index("--role") + 1]
        for name, service in services.items()
        if service.get("command", [None])[0] == "run"
    }
    assert roles == {
        "collector-a": "collector,publisher,digest",
        "collector-b": "collector",
        "translator": "translator,web",
    }
    assert services["postgres"]["image"].startswith("postgres:")
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    assert "rabbitmq-diagnostics" in services["rabbitmq"]["healthcheck"]["test"]
    assert any(":/var/lib/postgresql/data" in volume for volume in services["postgres"]["volumes"])
    hostnames = set()
    for name in roles:
        service = services[name]
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"
        assert service["depends_on"] == {
            "postgres": {"condition": "service_healthy"},
            "rabbitmq": {"condition": "service_healthy"},
        }
        assert "./monitor.cluster.toml:/etc/monitor/monitor.toml:ro" in service["volumes"]
        assert service["environment"]["MONITOR_CONFIG"] == "/etc/monitor/monitor.toml"
        hostnames.add(service["hostname"])  # the instance id is <hostname>-<pid>
    assert len(hostnames) == 3
    assert any(volume.endswith(":/models") for volume in services["translator"]["volumes"])


def test_cluster_compose_holds_no_password() -> None:
    services = cluster_compose()["services"]
    passwords = {
        f"{name}.{key}": value
        for name, service in services.items()
        for key, value in service.get("environment", {}).items()
        if "PASSWORD" in key
    }
    assert set(passwords) >= {"postgres.POSTGRES_PASSWORD", "collector-a.MONITOR_DB_PASSWORD"}
    # Only taken from the operator's environment, and refused when it is not set.
    assert all(value.startswith("${MONITOR_DB_PASSWORD:?") for value in passwords.values())
    text = (DEPLOY / "compose.cluster.yaml").read_text()
    assert "_PASSWORD_FILE" not in text and "RABBITMQ_DEFAULT_PASS" not in text


def test_cluster_config_is_postgresql_and_rabbitmq_without_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MONITOR_DB_PASSWORD", "only-in-the-environment")
    settings = load_settings(DEPLOY / "monitor.cluster.toml")
    services = cluster_compose()["services"]
    assert settings.store.backend == "postgresql"
    assert settings.store.password_env == "MONITOR_DB_PASSWORD"
    store_url = urlsplit(settings.store.url)
    assert store_url.password is None and store_url.hostname in services
    assert settings.queue.backend == "rabbitmq"
    assert urlsplit(settings.queue.url).hostname in services
    assert settings.cluster.lease == 60.0 and settings.cluster.instance_id == ""
    assert settings.web.trust_proxy and settings.sources
    # The image the compose file builds carries the PostgreSQL client.
    assert "[brokers,postgresql]" in (DEPLOY / "Dockerfile").read_text()


def compose_unavailable() -> str | None:
    if shutil.which("docker") is None:
        return "docker is not installed"
    done = subprocess.run(
        ["docker", "compose", "version"], capture_output=True, text=True, timeout=30
    )
    return None if done.returncode == 0 else "docker has no compose plugin"


def test_docker_compose_accepts_the_cluster_file() -> None:
    reason = compose_unavailable()
    if reason is not None:
        pytest.skip(reason)
    done = subprocess.run(
        ["docker", "compose", "-f", str(DEPLOY / "compose.cluster.yaml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "MONITOR_DB_PASSWORD": "only-in-the-environment"},
    )
    assert done.returncode == 0, done.stderr
