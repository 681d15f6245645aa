"""What the statement clusterer compares: cleaned words, shingles, links and checkable facts.

Everything here is a pure function of one post's text, computed once when the post arrives.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

from monitor.statements.numbers import number_values

# A post longer than this many words is compared on its beginning only: the cost per post
# stays bounded however large a hostile post is.
MAX_WORDS = 1500
SHINGLE = 3
# How much text an embedding sees: about one X truncation, so a truncated copy and the full
# text embed alike.
EMBED_CHARS = 300

SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
MAX_SENTENCES = 8
MIN_SENTENCE = 20
URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
HANDLE = re.compile(r"[@#][\w.-]+")
THREAD = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{1,2})\b[\s.:)-]*")
# An X or Bluesky cut: the text stops with an ellipsis, perhaps followed by a link.
CUT = re.compile(r"\S*\s*(?:…|\.\.\.)\s*$")
WORD = re.compile(r"\w+")
NUMBER = re.compile(r"\d+")
SOCIAL_HOSTS = frozenset({"t.me", "x.com", "twitter.com", "bsky.app", "youtube.com", "youtu.be"})
LANGUAGE_SEGMENTS = frozenset({"ru", "es", "en", "fr", "de", "pt", "zh", "ar", "eng", "esp", "rus"})

# Month and weekday names (word beginnings) in the three languages of the monitored accounts,
# each mapped to one key, so "4 ноября", "4 de noviembre" and "November 4" agree.
_DATE_STEMS: dict[str, tuple[str, ...]] = {
    "m01": ("januar", "enero", "январ"),
    "m02": ("februar", "febrero", "феврал"),
    "m03": ("march", "marzo", "март=", "марта=", "марте="),
    "m04": ("april", "abril", "апрел"),
    "m05": ("may=", "mayo=", "мая=", "май=", "мае="),
    "m06": ("june", "junio", "июн"),
    "m07": ("july", "julio", "июл"),
    "m08": ("august", "agosto", "август"),
    "m09": ("september", "septiembre", "setiembre", "сентябр"),
    "m10": ("october", "octubre", "октябр"),
    "m11": ("november", "noviembre", "ноябр"),
    "m12": ("december", "diciembre", "декабр"),
    "d1": ("monday", "lunes", "понедельник"),
    "d2": ("tuesday", "martes", "вторник"),
    "d3": ("wednesday", "miércoles", "miercoles", "среда=", "среду=", "среды="),
    "d4": ("thursday", "jueves", "четверг"),
    "d5": ("friday", "viernes", "пятниц"),
    "d6": ("saturday", "sábado", "sabado", "суббот"),
    "d7": ("sunday", "domingo", "воскресень"),
}
_ORDINALS_EN = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")
_ORDINALS_ES = ("primer", "segund", "tercer", "cuart", "quint", "sext", "séptim", "octav")
_ORDINALS_RU = ("перв", "втор", "трет", "четвёрт", "пят", "шест", "седьм", "восьм")
_RU_ENDINGS = frozenset(
    {"ый", "ой", "ая", "ое", "ого", "ом", "ую", "ые", "ых", "ий", "ья", "ье", "ьего", "ьем", "ью"}
)
_ES_ENDINGS = frozenset({"", "a", "o", "os", "as"})
_ROMAN = re.compile(r"^[IVX]{2,6}$")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10}

# A stem ending in "=" is a whole word. "may" and "march" are also common English words,
# "среда" also means "environment": those only count next to a number.
_AMBIGUOUS = frozenset({"m03", "m05", "d3"})


def _date_key(word: str, previous: str) -> str | None:
    if previous == "santo":  # Santo Domingo is a place, not a Sunday
        return None
    for key, stems in _DATE_STEMS.items():
        for stem in stems:
            if stem.endswith("="):
                if word == stem[:-1]:
                    return key
            elif word.startswith(stem) and len(word) <= len(stem) + 4:
                return key
    return None


def _ordinal_key(word: str) -> str | None:
    """ "second", "segunda", "второго" -> "o2": rounds, parts and anniversaries by count."""
    for rank, (en, es, ru) in enumerate(zip(_ORDINALS_EN, _ORDINALS_ES, _ORDINALS_RU, strict=True)):
        if word == en:
            return f"o{rank + 1}"
        if word.startswith(es) and word[len(es) :] in _ES_ENDINGS:
            return f"o{rank + 1}"
        if word.startswith(ru) and word[len(ru) :] in _RU_ENDINGS:
            return f"o{rank + 1}"
    return None


def _roman(word: str) -> str | None:
    """A Roman numeral ("XXV" session) as its number; one letter is too ambiguous to count."""
    if not _ROMAN.match(word):
        return None
    values = [_ROMAN_VALUES[letter] for letter in word]
    total = sum(
        -value if index + 1 < len(values) and value < values[index + 1] else value
        for index, value in enumerate(values)
    )
    return str(total)


@dataclass(frozen=True)
class Features:
    """One text, reduced to what the clusterer compares."""

    words: tuple[str, ...]  # lowercased, without links, handles and a cut last word
    shingles: frozenset[int]
    numbers: frozenset[str]
    names: frozenset[str]  # lowercased capitalised words (names of people, places, bodies)
    dates: frozenset[str]  # month, weekday and ordinal keys
    thread: tuple[int, int] | None  # (k, n) for a thread part "k/n ..."
    embed_text: str
    # consonant skeletons of capitalised words inside sentences, comparable across scripts
    proper: frozenset[str] = frozenset()
    sentences: tuple[str, ...] = ()  # the first few, to check that two texts align
    proper_words: frozenset[tuple[str, str]] = frozenset()  # (skeleton, lowercased word)
    # words written in lower case: a capitalised word also written so is an ordinary word
    # in a title ("Joint Commission"), not a name
    lowercase: frozenset[str] = frozenset()
    # numbers as values (digits or words, thousands groups and decimals read), for
    # comparing translations, which write numbers differently
    values: frozenset[str] = frozenset()


def clean(text: str) -> tuple[str, tuple[int, int] | None]:
    """The text without links, handles, hashtags, a thread prefix and a cut last word."""
    text = unicodedata.normalize("NFKC", text)
    text = URL.sub(" ", text)
    thread = None
    found = THREAD.match(text)
    if found and 1 <= int(found.group(1)) <= int(found.group(2)) <= 30:
        thread = (int(found.group(1)), int(found.group(2)))
        text = text[found.end() :]
    text = CUT.sub(" ", HANDLE.sub(" ", text))
    return " ".join(text.split()), thread


def features(text: str) -> Features:
    cleaned, thread = clean(text)
    raw = WORD.findall(cleaned)[:MAX_WORDS]
    words = tuple(word.lower() for word in raw)
    if len(words) >= SHINGLE:
        shingles = frozenset(hash(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1))
    else:
        shingles = frozenset({hash(words)}) if words else frozenset()
    found = [number.lstrip("0") or "0" for number in NUMBER.findall(" ".join(raw))]
    numbers = frozenset(found + [value for value in map(_roman, raw) if value is not None])
    names = frozenset(
        word.lower() for word in raw if len(word) > 1 and word[0].isupper() and not word.isdigit()
    )
    dates: set[str] = set()
    for index, word in enumerate(words):
        ordinal = _ordinal_key(word)
        if ordinal is not None:
            dates.add(ordinal)
            continue
        key = _date_key(word, words[index - 1] if index else "")
        if key is None:
            continue
        near = words[max(0, index - 2) : index + 3]
        if key not in _AMBIGUOUS or any(other.isdigit() for other in near):
            dates.add(key)
    proper_words = _proper(cleaned)
    roman = frozenset(value for value in map(_roman, raw) if value is not None)
    embed_text = cleaned[:EMBED_CHARS].rsplit(" ", 1)[0] if len(cleaned) > EMBED_CHARS else cleaned
    return Features(
        proper=frozenset(key for key, _ in proper_words),
        proper_words=proper_words,
        lowercase=frozenset(word for word in raw[:MAX_LOWERCASE] if word[0].islower()),
        sentences=split_sentences(cleaned),
        words=words,
        shingles=shingles,
        numbers=numbers,
        values=number_values(cleaned) | roman,
        names=names,
        dates=frozenset(dates),
        thread=thread,
        embed_text=embed_text,
    )


def split_sentences(cleaned: str, limit: int = MAX_SENTENCES) -> tuple[str, ...]:
    """The first `limit` sentences of a cleaned text, each cut to what an embedding sees;
    fragments too short to say anything (an initial, "No.") join the next sentence."""
    out: list[str] = []
    pending = ""
    for part in SENTENCE_END.split(cleaned):
        pending = f"{pending} {part}".strip()
        if len(pending) >= MIN_SENTENCE:
            out.append(pending[:EMBED_CHARS])
            pending = ""
            if len(out) >= limit:
                return tuple(out)
    if pending and out:
        out[-1] = f"{out[-1]} {pending}"[:EMBED_CHARS]
    elif pending:
        out.append(pending[:EMBED_CHARS])
    return tuple(out)


def link_keys(links: tuple[str, ...] | list[str]) -> frozenset[str]:
    """Links that name one document, with language segments dropped (/ru/…/123 = /en/…/123)."""
    out = set()
    for link in links:
        try:
            parts = urlsplit(link.strip())
        except ValueError:
            continue
        host = parts.netloc.lower().removeprefix("www.")
        if not host or host in SOCIAL_HOSTS:
            continue
        segments = [segment for segment in parts.path.lower().split("/") if segment]
        if len(segments) < 2:
            continue
        kept = [segment for segment in segments if segment not in LANGUAGE_SEGMENTS]
        out.add(host + "/" + "/".join(kept) + ("?" + parts.query if parts.query else ""))
    return frozenset(out)


def consistent(small: Features, large: Features, *, same_language: bool, slack: int = 0) -> bool:
    """Whether the facts of the shorter text all recur in the longer one.

    A truncation or a thread part carries a subset of the full text's numbers, dates and
    names; a template reused for another day or place does not. Across languages numbers
    are compared as values, and either text may be the fuller one: a translation adds a date
    or a figure that a summary leaves out, so only numbers (or dates) missing on both sides
    are a conflict.
    """
    if not same_language:
        return _subset_either(small.values, large.values) and _subset_either(
            small.dates, large.dates
        )
    if not small.numbers <= large.numbers or not small.dates <= large.dates:
        return False
    vocabulary = set(large.words)
    missing = sum(1 for name in small.names if name not in vocabulary)
    return missing <= slack


def _subset_either(one: frozenset[str], other: frozenset[str]) -> bool:
    return one <= other or other <= one


# Latin spelling of Cyrillic letters, then one consonant class per sound that the three
# languages write differently (Гаити/Haiti, Куба/Cuba, Венесуэла/Venezuela, Гавана/Havana).
_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "a b v g d e e zh z i i k l m n o p r s t u f kh ts ch sh shch - y - e yu ya".split(),  # noqa: SIM905
        strict=True,
    )
)
# A soft c (Spanish, English) and the Russian ц ("ts") are one s: Nacional/Национальной.
_SOFT_C = re.compile(r"c(?=[eiy])")
_SOUNDS = (("ts", "s"), ("dzh", "j"), ("kh", "g"), ("ph", "f"), ("x", "ks"), ("qu", "k"),
           ("q", "k"), ("c", "k"), ("h", "g"), ("w", "v"), ("b", "v"), ("z", "s"))  # fmt: skip
_VOWELS = re.compile(r"[aeiouy\-]+")
_INITIAL = frozenset('.!?:;«"(')
MAX_PROPER = 60
MAX_LOWERCASE = 300


def skeleton(word: str) -> str:
    """ "Гондураса" and "Honduras" -> "gndrs": a name's consonants, spelling-neutral."""
    letters = "".join(_CYRILLIC.get(letter, letter) for letter in word.lower())
    letters = unicodedata.normalize("NFKD", letters).encode("ascii", "ignore").decode()
    letters = _SOFT_C.sub("s", letters)
    for written, sound in _SOUNDS:
        letters = letters.replace(written, sound)
    consonants = _VOWELS.sub("", letters)
    return re.sub(r"(.)\1+", r"\1", consonants)


