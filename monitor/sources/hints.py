"""The platforms' own language hints, reduced to ISO 639-1 codes or None."""

from __future__ import annotations

import re

_PRIMARY = re.compile(r"[a-z]{2,3}")
_NOT_A_LANGUAGE = frozenset(["und", "zxx", "art", "mul", "mis"])
_RETIRED = {"in": "id", "iw": "he", "ji": "yi", "jw": "jv"}


def lang_hint(value: object) -> str | None:
    """`es`, `es-VE`, `ru_RU` -> `es`/`ru`; X's `qme`/`qht`/`und`, empty or junk -> None."""
    if not isinstance(value, str):
        return None
    primary = value.strip().replace("_", "-").split("-", 1)[0].lower()
    if not _PRIMARY.fullmatch(primary) or primary in _NOT_A_LANGUAGE:
        return None
    if len(primary) == 3:
        # X's private-use codes (qme: media only, qht: hashtags only, ...) and ISO 639-2/3
        # codes: neither is the two-letter code the record uses.
        return None
    return _RETIRED.get(primary, primary)
