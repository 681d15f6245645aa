"""A small accuracy check on the shared langid test data (the benchmark runs all of it)."""

from __future__ import annotations

import pytest

from monitor.lang import detect_language
from tests.support.shared_data import LANGID_DATA, SENTENCES

LINES = 100
OTHERS = ("pt", "ca", "it", "fr", "en", "ro", "uk", "bg", "be", "sr", "mk", "kk")

pytestmark = pytest.mark.skipif(
    not (SENTENCES / "es.txt").is_file(),
    reason=f"langid test data not found at {LANGID_DATA} (set MONITOR_LANGID_DATA)",
)


def _lines(lang: str) -> list[str]:
    path = SENTENCES / f"{lang}.txt"
    return path.read_text(encoding="utf-8").splitlines()[-LINES:]


@pytest.mark.parametrize("lang", ["es", "ru"])
def test_recall_on_held_out_sentences(lang: str) -> None:
    codes = [detect_language(text).code for text in _lines(lang)]
    assert codes.count(lang) >= LINES * 0.97


def test_few_other_languages_taken_for_spanish_or_russian() -> None:
    wrong = {
        lang: sum(detect_language(text).code in ("es", "ru") for text in _lines(lang))
        for lang in OTHERS
    }
    assert sum(wrong.values()) <= len(OTHERS) * LINES * 0.02, wrong
