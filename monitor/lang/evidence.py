"""Letter, spelling and function-word evidence for languages langdetect confuses or lacks."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass

from monitor.lang.lexicon import CYRILLIC_ALPHABETS, FUNCTION_WORDS, LATIN_ALPHABETS

# A function word counts OWN_WORD_WEIGHT split among the languages that use it, and at least
# SHARED_WORD_WEIGHT: "para" (es, pt, gl) says more than "a" (six languages).
SHARED_WORD_WEIGHT = 0.5
OWN_WORD_WEIGHT = 3.0
FOREIGN_LETTER_SHARE = 0.02
# A Latin word without a vowel is an abbreviation or a unit ("cm", "km", "pp"): its spelling
# says nothing about the language.
LATIN_VOWELS = frozenset("aeiouyáàâãäéèêëíìîïóòôõöúùûüăœæ")
PER_FEATURE_CAP = 3


@dataclass(frozen=True, slots=True)
class Feature:
    pattern: re.Pattern[str]
    weights: dict[str, float]


def _features(table: list[tuple[str, dict[str, float]]]) -> tuple[Feature, ...]:
    return tuple(Feature(re.compile(pattern), weights) for pattern, weights in table)


# Patterns run on each lowercased word; weights are log-odds nudges.
LATIN_FEATURES = _features(
    [
        (r"ñ", {"es": 2.0, "gl": 1.0}),
        (r"[¿¡]", {"es": 3.0}),
        (r"(?:ción|sión)(?:es)?$|ciones$|siones$", {"es": 2.0, "gl": 1.5}),
        (r"cion$|sion$", {"es": 1.0, "gl": 0.5}),
        (r"\w\w[cs]in$", {"es": 1.0, "gl": 0.5}),  # -ción with its accented letter lost
        (r"(?:ção|ções|ão|ões)$", {"pt": 3.0}),
        # Spanish and Galician leave the stress of "historia", "agua" unmarked.
        (r"[áéóúâêô][^aeiouáéíóúâêôãõ]+[iu][ao]s?$", {"pt": 1.5, "es": -1.0, "gl": -1.0}),
        (r"(?:ció|sió|cions|sions)$", {"ca": 2.0, "es": -1.0}),
        (r"ns$", {"pt": 1.0, "ca": 0.5, "gl": 0.3, "es": -1.0}),
        (r"^[dlmnst]'.", {"ca": 1.0, "fr": 1.0, "it": 0.7, "es": -2.0, "pt": -1.0}),
        (r"zion[ei]$", {"it": 2.0}),
        (r"dad(?:es)?$", {"es": 1.5}),
        (r"dade$", {"pt": 1.5, "gl": 1.5}),
        (r"tat(?:s)?$", {"ca": 1.5}),
        (r"lh", {"pt": 2.0}),
        (r"nh", {"pt": 1.5, "gl": 1.5}),
        (r"ny", {"ca": 1.5}),
        (r"l·l", {"ca": 3.0}),
        (r"(?<![qg])ue", {"es": 1.0, "it": 0.3}),
        (r"(?<![cgq])ie", {"es": 0.7, "it": 0.3}),
        (r"ss|tt|pp|ff|mm|bb|gg|zz|dd", {"es": -1.5, "gl": -1.5}),
        (r"\w\w[^aeiouáéíóúdlnrszyxj]$", {"es": -1.0, "gl": -1.0, "it": -1.5}),
        (r"m$", {"pt": 1.0, "ca": 0.5}),
        (r"(?:ou|eu|ei|iu)$", {"pt": 1.0, "ca": 1.0, "gl": 0.5, "es": -1.0}),
        (r"ou", {"pt": 0.7, "gl": 0.5, "fr": 0.5, "es": -0.7}),
        (r"x", {"gl": 1.0, "ca": 0.5}),
        (r"^ll", {"es": 0.7, "ca": 0.7}),
        (r"[aeiou]s$", {"it": -1.0}),
        (r"(?:os|as)$", {"es": 0.3, "pt": 0.3, "gl": 0.3}),
        (r"[^aeiou]i$", {"it": 0.7, "ro": 0.5, "es": -0.5}),
        (r"j", {"it": -1.0}),
        (r"ch(?![ei])", {"it": -1.5}),
        (r"eir[ao]s?$", {"pt": 1.5, "gl": 1.0}),
        (r"bles?$", {"es": 0.5, "ca": 0.5}),
        (r"ve(?:l|is)$", {"pt": 1.5}),
        (r"(?:ais|[^s]eis|ois)$", {"pt": 1.0, "es": -0.5}),
        (r"ment$", {"ca": 1.0, "fr": 1.0}),
        (r"tx|ix$|ig$", {"ca": 1.0}),
        (r"ll$", {"ca": 2.0, "es": -1.5}),
        (r"ers$", {"ca": 1.5, "fr": 0.5, "en": 0.5, "es": -1.0}),
        (r"\w[aiu]t$", {"ca": 1.0, "en": 0.5}),
        (r"[^aeiouszb](?:ul|ului|ilor|elor)$", {"ro": 1.5, "es": -0.5}),
        (r"\w(?:tie|ii)$", {"ro": 1.0, "es": -0.5}),
        (r"l-l", {"ca": 2.0}),
        (r"(?<!i)embre$", {"ca": 1.5, "fr": 1.0, "es": -1.0}),
        (r"tures$", {"ca": 1.0, "fr": 1.0, "es": -1.0}),
        (r"[aeiou]ts$", {"ca": 1.0, "en": 0.5}),
    ]
)

CYRILLIC_FEATURES = _features(
    [
        (r"[ыэё]", {"ru": 1.5, "be": 1.5, "kk": 0.5}),
        (r"ъ(?![еёюя])", {"bg": 2.0, "ru": -3.0}),
        (r"ь(?!о)", {"bg": -3.0}),
        (r"[жшчщ][ыэ]", {"ru": -3.0, "be": 1.5}),
        (r"ць|цё|цю", {"be": 1.5, "ru": -1.5}),
        (r"дз[ьеёюяі]", {"be": 1.5, "ru": -1.0}),
        (r"ыя$|ага$|аму$", {"be": 1.0, "ru": -0.5}),
        (r"нн[ея]$", {"be": 1.5, "uk": 1.0, "ru": -1.5}),
        (
            r"(?:^|[бвгдзклмнпстфхцчш])р[бвгджзклмнпрстфхцчшђћјљњџ]",
            {"sr": 1.5, "mk": 1.5, "ru": -1.5, "uk": -1.5, "bg": -1.0},
        ),
        (r"(?:ао|ео|ио)$", {"sr": 1.5, "ru": -1.0}),
        (
            r"(?:лар|лер|дар|дер|тар|тер)(?:ды|ді|ға|ге|да|де|дың|дің|ын|ін|ы|і)$",
            {"kk": 1.5, "ru": -0.5},
        ),
        (r"^як", {"uk": 1.5, "be": 1.0, "ru": -0.5}),
        (r"ьо", {"uk": 1.0, "bg": 1.0, "ru": -1.0}),
        (r"ск[ио]$", {"bg": 1.0, "mk": 1.0, "sr": 1.0, "ru": -0.7}),
        (r"ѝ", {"bg": 3.0}),
        (r"ът$", {"bg": 2.0}),
        (r"[їєґ]", {"uk": 2.0}),
        (r"і", {"uk": 1.0, "be": 1.0, "kk": 0.5}),
        (r"ў", {"be": 3.0}),
        (r"[әғқңөұүһ]", {"kk": 3.0}),
        (r"[ђћ]", {"sr": 3.0}),
        (r"[ѓќѕ]", {"mk": 3.0}),
        (r"[јљњџ]", {"sr": 1.5, "mk": 1.5}),
        (r"(?:ого|его)$", {"ru": 1.0, "uk": 0.7}),
        (r"(?:ая|яя|ое|ые|ее)$", {"ru": 1.0, "be": 0.3}),
        (r"ие$", {"ru": 0.5}),
        (r"т(?:ь)?ся$", {"ru": 1.5, "uk": 0.5}),
        (r"ть$", {"ru": 1.0, "uk": 0.7}),
        (r"(?:ешь|ишь)$", {"ru": 1.5}),
        (r"..[аеиоуыя]л[аио]?$", {"ru": 0.7, "uk": 0.3, "be": 0.3}),
        (r"(?:ость|ением|ении|ению|анием|ании|анию)$", {"ru": 1.5}),
        (r"(?:ся|сь)$", {"ru": 1.0, "uk": 0.5, "be": 0.5}),
        (r"(?:ит|ет|ут|ют)$", {"ru": 0.7}),
        (r"(?:ами|ями|ыми|ими)$", {"ru": 1.0, "uk": 0.8}),
        (r"(?:ах|ях|ую|юю|ому|ему|ой)$", {"ru": 1.0, "uk": 0.3}),
        (r"[^аеиоуыэюя](?:ов|ев)$", {"ru": 0.7}),
        (r"ом$", {"ru": 0.5, "sr": 0.5, "uk": 0.3}),
        (r"ння$", {"uk": 1.5}),
        (r"дз|шч|цц|ць$", {"be": 1.5}),
        (r"[бвгджзклмнпрстфхцчш]э", {"be": 2.0}),
        (r"ц[іяёю]", {"be": 1.0}),
        (r"^роз", {"uk": 1.5}),
        (r"[бвдзлмнпрстфц]ий$", {"uk": 1.0}),
        (r"ою$", {"uk": 0.5}),
        (r"ове$", {"bg": 1.5}),
        (r"ють$", {"uk": 2.0, "ru": -2.0}),
        (r"[сцз]ького$", {"uk": 2.0, "ru": -1.5}),
        (r"дцять$", {"uk": 2.0, "ru": -1.5}),
        (r"шов$", {"uk": 1.5, "ru": -1.0}),
        (r"[сц]кага$", {"be": 2.0, "ru": -1.5}),
        (r"ови$", {"bg": 1.0, "mk": 1.0, "sr": 1.0}),
        (r"ване$", {"bg": 1.0, "ru": -0.5}),
        (r"[аеёоуыэюяі]цца$", {"be": 2.0, "ru": -1.5}),
        (r"ньн[еяю]", {"be": 2.0, "ru": -1.0}),
        (r"[сц]кай$", {"be": 1.5, "ru": -1.0}),
        (r"^най-", {"bg": 3.0, "ru": -1.0}),
        (r"(?:ост|ност)та$", {"bg": 2.0, "ru": -1.0}),
        (r"ске$", {"sr": 1.0, "mk": 1.0, "bg": 1.0}),
        (r"хме$", {"bg": 2.0, "mk": 2.0, "ru": -1.0}),
        (r"^(?:из|раз|въз)[кпстфхцчшщ]", {"bg": 2.0, "ru": -2.0}),
        (r"^без[кпстфхцчшщ]", {"bg": 1.5, "uk": 1.5, "ru": -2.0}),
        (r"\w\wност$", {"bg": 1.5, "mk": 1.5, "sr": 1.5, "ru": -1.5}),
        (r"[сц]кия$", {"bg": 2.0, "ru": -1.5}),
        (r"^няко", {"bg": 2.0, "ru": -1.0}),
        (r"еше$", {"bg": 1.0, "mk": 1.0, "ru": -0.5}),
        (r"ият$", {"bg": 1.5, "ru": -0.5}),
        (r"наест$", {"sr": 2.0, "ru": -1.0}),
        (r"(?:ията|ието|иите)$", {"bg": 2.0, "ru": -1.0}),
        (r"тт[яюі]", {"uk": 1.5, "ru": -0.5}),
        (
            r"^е(?:кс|ко|лек|нер|фе|ф[аеіо])",
            {"uk": 1.0, "bg": 1.0, "mk": 1.0, "sr": 1.0, "ru": -1.5},
        ),
        (r"теся$", {"uk": 1.5, "ru": -1.0}),
        (r"(?:их|ом|ао|ио|ама|има)$", {"sr": 0.7}),
        (r"\w\wот$", {"mk": 0.7}),
    ]
)


# Letters a language writes often and some of its neighbours lack, with their share of its
# letters: a text of n letters with none of them is less likely by about (1 - share) ** n.
MISSING_LETTERS: dict[str, tuple[tuple[str, float], ...]] = {
    "ru": (("ыэё", 0.02), ("яюйьщ", 0.058), ("и", 0.08)),
    "uk": (("іїєґ", 0.083), ("яюйьщ", 0.058), ("и", 0.05)),
    "be": (("іў", 0.08), ("ыэё", 0.04)),
    "bg": (("ъ", 0.015), ("яюйщ", 0.029), ("и", 0.09)),
    "mk": (("ѓќѕјљњџ", 0.026), ("и", 0.09)),
    "sr": (("ђћјљњџ", 0.06), ("и", 0.09)),
    "kk": (("әғқңөұүһі", 0.12),),
    "pt": (("ãõçâêôà", 0.015),),
    "ca": (("àèòç·", 0.013),),
    "fr": (("éèêàçùâîôûëï", 0.037),),
    "it": (("àèìòù", 0.009),),
    "ro": (("ăâîșşțţ", 0.05),),
}
MISSING_LOGS = {
    lang: tuple((frozenset(chars), math.log(1.0 - share)) for chars, share in sets)
    for lang, sets in MISSING_LETTERS.items()
}
# The Russian and Ukrainian n-gram profiles score the absence of their letters too: when the
# model counts in full, this share of the missing-letter evidence is already in it (tuned on
# lines 1-500).
MISSING_IN_MODEL = {"ru": 0.5, "uk": 0.7}

WORD_LANGUAGES: dict[str, tuple[str, ...]] = {
    word: tuple(lang for lang, words in FUNCTION_WORDS.items() if word in words)
    for word in set().union(*FUNCTION_WORDS.values())
}


def foreign_letters(words: list[str], alphabets: dict[str, frozenset[str]]) -> dict[str, int]:
    """How many letters of the text each language's alphabet lacks."""
    counts: dict[str, int] = dict.fromkeys(alphabets, 0)
    for word in words:
        for char in word:
            if not char.isalpha():
                continue
            for lang, alphabet in alphabets.items():
                if char not in alphabet:
                    counts[lang] += 1
    return counts


