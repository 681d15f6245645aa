"""`monitor digest ...` run as a user would, in a subprocess."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.cli import run_monitor

CONFIG = """
[monitor]
data_dir = "{data}"
timezone = "America/Caracas"

[digest]
send_at = "07:00"
to = ["analysts@example.org"]
from = "monitor@example.org"
"""


def monitor(config: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run_monitor(["--config", str(config), "digest", *args], env, config.parent)


def test_preview_and_send_from_the_command_line(
    tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text(CONFIG.format(data=tmp_path / "data"), "utf-8")
    preview = monitor(
        config, subprocess_env, "preview", "--date", "2026-11-27", "--out", str(tmp_path / "d.html")
    )
    assert preview.returncode == 0, preview.stderr
    assert (tmp_path / "d.html").read_text("utf-8").startswith("<!DOCTYPE html>")

    sent = monitor(config, subprocess_env, "send", "--date", "2026-11-27")
    assert sent.returncode == 0, sent.stderr
    files = sorted(p.suffix for p in (tmp_path / "data" / "digests").iterdir())
    assert files == [".eml", ".html"]
    again = monitor(config, subprocess_env, "send", "--date", "2026-11-27")
    assert again.returncode == 0 and "already sent" in again.stderr
    assert "Traceback" not in again.stderr
