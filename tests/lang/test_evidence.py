from __future__ import annotations

import pytest

from monitor.lang import detect_language
from monitor.lang.evidence import evidence, missing, missing_in_model
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


def test_spelling_of_names_is_not_evidence() -> None:
    with_name = evidence(
        ["se", "trata", "del", "samsung"], False, 18, spelled=["se", "trata", "del"]
    )
    assert with_name["es"] > evidence(["se", "trata", "del", "samsung"], False, 18)["es"]


def test_spanish_with_its_accented_letters_lost_is_still_spanish() -> None:
    assert evidence(["ms", "noticias"], False, 10)["es"] > evidence(["noticias"], False, 8)["es"]
    assert evidence(["distribucin"], False, 11)["es"] > 0


def test_russian_profile_already_counts_missing_letters_when_the_model_counts_fully() -> None:
    words = ["на", "грани", "истерики"]
    assert missing(words, 15, model_share=1.0)["ru"] > missing(words, 15)["ru"]
    assert missing(words, 15, model_share=1.0)["mk"] == missing(words, 15)["mk"]
    assert missing(["за", "нею"], 5, model_share=1.0)["uk"] > missing(["за", "нею"], 5)["uk"]


@pytest.mark.parametrize(
    ("word", "lang"),
    [
        ("знають", "uk"),
        ("закарпатського", "uk"),
        ("баяцца", "be"),
        ("турысцкага", "be"),
        ("най-много", "bg"),
        ("собствеността", "bg"),
        ("направихме", "bg"),
        ("дванаест", "sr"),
        ("изпълнение", "bg"),
        ("активност", "bg"),
        ("общинския", "bg"),
    ],
)
def test_endings_russian_never_writes(word: str, lang: str) -> None:
    scores = evidence([word], True, len(word))
    assert scores[lang] > scores["ru"]


@pytest.mark.parametrize(
    ("word", "lang"),
    [
        ("novembre", "ca"),
        ("aquell", "ca"),
        ("arquitectures", "ca"),
        ("botiguers", "ca"),
        ("ideais", "pt"),
        ("história", "pt"),
        ("água", "pt"),
        ("palatul", "ro"),
    ],
)
def test_endings_spanish_never_writes(word: str, lang: str) -> None:
    scores = evidence([word], False, len(word))
    assert scores[lang] > scores["es"]


def test_a_function_word_of_few_languages_weighs_more_than_one_of_many() -> None:
    assert evidence(["para"], False, 4)["es"] > evidence(["a"], False, 1)["es"] > 0


def test_italian_writes_ch_only_before_e_and_i() -> None:
    assert evidence(["ancho"], False, 5)["it"] < evidence(["anche"], False, 5)["it"]


def test_words_without_vowels_are_abbreviations_not_spelling() -> None:
    assert evidence(["km", "cm"], False, 4) == missing(["km", "cm"], 4)


def test_a_borrowed_profile_hands_back_the_missing_letters_it_counts() -> None:
    inherited = missing_in_model(["у", "граду"], 6, model_share=1.0)
    assert inherited["ru"] < 0
    assert "sr" not in inherited and "mk" not in inherited
    assert missing_in_model(["у", "граду"], 6, model_share=0.0)["ru"] == 0


@pytest.mark.parametrize(
    ("words", "lang", "rival"),
    [(["таке", "цього"], "uk", "ru"), (["només", "cal", "dir"], "ca", "es")],
)
def test_frequent_words_of_one_language(words: list[str], lang: str, rival: str) -> None:
    scores = evidence(words, lang == "uk", sum(map(len, words)))
    assert scores[lang] > scores.get(rival, 0.0)


def test_spanish_words_stressed_on_i_or_u_are_not_taken_for_portuguese() -> None:
    for word in ("energía", "día", "continúa"):
        scores = evidence([word], False, len(word))
        assert scores.get("pt", 0.0) <= scores.get("es", 0.0)


def test_capitalised_function_words_count_but_initials_do_not() -> None:
    capitalised = evidence(["visita", "és"], False, 8, spelled=["visita"])
    assert capitalised["ca"] > evidence(["visita"], False, 8)["ca"]
    initial = evidence(["но", "б"], True, 3, spelled=["но"])
    assert initial["uk"] == evidence(["но"], True, 3)["uk"]
