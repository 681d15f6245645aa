from __future__ import annotations

from pathlib import Path

import pytest

from monitor.translate.segment import split_paragraphs, split_sentences

TESTDATA = Path(__file__).parent / "testdata"


def test_spanish_official_post_keeps_abbreviations_questions_and_urls() -> None:
    post = (TESTDATA / "posts_es.txt").read_text(encoding="utf-8").splitlines()[2]
    assert split_sentences(post) == [
        "El Sr. Canciller recibió a la Dra. Pérez, embajadora de EE.UU., a las 10.30 h.",
        "¿Qué se acordó?",
        "¡Nada nuevo!",
        "Más información en https://mppre.gob.ve/2022/07/04/comunicado/.",
    ]


def test_russian_initials_quotes_and_abbreviations() -> None:
    lines = (TESTDATA / "posts_ru.txt").read_text(encoding="utf-8").splitlines()
    assert split_sentences(lines[0]) == [
        "Министр иностранных дел России С.В.Лавров провёл переговоры с Министром иностранных"
        " дел Венесуэлы К.Фариа.",
        "Стороны обсудили ход двустороннего сотрудничества.",
        "#РоссияВенесуэла 🇷🇺🇻🇪",
    ]
    assert split_sentences(lines[1]) == [
        "Официальный представитель МИД М.В.Захарова заявила: «Мы осуждаем односторонние"
        " санкции. Это противоречит Уставу ООН».",
        "Подробнее: https://mid.ru/ru/foreign_policy/news/1820000/",
    ]
    assert split_sentences(lines[2]) == [
        "В 2022 г. объём торговли вырос на 12,5 %, т.е. более чем вдвое.",
        "@MID_RF",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("El PIB creció 3.5 por ciento. Bien.", ["El PIB creció 3.5 por ciento.", "Bien."]),
        (
            "Se reunió con С. В. Лавров. Luego habló.",
            ["Se reunió con С. В. Лавров.", "Luego habló."],
        ),
        (
            "¿Vino el Sr. López? No. ¡Qué pena, etc.!",
            ["¿Vino el Sr. López?", "No.", "¡Qué pena, etc.!"],
        ),
        ("Ver www.mppre.gob.ve. Fin", ["Ver www.mppre.gob.ve.", "Fin"]),
        ("Dijo: «Vamos.» Luego salió.", ["Dijo: «Vamos.»", "Luego salió."]),
        ("Esperen... Ya llega.", ["Esperen...", "Ya llega."]),
        ("una frase sin punto", ["una frase sin punto"]),
        ("dijo que no. y siguió", ["dijo que no. y siguió"]),
        ("   ", []),
    ],
)
def test_boundaries(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_paragraph_breaks_are_kept() -> None:
    assert split_paragraphs("Uno.\n\nDos.") == ["Uno.", "", "Dos."]
