"""Platform language hints reduced to ISO 639-1."""

from __future__ import annotations

import pytest

from monitor.sources.hints import lang_hint


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("es", "es"),
        ("es-VE", "es"),
        ("ru_RU", "ru"),
        ("und", None),
        ("qme", None),
        ("in", "id"),
        ("", None),
        (None, None),
        ("zxx", None),
    ],
)
def test_language_hints(value: object, hint: str | None) -> None:
    assert lang_hint(value) == hint
