"""Sentence translations cached in the store by (pair, model, sentence).

Official accounts repeat their boilerplate, so a hit skips the model. The value is
the model's target pieces (JSON), so a cached sentence decodes exactly like a fresh one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from monitor.store import Store


class TranslationCache:
    def __init__(self, store: Store) -> None:
        self._store = store

    def get_many(self, pair: str, model: str, sentences: Sequence[str]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        unique = list(dict.fromkeys(sentences))
        for sentence, text in self._store.cached_translations(pair, model, unique).items():
            pieces = _parse(text)
            if pieces is not None:
                found[sentence] = pieces
        if found:
            self._store.count_cache_hits(pair, model, list(found))
        return found

    def put_many(self, pair: str, model: str, translations: Mapping[str, Sequence[str]]) -> None:
        if not translations:
            return
        self._store.cache_translations(
            pair,
            model,
            {
                sentence: json.dumps(list(pieces), ensure_ascii=False)
                for sentence, pieces in translations.items()
            },
        )


def _parse(text: str) -> list[str] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if isinstance(value, list) and all(isinstance(piece, str) for piece in value):
        return value
    return None
