"""Sentence translations cached in the store by (pair, model, sentence).

Official accounts repeat their boilerplate, so a hit skips the model. The value is
the model's target pieces (JSON), so a cached sentence decodes exactly like a fresh one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from monitor.record import format_time, utcnow
from monitor.store import Store

_CHUNK = 400


class TranslationCache:
    def __init__(self, store: Store) -> None:
        self._store = store

    def get_many(self, pair: str, model: str, sentences: Sequence[str]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        unique = list(dict.fromkeys(sentences))
        for offset in range(0, len(unique), _CHUNK):
            chunk = unique[offset : offset + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self._store.query(
                "SELECT sentence, translation FROM translation_cache"
                f" WHERE pair = ? AND model = ? AND sentence IN ({marks})",
                (pair, model, *chunk),
            )
            for row in rows:
                pieces = _parse(row["translation"])
                if pieces is not None:
                    found[row["sentence"]] = pieces
        if found:
            with self._store.transaction() as db:
                db.executemany(
                    "UPDATE translation_cache SET hits = hits + 1"
                    " WHERE pair = ? AND model = ? AND sentence = ?",
                    [(pair, model, sentence) for sentence in found],
                )
        return found

    def put_many(self, pair: str, model: str, translations: Mapping[str, Sequence[str]]) -> None:
        if not translations:
            return
        now = format_time(utcnow())
        with self._store.transaction() as db:
            db.executemany(
                "INSERT INTO translation_cache"
                " (pair, model, sentence, translation, hits, created_at)"
                " VALUES (?, ?, ?, ?, 0, ?) ON CONFLICT(pair, model, sentence)"
                " DO UPDATE SET translation = excluded.translation",
                [
                    (pair, model, sentence, json.dumps(list(pieces), ensure_ascii=False), now)
                    for sentence, pieces in translations.items()
                ],
            )


def _parse(text: str) -> list[str] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if isinstance(value, list) and all(isinstance(piece, str) for piece in value):
        return value
    return None