def _proper(cleaned: str) -> frozenset[tuple[str, str]]:
    """(skeleton, lowercased word) of capitalised words that do not start a sentence (names,
    not grammar)."""
    out: set[tuple[str, str]] = set()
    for found in WORD.finditer(cleaned):
        word = found.group()
        if not word[0].isupper() or word.isdigit():
            continue
        before = cleaned[: found.start()].rstrip()[-1:]
        if not before or before in _INITIAL:
            continue
        if _date_key(word.lower(), "") is not None:
            continue  # English capitalises months and weekdays; they are dates, not names
        key = skeleton(word)[:5]
        if key:
            out.add((key, word.lower()))
        if len(out) >= MAX_PROPER:
            break
    return frozenset(out)


def names_agree_across(
    one: Features,
    other: Features,
    common: frozenset[str] = frozenset(),
    ordinary: frozenset[str] = frozenset(),
) -> bool:
    """Across languages: most distinctive names of a text recur in the other (two skeletons
    agree on their first two consonants), so a template for another country or place does
    not pass for a translation.

    Names in `common` (frequent in the window: the ministry's own country, titles) say
    nothing, but may still be what a name is written as on the other side (Российской/Rusia).
    Names in `ordinary` (capitalised ordinary words, also written in lower case) count when
    they recur and not when they are missing: "High-Level Joint Commission" is translated,
    not transliterated. Each text is checked against the other, as languages capitalise
    differently (Spanish "Comisión de Alto Nivel", Russian "комиссии высокого уровня"):
    one that passes is enough, one that fails is not when the other has too few names to
    tell (a template for another place misses its names both ways). Too few names on
    either side, or neither with enough to tell: they agree."""
    mine, theirs = one.proper - common, other.proper - common
    if min(len(mine), len(theirs)) < 2:
        return True
    verdicts = (_recur(mine, other.proper, ordinary), _recur(theirs, one.proper, ordinary))
    return True in verdicts or verdicts == (None, None)


def _recur(names: frozenset[str], seen: frozenset[str], ordinary: frozenset[str]) -> bool | None:
    """Whether half of `names` recur in `seen` (at least one); None when too few count."""
    missing = {key for key in names if not any(_alike(key, other) for other in seen)}
    matched = len(names) - len(missing)
    counted = len(names) - len(missing & ordinary)
    if matched and matched * 2 >= counted:
        return True
    return None if counted < 2 else False


def _alike(one: str, other: str) -> bool:
    """Two name skeletons of one name: the same first two consonants, or the same first and
    three more in common, as a translated name's stem keeps them (República/Республики)."""
    if one[:2] == other[:2]:
        return True
    return one[:1] == other[:1] and len(set(one) & set(other)) >= 3


def links_conflict(one: frozenset[str], other: frozenset[str]) -> bool:
    """Two posts that link different documents of one site, and no common one."""
    if not one or not other or one & other:
        return False
    return bool({key.split("/", 1)[0] for key in one} & {key.split("/", 1)[0] for key in other})
