from __future__ import annotations

from monitor.translate.engine import MAX_TRANSLATED_CHARS, TRUNCATED, ArgosTranslator
from tests.support.argos_package import ArgosEnv


def test_a_megabyte_post_is_translated_up_to_the_cap(installed: ArgosEnv) -> None:
    translator = ArgosTranslator()
    short = "Hola mundo. Nos reunimos hoy."
    huge = (short + " ") * (1_000_000 // (len(short) + 1))
    translated_short, translated_huge = translator.translate([short, huge], "es", "en")
    assert translated_huge.endswith(TRUNCATED)
    assert not translated_short.endswith(TRUNCATED)
    # The toy model writes about 4 characters per sentence: the whole post would give ~130,000.
    assert len(translated_huge) < 2 * MAX_TRANSLATED_CHARS
