"""The shared HTTP client's header parsing."""

from __future__ import annotations

from monitor.sources.http import parse_retry_after, rate_limit_wait

NOW = 1_700_000_000.0


def test_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Tue, 14 Nov 2023 22:14:20 GMT", now=NOW) == 1.0 * 1_700_000_060 - NOW
    assert parse_retry_after("soon") is None


def test_reset_headers_of_each_platform() -> None:
    assert rate_limit_wait({"x-rate-limit-reset": str(int(NOW) + 90)}, now=NOW) == 90.0
    assert rate_limit_wait({"x-ratelimit-reset": "2023-11-14T22:15:20.000Z"}, now=NOW) == 120.0
    assert rate_limit_wait({"ratelimit-reset": "30"}, now=NOW) == 30.0
    assert (
        rate_limit_wait({"retry-after": "5", "x-rate-limit-reset": "99999999999"}, now=NOW) == 5.0
    )
    assert rate_limit_wait({"x-ratelimit-reset": "garbage"}, now=NOW) is None
