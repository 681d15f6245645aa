"""Placeholder detector (to be replaced by the full detector)."""

from __future__ import annotations

from langdetect import DetectorFactory, LangDetectException, detect_langs

from monitor.record import Language

DetectorFactory.seed = 0


def detect_language(text: str) -> Language:
    try:
        best = detect_langs(text)[0]
    except LangDetectException:
        return Language("und", 0.0)
    return Language(str(best.lang)[:2], float(best.prob))
