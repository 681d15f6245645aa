"""Run `monitor` as a user does: `python -m monitor ...` in a subprocess."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any


def run_monitor(
    args: list[str], env: dict[str, str], cwd: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        env=env,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def queued_records(
    config: Path, env: dict[str, str], cwd: Path, limit: int = 10_000
) -> list[dict[str, Any]]:
    """Every record `monitor queue tail` prints (the newest `limit`)."""
    done = run_monitor(["--config", str(config), "queue", "tail", "--limit", str(limit)], env, cwd)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def start_daemon(
    config: Path,
    env: dict[str, str],
    cwd: Path,
    roles: str | None = None,
    *,
    log: Path | None = None,
) -> subprocess.Popen[str]:
    """`monitor run` (with `--role roles`) in the background; its log is on stderr, or in
    the file `log` (a busy daemon fills a pipe nobody reads until it stops, then waits)."""
    role = ["--role", roles] if roles else []
    with open(log, "w") if log is not None else contextlib.nullcontext() as file:
        return subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(config), "run", *role],
            env=env,
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=file if file is not None else subprocess.PIPE,
            text=True,
        )
