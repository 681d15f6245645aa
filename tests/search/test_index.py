"""The PostgreSQL forms of the index: the tsvector of a post and the tsquery of a query, built
from the same tokens and word forms as the FTS5 ones."""

from __future__ import annotations

from monitor.search import compile_query, compile_tsquery, document, parse_query, tsvector
from monitor.search.index import MAX_POSITION, Document


def test_the_tsvector_holds_the_tokens_with_positions_and_the_tags() -> None:
    doc = document(
        title="Comunicado",
        text="La unión y la unión",
        language="es",
        translation="The union",
        translation_language="en",
        platform="x",
        source="feed",
    )
    assert doc.original == "comunic la union y la union"
    # The translation starts two positions after the original: no phrase spans the gap.
    assert tsvector(doc).split(" ")[:5] == [
        "'comunic':1",
        "'la':2,5",
        "'union':3,6,9",
        "'y':4",
        "'the':8",
    ]
    assert tsvector(doc).endswith("'_a' '_px' " + f"'{doc.tags.split()[2]}' '_les'")


def test_positions_stop_at_postgresqls_limit_and_quotes_are_escaped() -> None:
    doc = Document(" ".join(["a"] * (MAX_POSITION + 10)) + " b", "", "_a")
    written = tsvector(doc)
    assert "'b':16383" in written and written.count(",") == 255  # 256 positions at most
    assert tsvector(Document("l'x a\\b", "", "")) == "'l''x':1 'a\\\\b':2"


def test_the_tsquery_has_the_same_shape_and_terms_as_the_match_expression() -> None:
    query = parse_query('sanción "unión europea" (a OR b) -x -y lang:es')
    match, tsquery = compile_query(query), compile_tsquery(query)
    assert tsquery.terms == match.terms
    assert tsquery.expression == (
        "('_les' & 'sancion' & (('union' <-> 'europe') | ('union' <-> 'europea'))"
        " & ('a' | 'b')) & !('x' | 'y')"
    )
    assert compile_tsquery(parse_query("since:2026-10-01")).expression == "'_a'"
    assert compile_tsquery(parse_query("-x platform:x")).expression == "'_px' & !('x')"
