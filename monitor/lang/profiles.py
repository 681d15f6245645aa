"""Naive-Bayes log-likelihoods from langdetect's own n-gram profiles.

langdetect samples n-grams at random and multiplies their probabilities until one language
passes 0.99999, which makes it near-certain on two words. Summing the same smoothed
log-probabilities over every n-gram is the same model, deterministic and cheaper.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from functools import cache

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.utils.ngram import NGram

# langdetect's additive smoothing: alpha 0.5 over its base frequency 10,000.
SMOOTHING = 0.5 / 10_000
ORDERS = (1, 2, 3)

_lock = threading.Lock()


@cache
def factory() -> DetectorFactory:
    """langdetect's profiles, loaded once."""
    loaded = DetectorFactory()
    loaded.load_profile(PROFILES_DIRECTORY)
    return loaded


class Profiles:
    """Per-n-gram smoothed log-probabilities for a fixed list of profiled languages."""

    def __init__(self, langs: Iterable[str]) -> None:
        loaded = factory()
        self.langs = tuple(lang for lang in langs if lang in loaded.langlist)
        self._columns = [loaded.langlist.index(lang) for lang in self.langs]
        self._probs: dict[str, list[float]] = loaded.word_lang_prob_map
        self._logs: dict[str, tuple[float, ...]] = {}
        self._floor = tuple(math.log(SMOOTHING) for _ in self.langs)

    def _row(self, gram: str) -> tuple[float, ...] | None:
        row = self._logs.get(gram)
        if row is None:
            probs = self._probs.get(gram)
            if probs is None:
                return None
            row = tuple(math.log(probs[column] + SMOOTHING) for column in self._columns)
            with _lock:
                self._logs[gram] = row
        return row

    def loglikelihoods(self, text: str) -> tuple[dict[str, float], int]:
        """Summed log-probability of the text's n-grams per language, and how many counted."""
        totals = [0.0] * len(self.langs)
        counted = 0
        for gram in ngrams(text):
            row = self._row(gram)
            if row is None or row == self._floor:
                continue
            counted += 1
            totals = [total + value for total, value in zip(totals, row, strict=True)]
        return dict(zip(self.langs, totals, strict=True)), counted


def ngrams(text: str) -> list[str]:
    """The 1- to 3-grams langdetect extracts (words in capitals are skipped, as it does)."""
    out: list[str] = []
    gram = NGram()
    for char in text + " ":
        gram.add_char(char)
        if gram.capitalword:
            continue
        for order in ORDERS:
            if len(gram.grams) < order:
                break
            piece = gram.grams[-order:]
            if piece and piece != " ":
                out.append(piece)
    return out
