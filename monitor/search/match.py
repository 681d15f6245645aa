"""Which of a few records a query matches, with the index's own semantics.

Alerts test each newly published record against every watch query. Rather than a second
evaluator of the query language, the records' index documents go into a throwaway
in-memory FTS5 table and the compiled query runs against it: a record matches an alert
exactly when it would be found by `monitor search`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, tzinfo

from monitor.record import PostRecord
from monitor.search.index import FTS_TOKENIZER, compile_query, record_document
from monitor.search.query import Query


class RecordMatcher:
    """Index `records` once, then ask `matching(query)` for as many queries as needed."""

    def __init__(self, records: Sequence[PostRecord]) -> None:
        self.records = list(records)
        self._db = sqlite3.connect(":memory:")
        self._db.execute(
            "CREATE VIRTUAL TABLE scratch USING fts5(original, translation, tags,"
            f' tokenize = "{FTS_TOKENIZER}", detail = full, columnsize = 0)'
        )
        rows = []
        for number, record in enumerate(self.records):
            doc = record_document(record)
            rows.append((number, doc.original, doc.translation, doc.tags))
        self._db.executemany(
            "INSERT INTO scratch (rowid, original, translation, tags) VALUES (?, ?, ?, ?)", rows
        )

    def matching(self, query: Query, zone: tzinfo = UTC) -> list[PostRecord]:
        """The records `query` matches, in their order."""
        match = compile_query(query)
        if not match.expression:
            hits = set(range(len(self.records)))
        else:
            found = self._db.execute(
                "SELECT rowid FROM scratch WHERE scratch MATCH ?", (match.expression,)
            )
            hits = {int(row[0]) for row in found}
        start, end = query.filters.window(zone)
        return [
            record
            for number, record in enumerate(self.records)
            if number in hits
            and (start is None or record.published_at >= start)
            and (end is None or record.published_at < end)
        ]

    def close(self) -> None:
        self._db.close()
