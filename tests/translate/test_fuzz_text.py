"""Sentence splitting and entity protection on arbitrary text."""

from __future__ import annotations

import time

from hypothesis import given

from monitor.translate.protect import PLACEHOLDER_BASE, protect, restore
from monitor.translate.segment import MAX_SENTENCE_CHARS, split_sentences
from tests.support.fuzz import fuzz_settings, texts_with

BLOCKS = [
    "a" * 600,
    "a." * 300,
    "x@" * 40,
    "1a" * 40,
    "-a" * 40,
    "─" * 300,
    "中文字。" * 30,
    "https://mid.ru/ru/foreign_policy/news/1820000/",
    "(https://es.wikipedia.org/wiki/Caracas_(ciudad)).",
    "pic.twitter.com/OQeZWtNQnl",
    "www.mppre.gob.ve.",
    "@MID_RF",
    "@user@mastodon.social",
    "#EnFotos",
    "🇻🇪🤝🏾🇷🇺",
    "👩‍👩‍👧",
    "Москва. ",
    "С.В. Лавров. ",
    "¿Qué pasó? ",
    "¡Nada! ",
    "«Vamos.» ",
    "El Sr. López, etc. ",
    "Esperen... ",
    " ",
    ". ",
    "\t",
    "(",
    ")",
]
texts = texts_with(BLOCKS, size=300, piece=10, count=25)
paragraphs = texts.map(lambda text: text.replace("\n", " "))
no_placeholders = texts.map(
    lambda text: "".join(c for c in text if not PLACEHOLDER_BASE <= ord(c) <= 0xFFFFD)
)


@fuzz_settings
@given(paragraphs)
def test_sentences_are_bounded_stripped_and_lose_no_character(paragraph: str) -> None:
    started = time.perf_counter()
    sentences = split_sentences(paragraph)
    assert time.perf_counter() - started < 1.0
    for sentence in sentences:
        assert sentence and sentence == sentence.strip()
        assert len(sentence) <= MAX_SENTENCE_CHARS
    assert "".join("".join(s.split()) for s in sentences) == "".join(paragraph.split())


@fuzz_settings
@given(no_placeholders)
def test_restoring_returns_every_protected_entity(sentence: str) -> None:
    protected = protect(sentence)
    for translated in (protected.core, "", protected.core[::-1]):
        restored = restore(translated, protected.entities)
        for entity in protected.entities:
            assert entity in restored
    for part in (protected.prefix, *protected.entities, protected.suffix):
        assert part in sentence
