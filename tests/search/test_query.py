"""The query language: each operator, the filters, and a clear error for each mistake."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from monitor.errors import MonitorError, QueryError
from monitor.search.query import And, Filters, Not, Or, Phrase, Query, Word, parse_query


def expression(text: str) -> object:
    return parse_query(text).expression


def test_words_must_all_match() -> None:
    assert expression("cancillería  venezolana") == And((Word("cancillería"), Word("venezolana")))
    assert expression("AND-free single") == And((Word("AND-free"), Word("single")))
    assert expression("alone") == Word("alone")


def test_explicit_and_is_the_same_as_a_space() -> None:
    assert expression("uno AND dos") == expression("uno dos")


def test_a_quoted_phrase() -> None:
    assert expression('"Asamblea Nacional" decreto') == And(
        (Phrase("Asamblea Nacional"), Word("decreto"))
    )


def test_or_binds_tighter_than_and() -> None:
    assert expression("petróleo exportación OR нефть") == And(
        (Word("petróleo"), Or((Word("exportación"), Word("нефть"))))
    )
    assert expression("a OR b OR c") == Or((Word("a"), Word("b"), Word("c")))


def test_operators_are_capitals_only() -> None:
    assert expression("guerra or paz") == And((Word("guerra"), Word("or"), Word("paz")))
    assert expression("not this") == And((Word("not"), Word("this")))


def test_minus_and_not_exclude() -> None:
    assert expression("embajada -consulado") == And((Word("embajada"), Not(Word("consulado"))))
    assert expression("embajada NOT consulado") == expression("embajada -consulado")
    assert expression('embajada -"visado temporal"') == And(
        (Word("embajada"), Not(Phrase("visado temporal")))
    )
    assert expression("embajada -(a OR b)") == And(
        (Word("embajada"), Not(Or((Word("a"), Word("b")))))
    )
    assert expression("NOT -doble") == Word("doble")  # a double negation cancels out


def test_a_hyphen_inside_a_word_is_part_of_it() -> None:
    assert expression("co-operación") == Word("co-operación")


def test_parentheses_group() -> None:
    assert expression("(Caracas OR Moscú) (acuerdo OR tratado)") == And(
        (Or((Word("Caracas"), Word("Moscú"))), Or((Word("acuerdo"), Word("tratado"))))
    )
    assert expression("((nested))") == Word("nested")


def test_punctuation_only_words_are_ignored() -> None:
    assert expression("Venezuela & Rusia —") == And((Word("Venezuela"), Word("Rusia")))


def test_filters() -> None:
    query = parse_query(
        "visita lang:ES lang:ru platform:Telegram account:mid-russia-telegram"
        " since:2026-10-01 until:2026-10-31"
    )
    assert query == Query(
        query.text,
        Word("visita"),
        Filters(
            languages=("es", "ru"),
            platforms=("telegram",),
            accounts=("mid-russia-telegram",),
            since=date(2026, 10, 1),
            until=date(2026, 10, 31),
        ),
    )


def test_a_quoted_account_name_and_filters_alone() -> None:
    query = parse_query('account:"my source" lang:es')
    assert query.expression is None
    assert query.filters.accounts == ("my source",) and query.filters.languages == ("es",)


def test_exclusions_beside_a_filter_are_a_query() -> None:
    query = parse_query("-deporte lang:es")
    assert query.expression == Not(Word("deporte")) and query.filters.languages == ("es",)


def test_a_word_ending_in_a_colon_is_a_word() -> None:
    assert expression("Comunicado: visita") == And((Word("Comunicado:"), Word("visita")))


def test_date_window_is_whole_days_in_the_given_zone() -> None:
    filters = parse_query("x since:2026-10-01 until:2026-10-01").filters
    assert filters.window() == (
        datetime(2026, 10, 1, tzinfo=UTC),
        datetime(2026, 10, 2, tzinfo=UTC),
    )
    start, end = filters.window(ZoneInfo("America/Caracas"))  # UTC-4
    assert (start, end) == (
        datetime(2026, 10, 1, 4, tzinfo=UTC),
        datetime(2026, 10, 2, 4, tzinfo=UTC),
    )
    assert Filters().window() == (None, None) and not Filters()


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("", "the query is empty", None),
        ("   ", "the query is empty", None),
        ("& —", "the query has no words", None),
        ("autor:x", '"autor:" at character 1 is not a filter', 0),
        ("x lang:", "the filter lang: at character 3 has no value", 2),
        ("x lang:español", "lang:español at character 3 is not valid", 2),
        ("x platform:facebook", "platform:facebook at character 3 is not valid", 2),
        ("x since:2026-13-01", "since:2026-13-01 at character 3 is not valid", 2),
        ("x until:1/10/2026", "until:1/10/2026 at character 3 is not valid", 2),
        ("x since:2026-10-01 since:2026-10-02", "since: is given twice", 19),
        ("x since:2026-10-02 until:2026-10-01", "is after until:2026-10-01", None),
        ("()", "the parentheses at character 1 are empty", 0),
        ("a ( & )", "the parentheses at character 3 are empty", 2),
        ("(a b", 'the "(" at character 1 is never closed', 0),
        ("a b)", 'the ")" at character 4 closes nothing', 3),
        (") a", 'the ")" at character 1 closes nothing', 0),
        ('say "hello', "the quote at character 5 is never closed", 4),
        ('x account:"open', "the quote at character 11 is never closed", 10),
        ('x ""', "the phrase at character 3 has no words", 2),
        ("a OR", "the OR at character 3 has nothing after it", 2),
        ("OR a", "the OR at character 1 has nothing before it", 0),
        ("a OR OR b", "the OR at character 3 has nothing after it", 2),
        ("a AND", "the AND at character 3 has nothing after it", 2),
        ("AND a", "the AND at character 1 has nothing before it", 0),
        ("a NOT", "the NOT at character 3 has nothing after it", 2),
        ("a (NOT)", "the NOT at character 4 has nothing after it", 3),
        ("a -", 'the "-" at character 3 has no word after it', 2),
        ("a - b", 'the "-" at character 3 has no word after it', 2),
        ("-a", "the query only excludes words", None),
        ("NOT a -b", "the query only excludes words", None),
        ("a OR -b", "an alternative of the OR at character 3 only excludes words", 2),
        ("x (-a -b)", "the parentheses at character 3 only exclude words", 2),
        ("(lang:es x)", "the filter lang:es at character 2 is inside parentheses", 1),
        ("x -lang:es", "the filter lang:es at character 4 is inside parentheses", 3),
        ("x NOT lang:es", "the filter lang:es at character 7", 6),
        ("x OR lang:es", "the filter lang:es at character 6", 5),
        ("lang:es OR x", "the filter lang:es at character 1", 0),
    ],
)
def test_malformed_queries_say_what_and_where(
    text: str, message: str, position: int | None
) -> None:
    with pytest.raises(QueryError) as raised:
        parse_query(text)
    assert message in str(raised.value)
    assert raised.value.position == position
    assert raised.value.remedy  # every error says what to do
    assert isinstance(raised.value, MonitorError)
    assert "\n" not in str(raised.value)


def test_the_ast_is_frozen() -> None:
    word = Word("x")
    with pytest.raises(AttributeError):
        word.text = "y"  # type: ignore[misc]
