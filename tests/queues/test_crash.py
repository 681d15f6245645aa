"""kill -9 a publishing process at random moments: every post still arrives, with its id.

On both stores: the embedded file, and PostgreSQL (its own schema per test).
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.queues.conftest import Target
from tests.queues.support import KINDS, delivered
from tests.support.stores import PG_URL, StoreFactory

POSTS = 1000
KILLS = 20


def start_driver(target: Target, store: StoreFactory, env: dict[str, str]) -> subprocess.Popen[str]:
    where = [str(store.data_dir)] if store.schema is None else [PG_URL, store.schema]
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.queues.crash_driver",
            *(target.kind, target.name, str(target.data_dir), str(POSTS), *where),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
    )


def kill_after_some_batches(proc: subprocess.Popen[str], rng: random.Random) -> bool:
    """SIGKILL after 1-4 confirmed batches plus up to a millisecond; False if the run ended first."""
    assert proc.stdout is not None
    batches = rng.randint(1, 4)
    for line in proc.stdout:
        if line.startswith("done"):
            break
        if line.startswith("sent"):
            batches -= 1
            if batches == 0:
                time.sleep(rng.uniform(0, 0.001))
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                return proc.returncode == -signal.SIGKILL
    proc.wait()
    return False


# Every queue on the embedded store; on PostgreSQL the two the guarantee is checked on (no
# duplicates): the store's side of publishing is the same for every broker, and each
# PostgreSQL run costs ~10 s.
STORES = [(kind, "sqlite") for kind in KINDS] + [("sqlite", "postgresql"), ("nats", "postgresql")]


@pytest.mark.parametrize(("target", "store_backend"), STORES, indirect=True)
async def test_kill_9_at_random_moments_loses_nothing(
    target: Target, open_test_store: StoreFactory, subprocess_env: dict[str, str]
) -> None:
    rng = random.Random()
    kills = 0
    while kills < KILLS:
        if not kill_after_some_batches(start_driver(target, open_test_store, subprocess_env), rng):
            pytest.fail(f"the run finished after only {kills} kills")
        kills += 1
    proc = start_driver(target, open_test_store, subprocess_env)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0 and "done" in out

    store = open_test_store()
    assert store.outbox_pending() == 0
    store.close()
    got = await delivered(target.kind, target.name, target.data_dir)
    expected = {f"rss:crash/{n}#1" for n in range(POSTS)}
    assert {d.message_id for d in got} == expected
    assert all(d.message_id == f"{d.record['id']}#{d.record['revision']}" for d in got)
    if target.kind in ("sqlite", "nats"):
        twice = [mid for mid, n in Counter(d.message_id for d in got).items() if n > 1]
        assert twice == []
