"""Language of a post: langdetect (seeded, profiles loaded once) refined by script and letter rules."""

from __future__ import annotations

import math
import threading
from functools import cache

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

from monitor.lang.clean import clean_text, letter_count
from monitor.lang.evidence import ALPHABETS, evidence, plausible
from monitor.record import Language

DETECTOR = "langdetect+rules"
SEED = 0
MIN_LETTERS = 3
PROB_FLOOR = 1e-3
# Languages without a langdetect profile borrow the probability of their nearest profiled ones.
BORROWED = {"gl": ("es", "pt"), "be": ("uk", "ru"), "sr": ("mk", "ru"), "kk": ("ru", "uk")}
BORROW_PENALTY = {"gl": 2.5, "be": 1.0, "sr": 1.0, "kk": 1.0}
# langdetect is overconfident on short texts: its log-probabilities are damped before the rules.
TEMPER = 0.3
# The languages the monitor translates win ties: a missed post costs more than a stray one.
PRIOR = {"es": 0.5, "ru": 0.7}
# Latin letters that stand in for Cyrillic ones inside Cyrillic words (Belarusian "i", mostly).
HOMOGLYPHS = str.maketrans("aceiopxy", "асеіорху")

UNDETERMINED = Language("und", 0.0, DETECTOR)
_lock = threading.Lock()


@cache
def _factory() -> DetectorFactory:
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.seed = SEED
    return factory


def langdetect_probabilities(text: str, only: set[str] | None = None) -> dict[str, float]:
    """langdetect's full distribution for `text` (restricted to `only` when given)."""
    with _lock:
        factory = _factory()
    detector = factory.create()
    if only is not None:
        known = {lang: 1.0 for lang in only if lang in factory.langlist}
        if not known:
            return {}
        detector.set_prior_map(known)
    detector.append(text)
    try:
        detector.get_probabilities()
    except LangDetectException:
        return {}
    return {lang: p for lang, p in zip(factory.langlist, detector.langprob, strict=True) if p > 0}


def _script(cleaned: str) -> str:
    cyrillic = latin = other = 0
    for char in cleaned:
        if not char.isalpha():
            continue
        if "\u0400" <= char <= "\u052f":
            cyrillic += 1
        elif char < "\u0250" or "\u1e00" <= char <= "\u1eff":
            latin += 1
        else:
            other += 1
    if cyrillic > latin and cyrillic >= other:
        return "cyrillic"
    if latin >= other:
        return "latin"
    return "other"


def detect_language(text: str) -> Language:
    """The language of `text` (ISO 639-1), or `und` when it holds no linguistic content."""
    cleaned = clean_text(text)
    letters = letter_count(cleaned)
    if letters < MIN_LETTERS:
        return UNDETERMINED
    script = _script(cleaned)
    if script == "other":
        probs = langdetect_probabilities(cleaned)
        if not probs:
            return UNDETERMINED
        lang, p = max(probs.items(), key=lambda item: item[1])
        return Language(lang, p, DETECTOR)
    words = _words(cleaned, script)
    if script == "cyrillic":
        cleaned = " ".join(words)
        letters = letter_count(cleaned)
        if letters < MIN_LETTERS:
            return UNDETERMINED
    alphabets = ALPHABETS[script]
    candidates = plausible(words, alphabets, letters)
    if script == "cyrillic":
        probs = langdetect_probabilities(cleaned, candidates | {"ru", "uk", "bg", "mk"})
    else:
        probs = langdetect_probabilities(cleaned)
        top = sorted(probs, key=probs.__getitem__, reverse=True)[:3]
        candidates |= {lang for lang in top if lang not in alphabets}
    if not candidates:
        candidates = set(probs) or set(alphabets)
    nudges = evidence(words, script == "cyrillic")
    scores: dict[str, float] = {}
    for lang in candidates:
        if lang in BORROWED:
            p = max(probs.get(near, 0.0) for near in BORROWED[lang])
            base = TEMPER * math.log(max(p, PROB_FLOOR)) - BORROW_PENALTY[lang]
        else:
            base = TEMPER * math.log(max(probs.get(lang, 0.0), PROB_FLOOR))
        scores[lang] = base + nudges.get(lang, 0.0) + PRIOR.get(lang, 0.0)
    return _decide(scores)


def _words(cleaned: str, script: str) -> list[str]:
    """Lowercased words; in Cyrillic text, Latin words go and Latin look-alikes become Cyrillic."""
    spaced = cleaned.lower().replace("¿", " ¿ ").replace("¡", " ¡ ")
    words = [word.strip("'-·") for word in spaced.split()]
    if script != "cyrillic":
        return [word for word in words if word]
    kept = []
    for word in words:
        if word == "i" or any("\u0400" <= char <= "\u052f" for char in word):
            kept.append(word.translate(HOMOGLYPHS))
    return kept


def _decide(scores: dict[str, float]) -> Language:
    best = max(scores, key=scores.__getitem__)
    top = scores[best]
    total = sum(math.exp(s - top) for s in scores.values())
    return Language(best, round(1.0 / total, 4), DETECTOR)
