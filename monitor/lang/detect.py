"""Language of a post: langdetect's n-gram model refined by script, letter and word rules."""

from __future__ import annotations

import math
import threading
from functools import cache

from langdetect.lang_detect_exception import LangDetectException

from monitor.lang.clean import clean_text, letter_count
from monitor.lang.evidence import ALPHABETS, evidence, missing_in_model, plausible
from monitor.lang.profiles import Profiles, factory
from monitor.record import DETECTOR, Language

SEED = 0
MIN_LETTERS = 3
# langdetect's Latin- and Cyrillic-script profiles; the rules know only some of them.
PROFILED = {
    "latin": [
        "af",
        "ca",
        "cs",
        "cy",
        "da",
        "de",
        "en",
        "es",
        "et",
        "fi",
        "fr",
        "hr",
        "hu",
        "id",
        "it",
        "lt",
        "lv",
        "nl",
        "no",
        "pl",
        "pt",
        "ro",
        "sk",
        "sl",
        "so",
        "sq",
        "sv",
        "sw",
        "tl",
        "tr",
        "vi",
    ],
    "cyrillic": ["bg", "mk", "ru", "uk"],
}
# Languages without a langdetect profile borrow the likelihood of their nearest profiled ones,
# less what that profile counts against the letters it misses (Serbian has no я, й, ь).
BORROWED = {"gl": ("es", "pt"), "be": ("uk", "ru"), "sr": ("mk", "ru"), "kk": ("ru", "uk")}
BORROW_PENALTY = {"gl": 1.0, "be": 1.5, "sr": 1.0, "kk": 1.0}
# The n-gram model is near-certain long before it is right: its log-likelihoods are scaled
# down, the more for short texts, so that letter and word evidence can overturn it.
MODEL_WEIGHT = {"latin": 0.25, "cyrillic": 0.2}
FULL_WEIGHT_GRAMS = 120
RAMP_GRAMS = 60
# A language the rules know nothing about must beat the others by this much.
OUTSIDER_PENALTY = 3.0
# The languages the monitor translates win ties: a missed post costs more than a stray one.
PRIOR = {"es": 0.3, "ru": 1.1}
# Latin letters that stand in for Cyrillic ones inside Cyrillic words (Belarusian "i", mostly).
HOMOGLYPHS = str.maketrans("aceiopxy", "асеіорху")

# Below this share of lowercase words a text is in title case, and its capitals are not names.
TITLE_CASE_SHARE = 0.4
# With this many letters outside names, the n-gram model reads the text without its names.
NAMELESS_MODEL_LETTERS = 15

UNDETERMINED = Language("und", 0.0, DETECTOR)
_lock = threading.Lock()


@cache
def _profiles(script: str) -> Profiles:
    return Profiles(PROFILED[script])


def _langdetect(text: str) -> Language:
    """langdetect itself (seeded) for scripts the rules do not cover."""
    with _lock:
        loaded = factory()
        loaded.seed = SEED
    detector = loaded.create()
    detector.append(text)
    try:
        best = detector.get_probabilities()[0]
    except (LangDetectException, IndexError):
        return UNDETERMINED
    # ISO 639-1, as records promise: langdetect's "zh-cn" and "zh-tw" are both "zh".
    return Language(str(best.lang).split("-")[0], round(float(best.prob), 4), DETECTOR)


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
    """The language of `text` (ISO 639-1), or `und` when it holds no linguistic content.

    Only the start of a long text counts (see `clean_text`).
    """
    cleaned = clean_text(text)
    letters = letter_count(cleaned)
    if letters < MIN_LETTERS:
        return UNDETERMINED
    script = _script(cleaned)
    if script == "other":
        return _langdetect(cleaned)
    words, plain = _words(cleaned, script)
    if script == "cyrillic":
        cleaned = " ".join(words)
        letters = letter_count(cleaned)
        if letters < MIN_LETTERS:
            return UNDETERMINED
    alphabets = ALPHABETS[script]
    unnamed = " ".join(plain)
    if plain is not words and letter_count(unnamed) >= NAMELESS_MODEL_LETTERS:
        cleaned = unnamed
    model, grams = _profiles(script).loglikelihoods(cleaned)
    if not grams:
        return UNDETERMINED
    best = max(model.values())
    share = min(1.0, FULL_WEIGHT_GRAMS / grams, grams / RAMP_GRAMS)
    scaled = {lang: MODEL_WEIGHT[script] * share * (value - best) for lang, value in model.items()}
    candidates = plausible(words, alphabets, letters) or set(alphabets)
    nudges = evidence(words, script == "cyrillic", letters, spelled=plain, model_share=share)
    inherited = missing_in_model(words, letters, share)
    scores: dict[str, float] = {}
    for lang in candidates:
        if lang in BORROWED:
            base = max(scaled[near] - inherited.get(near, 0.0) for near in BORROWED[lang])
            base -= BORROW_PENALTY[lang]
        else:
            base = scaled[lang]
        scores[lang] = base + nudges.get(lang, 0.0) + PRIOR.get(lang, 0.0)
    for lang, base in scaled.items():
        if lang not in alphabets:
            scores[lang] = base - OUTSIDER_PENALTY
    return _decide(scores)


def _words(cleaned: str, script: str) -> tuple[list[str], list[str]]:
    """Lowercased words, and those of them that are not names.

    A capitalised word after the first is taken for a name, its spelling saying little about
    the language around it, unless the text is in title case. In Cyrillic text, Latin words
    go and Latin look-alikes become Cyrillic.
    """
    spaced = cleaned.replace("¿", " ¿ ").replace("¡", " ¡ ")
    words: list[str] = []
    plain: list[str] = []
    for index, raw in enumerate(spaced.split()):
        token = raw.strip("'-·")
        if not token:
            continue
        word = token.lower()
        if script == "cyrillic":
            if word != "i" and not any("\u0400" <= char <= "\u052f" for char in word):
                continue
            word = word.translate(HOMOGLYPHS)
        words.append(word)
        if index == 0 or not token[0].isupper():
            plain.append(word)
    if len(plain) < len(words) * TITLE_CASE_SHARE:
        return words, words
    return words, plain


def _decide(scores: dict[str, float]) -> Language:
    # Sorted first: candidates come from a set, and a tie must not depend on the hash seed.
    best = max(sorted(scores), key=scores.__getitem__)
    top = scores[best]
    total = sum(math.exp(s - top) for s in scores.values())
    return Language(best, round(1.0 / total, 4), DETECTOR)
