from __future__ import annotations

import pytest

from monitor.lang.clean import MAX_CHARS, clean_text, letter_count


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://t.co/abc 🇻🇪 2022", ""),
        ("Mira esto: www.example.org/page?x=1 ahora", "Mira esto ahora"),
        ("Fotos pic.twitter.com/OQeZWtNQnl aquí", "Fotos aquí"),
        ("Hola @Fariacrt y #EnFotos gracias", "Hola y gracias"),
        ("Escribe a prensa@mppre.gob.ve hoy", "Escribe a hoy"),
        ("1/4 El 4 de julio de 2022, a las 10:30", "El de julio de a las"),
        ("¡¡¡Qué bien!!! ... —¿Vienes?", "¡¡¡Qué bien ¿Vienes"),
        ("Los Cancilleres 🇻🇪🤝🏾🇷🇺 firmaron", "Los Cancilleres firmaron"),
        ("l·lusió, l'any, пам’ятати, 8-ий", "l·lusió l'any пам'ятати"),
    ],
)
def test_clean_text_keeps_only_words(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_clean_text_composes_accents() -> None:
    assert clean_text("Mosc\u0075\u0301") == "Moscú"


def test_letter_count_ignores_marks_and_spaces() -> None:
    assert letter_count("¿Qué tal") == 6


def test_clean_text_reads_the_start_of_a_long_text_without_cutting_a_word() -> None:
    text = "palabra " * (MAX_CHARS // 8) + "final"
    cleaned = clean_text(text)
    assert len(cleaned) <= MAX_CHARS and cleaned.endswith("palabra")
    assert clean_text("x" * (MAX_CHARS + 10)) == "x" * MAX_CHARS


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("x² ½ Ⅻ casa", "x casa"),  # numerals are no letters
        ("b\u0301\u0301 c", "b\u0301 c"),  # a mark after a letter stays, after a mark not
        ("…pic.twitter.com/x texto", "texto"),
        ("-pic.twitter.com/x texto", "texto"),
    ],
)
def test_clean_text_edge_cases(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected
