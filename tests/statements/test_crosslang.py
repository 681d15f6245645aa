"""Cross-language rules: joint communiqués of two organisations, translated names, the scan."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np

from monitor.statements import StatementClusterer, StatementPost
from monitor.statements.embed import Vector
from monitor.statements.text import features, names_agree_across, skeleton, split_sentences

T0 = datetime(2031, 5, 12, 8, 0, tzinfo=UTC)
DIMENSIONS = 32


class TableEmbedder:
    """Vectors chosen by the test for known texts; any other text gets an axis of its own."""

    def __init__(self, known: dict[str, Vector]) -> None:
        self.known = known
        self.free = 16  # axes 0-15 are the test's own

    def encode(self, texts: list[str]) -> Vector:
        return np.stack([self._vector(text) for text in texts]).astype(np.float32)

    def _vector(self, text: str) -> Vector:
        if text not in self.known:
            self.known[text] = axis(self.free)
            self.free += 1
        return self.known[text]


def axis(n: int) -> Vector:
    vector = np.zeros(DIMENSIONS, dtype=np.float32)
    vector[n] = 1.0
    return vector


def near(n: int, m: int, cosine: float) -> Vector:
    """A unit vector at `cosine` from axis n, leaning towards axis m."""
    return (cosine * axis(n) + math.sqrt(1 - cosine**2) * axis(m)).astype(np.float32)


def post(id: str, text: str, *, account: str, language: str, minutes: float) -> StatementPost:
    return StatementPost(
        id=id,
        platform="telegram",
        account=account,
        language=language,
        published_at=T0 + timedelta(minutes=minutes),
        text=text,
        source=f"{account}-{language}",
    )


# A joint communiqué of two (invented) ministries, its two sentences in each language.
ONE = ("Comunicado conjunto de los ministerios de exteriores sobre la pesca en el estrecho.", "Las partes acuerdan un plan de vigilancia de las capturas durante todo el invierno.")  # fmt: skip
TWO = ("Совместное заявление министерств иностранных дел о рыболовстве в проливе.", "Стороны договорились о плане контроля за выловом в течение всей зимы.")  # fmt: skip
ELSE = "Стороны также обсудили строительство нового моста через реку до конца десятилетия."


def joint_clusterer(second: str, second_vector: Vector) -> StatementClusterer:
    known = {
        " ".join(ONE): axis(0),
        " ".join((TWO[0], second)): near(0, 1, 0.65),  # below the two-organisation floor
        ONE[0]: axis(2),
        ONE[1]: axis(4),
        TWO[0]: near(2, 3, 0.8),
        second: second_vector,
    }
    embedder = TableEmbedder(known)
    return StatementClusterer(embedder_factory=lambda: embedder)


def test_a_joint_communique_of_two_organisations_joins_when_its_sentences_align() -> None:
    clusterer = joint_clusterer(TWO[1], near(4, 5, 0.8))
    clusterer.add(post("telegram:1", " ".join(ONE), account="aa-mfa", language="es", minutes=0))
    found = clusterer.add(
        post("telegram:2", " ".join(TWO), account="bb-mfa", language="ru", minutes=90)
    )
    assert (found, clusterer.last_signal) == ("telegram:1", "embedding")


def test_another_organisations_own_account_of_the_event_stays_apart() -> None:
    clusterer = joint_clusterer(ELSE, axis(6))  # the second sentence says something else
    clusterer.add(post("telegram:1", " ".join(ONE), account="aa-mfa", language="es", minutes=0))
    other = " ".join((TWO[0], ELSE))
    assert (
        clusterer.add(post("telegram:2", other, account="bb-mfa", language="ru", minutes=90))
        == "telegram:2"
    )


def test_one_sentence_is_not_enough_to_align() -> None:
    def clusterer() -> StatementClusterer:
        embedder = TableEmbedder({ONE[0]: axis(2), TWO[0]: near(2, 3, 0.65)})
        return StatementClusterer(embedder_factory=lambda: embedder)

    joint = clusterer()
    joint.add(post("telegram:1", ONE[0], account="aa-mfa", language="es", minutes=0))
    found = joint.add(post("telegram:2", TWO[0], account="bb-mfa", language="ru", minutes=9))
    assert found == "telegram:2"  # one sentence aligned is just the whole-text cosine again
    # ...while one organisation's translation needs no alignment above its own floor
    same = clusterer()
    same.add(post("telegram:1", ONE[0], account="aa-mfa", language="es", minutes=0))
    found = same.add(post("telegram:3", TWO[0], account="aa-mfa", language="ru", minutes=9))
    assert found == "telegram:1"


def test_an_old_post_collected_late_does_not_hide_the_recent_ones() -> None:
    spanish = "El ministerio inaugura hoy el nuevo faro del puerto norte."
    english = "The ministry opens the new lighthouse of the northern port today."
    backfill = "Saludamos a los pescadores en su día."
    embedder = TableEmbedder({spanish: axis(0), english: near(0, 1, 0.9)})
    clusterer = StatementClusterer(embedder_factory=lambda: embedder)
    clusterer.add(post("telegram:1", spanish, account="aa-mfa", language="es", minutes=0))
    clusterer.add(post("telegram:2", backfill, account="aa-mfa", language="es", minutes=-2880))
    found = clusterer.add(post("telegram:3", english, account="aa-mfa", language="en", minutes=30))
    assert found == "telegram:1"


def test_soft_c_and_ts_are_one_sound() -> None:
    assert skeleton("Национальной")[:4] == skeleton("Nacional")[:4]
    assert skeleton("Федерации")[:4] == skeleton("Federación")[:4]
    assert skeleton("синематеке") == skeleton("Cinemateca")
    assert skeleton("Куба") == skeleton("Cuba")  # a hard c stays a k


def test_missing_ordinary_capitalised_words_do_not_count_against_a_translation() -> None:
    english = features(
        "The ministry and the Orlan Republic signed the deal at the High Fisheries Board."
    )
    spanish = features(
        "El ministerio y la República de Orlania firmaron el acuerdo en la Comisión Mixta de Pesca."
    )
    ordinary = frozenset(skeleton(word)[:5] for word in ("High", "Fisheries", "Board"))
    assert not names_agree_across(english, spanish)
    assert names_agree_across(english, spanish, ordinary=ordinary)


def test_ordinary_words_alone_do_not_make_two_places_agree() -> None:
    one = features("The embassy invites you to the Music Festival at the Theatre of Lindau.")
    two = features("La embajada invita a la Gala de Ballet en el Teatro Nodre de Kestria.")
    ordinary = frozenset(
        skeleton(word)[:5] for word in ("Music", "Festival", "Theatre", "Gala", "Ballet", "Teatro")
    )
    assert not names_agree_across(one, two, ordinary=ordinary)


def test_names_agree_when_the_text_with_more_capitals_is_the_one_that_translates() -> None:
    # Spanish capitalises every word of an institution's name, Russian only proper names.
    spanish = features(
        "Reunión de la Comisión Intergubernamental de Alto Nivel de Orlania y Kestria en Lindau."
    )
    russian = features("Заседание межправительственной комиссии высокого уровня Орлании и Кестрии в Линдау.")  # fmt: skip
    assert names_agree_across(spanish, russian)
    template = features("Заседание межправительственной комиссии Орлании и Тамарии в Гудзоне.")
    assert not names_agree_across(spanish, template)


def test_sentences_are_split_with_short_fragments_kept_together() -> None:
    found = split_sentences("Nota. Ambas partes firman el acuerdo de pesca. Fin.")
    assert found == ("Nota. Ambas partes firman el acuerdo de pesca. Fin.",)
    two = split_sentences(
        "Ambas partes firman hoy el acuerdo. Las capturas se vigilan todo el año!"
    )
    assert two == ("Ambas partes firman hoy el acuerdo.", "Las capturas se vigilan todo el año!")
    assert len(split_sentences("Una frase bastante larga aquí. " * 50)) == 8
