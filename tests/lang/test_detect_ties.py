from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Serbian and Macedonian score exactly alike on this line.
TIED = "Поглед на источне Караванке из Љубљане."


def test_a_tie_is_decided_the_same_way_whatever_the_hash_seed() -> None:
    script = f"from monitor.lang import detect_language; print(detect_language({TIED!r}))"
    codes = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={"PYTHONHASHSEED": seed},
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3", "4", "5", "6")
    }
    assert len(codes) == 1
