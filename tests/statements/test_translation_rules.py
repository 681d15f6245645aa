"""Rules that let a translation written differently still agree with its original."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from monitor.statements.cluster import Settings, StatementClusterer, StatementPost
from monitor.statements.embed import Vector
from monitor.statements.numbers import number_values
from monitor.statements.text import consistent, features, names_agree_across


def test_numbers_in_words_and_digits_are_one_value() -> None:
    assert number_values("llegaron ciento cuarenta y tres cajas") == {"143"}
    assert number_values("доставлено семнадцать тысяч тонн") == {"17000"}
    assert number_values("17,000 tonnes, 17.000 toneladas, 17 mil") == {"17000"}
    assert number_values("una inversión de 3,5 millones") == {"3500000"}
    assert number_values("an investment of 3.5 million") == {"3500000"}


def test_clock_times_and_small_words_are_left_out() -> None:
    assert number_values("the event opens at 09:30 on day 5") == {"5"}
    assert number_values("two ministers signed three papers") == frozenset()


def test_a_translation_may_add_a_date_but_not_change_it() -> None:
    spanish = features("El acuerdo de cooperación pesquera cumple hoy veinte años.")
    english = features("The fisheries cooperation agreement, signed on 4 May 2007, turns 20 today.")
    other_day = features("Подписание соглашения о рыболовстве состоится 11 мая.")
    fuller_day = features("Соглашение о рыболовстве подписано 4 мая, ему 20 лет.")
    assert consistent(spanish, english, same_language=False)
    assert consistent(english, spanish, same_language=False)
    assert consistent(fuller_day, english, same_language=False)
    assert not consistent(other_day, english, same_language=False)


def test_english_month_names_are_not_names() -> None:
    text = features("The Minister of Fisheries will visit Tallinn on Thursday, 4 June.")
    assert all(word not in {"thursday", "june"} for _, word in text.proper_words)


def test_a_translated_institution_keeps_its_name_stem() -> None:
    spanish = features("Mensaje de la República de Kiribati y de la Federación de Tuvalu hoy.")
    russian = features("Послание Республики Кирибати и Федерации Тувалу сегодня.")
    assert names_agree_across(spanish, russian)


class _Fixed:
    """An invented embedding: every text maps to one of two directions."""

    def __init__(self, near: float) -> None:
        self.near = near

    def encode(self, texts: list[str]) -> Vector:
        out = []
        for text in texts:
            second = np.sqrt(1 - self.near**2) if text.startswith("Tidal") else 0.0
            first = self.near if text.startswith("Tidal") else 1.0
            out.append([first, second])
        return np.asarray(out, dtype=np.float32)


def _post(index: int, language: str, text: str, hours: int) -> StatementPost:
    return StatementPost(
        id=f"x:acc/{index}",
        platform="x",
        account="zz-mfa",
        language=language,
        published_at=datetime(2030, 5, 1, tzinfo=UTC) + timedelta(hours=hours),
        text=text,
    )


def _cluster(near: float) -> list[str]:
    clusterer = StatementClusterer(Settings(), embedder_factory=lambda: _Fixed(near))
    return [
        clusterer.add(
            _post(1, "es", "La Cancillería de Zembla informa del Plan Costero Marino.", 0)
        ),
        clusterer.add(
            _post(2, "en", "Tidal Office of Ruritania notes the Harbour Scheme today.", 2)
        ),
    ]


def test_a_near_translation_by_one_organisation_needs_no_names_in_common() -> None:
    one, two = _cluster(0.9)
    assert one == two


def test_a_farther_one_still_needs_its_names() -> None:
    one, two = _cluster(0.6)
    assert one != two
