"""Hypothesis settings shared by every fuzz test; `make fuzz` raises the example count."""

from __future__ import annotations

import os
from collections.abc import Sequence

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FUZZ_EXAMPLES = int(os.environ.get("MONITOR_FUZZ_EXAMPLES", "200"))
FUZZ_RANDOM = os.environ.get("MONITOR_FUZZ_RANDOM", "") not in ("", "0")

fuzz_settings = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=not FUZZ_RANDOM,
)


def texts_with(
    blocks: Sequence[str], *, size: int = 300, piece: int = 10, count: int = 20
) -> st.SearchStrategy[str]:
    """Random text, or a run of adversarial `blocks` and random pieces glued together."""
    glued = st.lists(st.one_of(st.sampled_from(blocks), st.text(max_size=piece)), max_size=count)
    return st.one_of(st.text(max_size=size), glued.map("".join))
