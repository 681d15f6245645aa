"""Hypothesis settings shared by every fuzz test; `make fuzz` raises the example count."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

FUZZ_EXAMPLES = int(os.environ.get("MONITOR_FUZZ_EXAMPLES", "200"))
FUZZ_RANDOM = os.environ.get("MONITOR_FUZZ_RANDOM", "") not in ("", "0")

fuzz_settings = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=not FUZZ_RANDOM,
)
