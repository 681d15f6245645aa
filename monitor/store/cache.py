"""The translation cache (`translation_cache` table): model output by (pair, model, sentence).

The store keeps the text as given; what it encodes (the model's target pieces) is the
translator's business (`monitor.translate.cache`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from monitor.record import format_time, utcnow
from monitor.store.db import StoreBase, chunked, marks


class CacheMixin(StoreBase):
    def cached_translations(
        self, pair: str, model: str, sentences: Sequence[str]
    ) -> dict[str, str]:
        """The stored text for each of `sentences` that has an entry."""
        found: dict[str, str] = {}
        for chunk in chunked(sentences):
            rows = self._query(
                "SELECT sentence, translation FROM translation_cache"
                f" WHERE pair = ? AND model = ? AND sentence IN ({marks(len(chunk))})",
                (pair, model, *chunk),
            )
            for row in rows:
                found[row["sentence"]] = row["translation"]
        return found

    def count_cache_hits(self, pair: str, model: str, sentences: Sequence[str]) -> None:
        """Count one hit on each of `sentences`' entries."""
        with self.transaction() as db:
            db.executemany(
                "UPDATE translation_cache SET hits = hits + 1"
                " WHERE pair = ? AND model = ? AND sentence = ?",
                [(pair, model, sentence) for sentence in sentences],
            )

    def cache_translations(self, pair: str, model: str, translations: Mapping[str, str]) -> None:
        """Store (or replace) the text for each sentence."""
        now = format_time(utcnow())
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO translation_cache"
                " (pair, model, sentence, translation, hits, created_at)"
                " VALUES (?, ?, ?, ?, 0, ?) ON CONFLICT(pair, model, sentence)"
                " DO UPDATE SET translation = excluded.translation",
                [(pair, model, sentence, text, now) for sentence, text in translations.items()],
            )
