"""The per-source deletion keys: defaults per platform, windows by time or count, clear errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from monitor.config import ConfigProblems, SourceSettings, parse_settings

BASE: dict[str, dict[str, Any]] = {
    "telegram": {"handle": "MID_Russia"},
    "mastodon": {"handle": "CancilleriaVE@mastodon.social"},
    "bluesky": {"handle": "cancilleriave.bsky.social"},
    "x": {"handle": "CancilleriaVE", "token_env": "X_BEARER_TOKEN"},
    "rss": {"url": "https://mppre.gob.ve/feed/"},
}


def source(platform: str, **extra: Any) -> SourceSettings:
    return SourceSettings.model_validate(
        {"name": "s", "platform": platform, **BASE[platform], **extra}
    )


@pytest.mark.parametrize(
    ("platform", "default"),
    [("telegram", True), ("mastodon", True), ("bluesky", True), ("x", False), ("rss", False)],
)
def test_deletions_default_per_platform_and_can_be_set(platform: str, default: bool) -> None:
    assert source(platform).rechecks is default
    assert source(platform, deletions=not default).rechecks is (not default)


def test_recheck_defaults_every_hour_over_seven_days() -> None:
    settings = source("telegram")
    assert settings.recheck_every == 3600.0
    assert (settings.recheck_seconds, settings.recheck_count) == (7 * 86400.0, None)


@pytest.mark.parametrize("window", ["200", 200])
def test_a_plain_number_window_is_a_count_of_posts(window: object) -> None:
    settings = source("mastodon", recheck_window=window, recheck_every="15m")
    assert (settings.recheck_count, settings.recheck_seconds) == (200, None)
    assert settings.recheck_every == 900.0


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("recheck_window", "0", "at least one post"),
        ("recheck_window", "a week", "is not a duration"),
        ("recheck_every", "soon", "is not a duration"),
        ("deletions", "maybe", "valid boolean"),
    ],
)
def test_bad_values_name_the_key(key: str, value: str, message: str) -> None:
    data = {"sources": [{"name": "s", "platform": "telegram", "handle": "MID_Russia", key: value}]}
    with pytest.raises(ConfigProblems) as raised:
        parse_settings(data, Path("monitor.toml"))
    (problem,) = raised.value.problems
    assert problem.startswith(f"sources[0].{key}: ") and message in problem
