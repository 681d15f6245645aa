"""Language detection and cleaning on arbitrary text: no exception, a valid answer."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given

from monitor.lang import detect_language
from monitor.lang.clean import MAX_CHARS, clean_text
from tests.support.fuzz import fuzz_settings, texts_with

BLOCKS = [
    "a" * 300,
    "a." * 50,
    "x@" * 50,
    "1a" * 50,
    "─" * 200,
    "中文字" * 40,
    " https://t.co/AbC1 ",
    " pic.twitter.com/x ",
    " @MID_RF ",
    " #EnFotos ",
    "🇻🇪🤝🏾🇷🇺",
    "Москва, пам’ятати ",
    "¿Qué pasó en la reunión? ",
    "l·lusió d'any ",
    "e\u0301\u0301 ",
]
texts = texts_with(BLOCKS, size=400, piece=20, count=20)
CLEAN_CHARS = re.compile(r"[^\s'\-·¿¡]")


@fuzz_settings
@given(texts)
def test_detection_answers_an_iso_code_with_a_confidence(text: str) -> None:
    language = detect_language(text)
    assert re.fullmatch(r"[a-z]{2}|und", language.code)
    assert 0.0 <= language.confidence <= 1.0


@fuzz_settings
@given(texts)
def test_clean_text_keeps_letters_marks_and_joiners_between_single_spaces(text: str) -> None:
    cleaned = clean_text(text)
    assert cleaned == cleaned.strip() and "  " not in cleaned
    assert len(cleaned) <= MAX_CHARS
    for word in cleaned.split(" "):
        assert word.strip("¿¡") == "" or any(char.isalpha() for char in word)
    assert all(char.isalpha() or not CLEAN_CHARS.match(char) or _is_mark(char) for char in cleaned)
    assert clean_text(cleaned) == cleaned


def _is_mark(char: str) -> bool:
    return unicodedata.category(char) == "Mn"
