from __future__ import annotations

import pytest

from monitor.lang import detect_language
from monitor.lang.evidence import evidence, missing
from monitor.lang.profiles import Profiles, ngrams


def test_missing_frequent_letters_count_against_a_language() -> None:
    words = ["просто", "так"]
    scores = missing(words, 9)
    assert scores["uk"] < 0 and scores["ru"] < 0
    assert missing(["її", "країна"], 8)["uk"] > scores["uk"]


def test_russian_writes_hard_sign_only_before_soft_vowels() -> None:
    assert evidence(["сърце"], True, 5)["ru"] < evidence(["объём"], True, 5)["ru"]


def test_ngrams_follow_langdetect_and_skip_words_in_capitals() -> None:
    assert ngrams("ab") == ["a", " a", "b", "ab", " ab", "b ", "ab "]
    assert "NU" not in ngrams("ONU ab")


def test_profiles_score_the_language_of_the_text_highest() -> None:
    scores, counted = Profiles(["es", "pt", "it"]).loglikelihoods("el gobierno nacional")
    assert counted > 0
    assert max(scores, key=scores.__getitem__) == "es"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("nadie quiera", "es"),
        ("tiene nueva", "es"),
        ("não sabemos", "pt"),
        ("l'ajuntament amb", "ca"),
        ("другом полом", "ru"),
        ("унять буйного", "ru"),
        ("це важливо", "uk"),
        ("навучаньне дзеці", "be"),
    ],
)
def test_word_pairs(text: str, code: str) -> None:
    assert detect_language(text).code == code
