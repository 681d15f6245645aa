"""Numbers as values, comparable across languages: "25,000", "25 mil", "двадцать пять тысяч"
and "twenty-five thousand" are all 25000; "6,8" and "6.8" are one value.

Translators write a number in digits on one side and in words on the other, group thousands
with a comma, a point or a space, and turn "1,2 млрд" into "USD 1.2 billion". Within one
language the clusterer compares digits as written; across languages it compares these
values. Clock times ("12:00" / "noon") are left out: a translation rewrites them freely, and
a template for another day differs in its date, which stays.
"""

from __future__ import annotations

import re

# Words for numbers in the three languages. A number written in words counts from
# `MIN_WORD_VALUE` on (or with a scale word): "two ministers" / "ambos ministros" is style.
_UNITS: dict[str, int] = {}
for _value, _forms in enumerate(
    (
        (),
        ("one", "uno", "una", "un", "один", "одна", "одного", "одной"),
        ("two", "dos", "два", "две", "двух"),
        ("three", "tres", "три", "трёх", "трех"),
        ("four", "cuatro", "четыре", "четырёх", "четырех"),
        ("five", "cinco", "пять", "пяти"),
        ("six", "seis", "шесть", "шести"),
        ("seven", "siete", "семь", "семи"),
        ("eight", "ocho", "восемь", "восьми"),
        ("nine", "nueve", "девять", "девяти"),
        ("ten", "diez", "десять", "десяти"),
        ("eleven", "once", "одиннадцать", "одиннадцати"),
        ("twelve", "doce", "двенадцать", "двенадцати"),
        ("thirteen", "trece", "тринадцать", "тринадцати"),
        ("fourteen", "catorce", "четырнадцать", "четырнадцати"),
        ("fifteen", "quince", "пятнадцать", "пятнадцати"),
        ("sixteen", "dieciséis", "шестнадцать", "шестнадцати"),
        ("seventeen", "diecisiete", "семнадцать", "семнадцати"),
        ("eighteen", "dieciocho", "восемнадцать", "восемнадцати"),
        ("nineteen", "diecinueve", "девятнадцать", "девятнадцати"),
    )
):
    for _form in _forms:
        _UNITS[_form] = _value
_TENS = {
    20: ("twenty", "veinte", "двадцать", "двадцати"),
    30: ("thirty", "treinta", "тридцать", "тридцати"),
    40: ("forty", "cuarenta", "сорок", "сорока"),
    50: ("fifty", "cincuenta", "пятьдесят", "пятидесяти"),
    60: ("sixty", "sesenta", "шестьдесят", "шестидесяти"),
    70: ("seventy", "setenta", "семьдесят", "семидесяти"),
    80: ("eighty", "ochenta", "восемьдесят", "восьмидесяти"),
    90: ("ninety", "noventa", "девяносто"),
    100: ("cien", "ciento", "сто", "ста"),
    200: ("doscientos", "doscientas", "двести", "двухсот"),
    300: ("trescientos", "trescientas", "триста", "трёхсот", "трехсот"),
    400: ("cuatrocientos", "cuatrocientas", "четыреста", "четырёхсот"),
    500: ("quinientos", "quinientas", "пятьсот", "пятисот"),
    600: ("seiscientos", "seiscientas", "шестьсот"),
    700: ("setecientos", "setecientas", "семьсот"),
    800: ("ochocientos", "ochocientas", "восемьсот"),
    900: ("novecientos", "novecientas", "девятьсот"),
}
for _value, _forms in _TENS.items():
    for _form in _forms:
        _UNITS[_form] = _value
# Spanish writes 21-29 as one word: veintiuno, veintidós, ...
for _unit, _name in enumerate(
    ("", "uno", "dós", "trés", "cuatro", "cinco", "séis", "siete", "ocho", "nueve"), start=0
):
    if _unit:
        _UNITS["veinti" + _name] = 20 + _unit
        _UNITS["veinti" + _name.replace("ó", "o").replace("é", "e")] = 20 + _unit
_UNITS["veintiún"] = _UNITS["veintiun"] = 21
_HUNDRED = frozenset({"hundred"})
_SCALES = {
    **dict.fromkeys(("thousand", "mil", "тысяча", "тысячи", "тысяч", "тыс"), 1_000),
    **dict.fromkeys(
        ("million", "millions", "millón", "millon", "millones", "миллион", "миллиона",
         "миллионов", "млн"),
        1_000_000,
    ),
    **dict.fromkeys(
        ("billion", "billions", "миллиард", "миллиарда", "миллиардов", "млрд"), 1_000_000_000
    ),
}  # fmt: skip
_JOINERS = frozenset({"y", "and", "и"})
MIN_WORD_VALUE = 11

_TIME = re.compile(r"\b\d{1,2}:\d{2}\b")
# digits with thousands groups (25,000 / 25.000 / 25 000), a decimal (6,8 / 6.8), or plain
_TOKEN = re.compile(r"\d{1,3}(?:[,.\u00a0\u202f ]\d{3})+(?!\d|[,.]\d)|\d+[.,]\d+|\d+|[^\W\d_]+")


def _digits(token: str) -> float:
    if re.fullmatch(r"\d{1,3}(?:[,.\u00a0\u202f ]\d{3})+", token):
        return float(re.sub(r"\D", "", token))
    return float(token.replace(",", "."))


def _show(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def number_values(cleaned: str) -> frozenset[str]:
    """The values of the numbers in a cleaned text, digits or words, without clock times."""
    out: set[str] = set()
    total = 0.0
    current = 0.0
    worded = False  # the running number has words in it (not only digits)
    started = False

    def flush() -> None:
        nonlocal total, current, worded, started
        value = total + current
        if started and (not worded or value >= MIN_WORD_VALUE):
            out.add(_show(value))
        total, current, worded, started = 0.0, 0.0, False, False

    for token in _TOKEN.findall(_TIME.sub(" ", cleaned.lower())):
        if token[0].isdigit():
            flush()
            current, started = _digits(token), True
        elif token in _UNITS:
            if started and not worded:
                flush()  # "2 tres" is two numbers
            current += _UNITS[token]
            worded = started = True
        elif token in _HUNDRED and started:
            current = (current or 1) * 100
        elif token in _SCALES:
            scale = _SCALES[token]
            if scale == 1_000:
                total += (current or 1) * scale
            else:
                total = (total + (current or 1)) * scale
            worded = worded or not started
            current, started = 0.0, True
        elif token in _JOINERS and worded:
            continue
        else:
            flush()
    flush()
    return frozenset(out)