def plausible(words: list[str], alphabets: dict[str, frozenset[str]], letters: int) -> set[str]:
    """Languages whose alphabet covers the text, but for a few stray letters (names, quotes)."""
    allowed = int(letters * FOREIGN_LETTER_SHARE)
    return {lang for lang, n in foreign_letters(words, alphabets).items() if n <= allowed}


def missing(words: list[str], letters: int, model_share: float = 0.0) -> dict[str, float]:
    """Log-odds against each language for the frequent letters of its own the text lacks.

    `model_share` (0-1) is how fully the n-gram model counts for this text.
    """
    present = set("".join(words))
    scores: dict[str, float] = {}
    for lang, sets in MISSING_LOGS.items():
        weight = 1.0 - MISSING_IN_MODEL.get(lang, 0.0) * model_share
        scores[lang] = weight * sum(letters * log for chars, log in sets if not chars & present)
    return scores


def missing_in_model(words: list[str], letters: int, model_share: float) -> dict[str, float]:
    """The missing-letter log-odds the profiles already count (see MISSING_IN_MODEL): a
    language borrowing such a profile must not inherit them."""
    full = missing(words, letters)
    return {lang: share * model_share * full[lang] for lang, share in MISSING_IN_MODEL.items()}


def evidence(
    words: list[str],
    cyrillic: bool,
    letters: int,
    *,
    spelled: list[str] | None = None,
    model_share: float = 0.0,
) -> dict[str, float]:
    """Summed function-word and missing-letter weights over `words` (capitalised function
    words count, initials do not), and spelling-feature weights over `spelled` (the words
    that are not names; all of them by default)."""
    features = CYRILLIC_FEATURES if cyrillic else LATIN_FEATURES
    scores: dict[str, float] = defaultdict(float, missing(words, letters, model_share))
    hits: dict[int, int] = defaultdict(int)
    plain = set(words if spelled is None else spelled)
    for word in words:
        if len(word) == 1 and word not in plain:
            continue
        users = WORD_LANGUAGES.get(word, ())
        for lang in users:
            scores[lang] += max(OWN_WORD_WEIGHT / len(users), SHARED_WORD_WEIGHT)
    for word in words if spelled is None else spelled:
        if not cyrillic and not LATIN_VOWELS & set(word):
            continue
        for index, feature in enumerate(features):
            if hits[index] < PER_FEATURE_CAP and feature.pattern.search(word):
                hits[index] += 1
                for lang, weight in feature.weights.items():
                    scores[lang] += weight
    return dict(scores)


ALPHABETS = {"cyrillic": CYRILLIC_ALPHABETS, "latin": LATIN_ALPHABETS}
