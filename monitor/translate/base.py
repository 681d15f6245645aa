"""The small interface the pipeline translates through."""

from __future__ import annotations

import abc
from collections.abc import Sequence


class Translator(abc.ABC):
    """Translates batches of texts for one language pair at a time. Runs off the event loop."""

    engine: str = "none"

    @abc.abstractmethod
    def model_for(self, source: str, target: str) -> str | None:
        """The installed model's name for the pair (e.g. `translate-es_en-1.9`), or None."""

    @abc.abstractmethod
    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        """Translate every text (same order). Raise `TranslationError` on failure."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release loaded models."""


class NoTranslator(Translator):
    """Used when no model is installed: every pair reports `no_model`."""

    def model_for(self, source: str, target: str) -> str | None:
        return None

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        raise NotImplementedError("NoTranslator has no models")
