"""The batched offline engine: Argos packages run with CTranslate2 + SentencePiece directly.

It reproduces what `argostranslate.translate` does for one package (line breaks are
paragraphs; each sentence is SentencePiece-encoded; `translate_batch` with
`beam_size=4`, `num_hypotheses=1`, `length_penalty=0.2`, `replace_unknowns=True`
and the package's `target_prefix`; a paragraph's target pieces are concatenated,
decoded with `decode_pieces`, `▁` and `_` turned into spaces and one leading space
dropped; pivots through a third language when there is no direct package) but
sends the sentences of many posts through one `translate_batch` call, keeps one
loaded model per package, and never imports `argostranslate` (which would pull in
torch, stanza and onnxruntime).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.errors import TranslationError
from monitor.translate import packages as pkgs
from monitor.translate.base import NoTranslator, Translator
from monitor.translate.cache import TranslationCache
from monitor.translate.protect import (
    Protected,
    has_placeholder,
    placeholder,
    protect,
    substitute,
)
from monitor.translate.segment import split_paragraphs, split_sentences

if TYPE_CHECKING:
    from monitor.config import Settings, TranslationSettings
    from monitor.store import Store

log = logging.getLogger(__name__)

RESCAN_SECONDS = 30.0
# A post is translated up to this many characters (about ten pages; cut at a space), the rest
# marked by TRUNCATED: a megabyte-long post would otherwise hold a translator for an hour. The
# record keeps the whole original text.
MAX_TRANSLATED_CHARS = 20_000
TRUNCATED = " […]"


@dataclass(frozen=True, slots=True)
class DecodingOptions:
    beam_size: int = 4
    length_penalty: float = 0.2
    replace_unknowns: bool = True
    compute_type: str | None = None
    max_batch_tokens: int = 4096
    max_decoding_length: int = 256
    min_decoding_length: int = 1
    inter_threads: int = 1
    intra_threads: int = 0
    device: str = "cpu"

    @classmethod
    def from_settings(cls, settings: TranslationSettings) -> DecodingOptions:
        return cls(
            beam_size=settings.beam_size,
            length_penalty=settings.length_penalty,
            replace_unknowns=settings.replace_unknowns,
            compute_type=settings.compute_type,
            max_batch_tokens=settings.max_batch_tokens,
            max_decoding_length=settings.max_decoding_length,
            min_decoding_length=settings.min_decoding_length,
            inter_threads=settings.inter_threads,
            intra_threads=settings.intra_threads,
        )

    def fingerprint(self) -> str:
        """What changes the output, for the cache key."""
        return (
            f"b{self.beam_size}-lp{self.length_penalty}-ru{int(self.replace_unknowns)}"
            f"-len{self.min_decoding_length}:{self.max_decoding_length}"
            f"-{self.compute_type or 'default'}"
        )


@dataclass(frozen=True, slots=True)
class _Loaded:
    package: pkgs.InstalledPackage
    translator: Any  # ctranslate2.Translator
    tokenizer: Any  # sentencepiece.SentencePieceProcessor


class ArgosTranslator(Translator):
    """Thread-safe; models load on first use and stay loaded until `close()`."""

    engine = "argos"

    def __init__(
        self,
        options: DecodingOptions | None = None,
        cache: TranslationCache | None = None,
        directories: Sequence[Path] | None = None,
        rescan_seconds: float = RESCAN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.options = options or DecodingOptions()
        self._cache = cache
        self._directories = tuple(directories) if directories is not None else None
        self._rescan_seconds = rescan_seconds
        self._clock = clock
        self._lock = threading.RLock()
        self._packages: dict[tuple[str, str], pkgs.InstalledPackage] = {}
        self._scanned_at: float | None = None
        self._loaded: dict[Path, _Loaded] = {}

    # -- discovery -----------------------------------------------------------

    def model_for(self, source: str, target: str) -> str | None:
        route = self.route(source, target)
        return "+".join(package.name for package in route) if route else None

    def route(self, source: str, target: str) -> tuple[pkgs.InstalledPackage, ...] | None:
        """The package(s) for the pair: direct, else through one pivot language (as Argos does)."""
        with self._lock:
            if self._scanned_at is None:
                self.rescan()
            found = self._route(source, target)
            if found is None and self._clock() - (self._scanned_at or 0.0) >= self._rescan_seconds:
                self.rescan()
                found = self._route(source, target)
            return found

    def rescan(self) -> None:
        directories = self._directories or pkgs.argos_dirs().packages
        with self._lock:
            self._packages = pkgs.best_by_pair(pkgs.scan(directories))
            self._scanned_at = self._clock()

    def _route(self, source: str, target: str) -> tuple[pkgs.InstalledPackage, ...] | None:
        direct = self._packages.get((source, target))
        if direct is not None:
            return (direct,)
        for (first_from, pivot), first in sorted(self._packages.items()):
            second = self._packages.get((pivot, target))
            if first_from == source and second is not None:
                return (first, second)
        return None

    # -- translation ---------------------------------------------------------

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        outputs = list(texts)
        if not outputs or source == target:
            return outputs
        route = self.route(source, target)
        if route is None:
            raise TranslationError(
                f"no translation model for {source}->{target} is installed",
                remedy=f"run `monitor models install {source}` or `monitor models install --file "
                "X.argosmodel`",
            )
        outputs = [_head(text) for text in outputs]
        for package in route:
            try:
                outputs = self._translate_with(package, outputs)
            except (RuntimeError, ValueError, OSError, IndexError) as error:
                raise TranslationError(
                    f"translating {source}->{target} with {package.name} failed: {error}",
                    remedy=f"reinstall the package at {package.path}",
                ) from None
        return [
            output + TRUNCATED if len(text) > MAX_TRANSLATED_CHARS else output
            for text, output in zip(texts, outputs, strict=True)
        ]

    def close(self) -> None:
        with self._lock:
            self._loaded.clear()

    def _translate_with(self, package: pkgs.InstalledPackage, texts: list[str]) -> list[str]:
        model = self._load(package)
        layout = [
            [[protect(s) for s in split_sentences(p)] for p in split_paragraphs(text)]
            for text in texts
        ]
        cores = list(
            dict.fromkeys(
                s.core
                for paragraphs in layout
                for sentences in paragraphs
                for s in sentences
                if s.core
            )
        )
        pieces = self._pieces_for(model, cores)
        return [
            "\n".join(self._render(model, sentences, pieces) for sentences in paragraphs).lstrip(
                "\n"
            )
            for paragraphs in layout
        ]

    def _pieces_for(self, model: _Loaded, cores: list[str]) -> dict[str, list[str]]:
        package = model.package
        cache_model = f"{package.name}#{self.options.fingerprint()}"
        found = self._cache.get_many(package.pair, cache_model, cores) if self._cache else {}
        missing = [core for core in cores if core not in found]
        if missing:
            fresh = dict(zip(missing, self._decode(model, missing), strict=True))
            if self._cache is not None:
                self._cache.put_many(package.pair, cache_model, fresh)
            found.update(fresh)
        return found

    def _decode(self, model: _Loaded, sentences: list[str]) -> list[list[str]]:
        options = self.options
        prefix = model.package.target_prefix
        tokens = [model.tokenizer.encode(sentence, out_type=str) for sentence in sentences]
        results = model.translator.translate_batch(
            tokens,
            target_prefix=[[prefix]] * len(tokens) if prefix else None,
            max_batch_size=options.max_batch_tokens,
            batch_type="tokens",
            beam_size=max(1, options.beam_size),
            num_hypotheses=1,
            length_penalty=options.length_penalty,
            replace_unknowns=options.replace_unknowns,
            max_decoding_length=options.max_decoding_length,
            min_decoding_length=options.min_decoding_length,
        )
        outputs: list[list[str]] = []
        for result in results:
            hypothesis = list(result.hypotheses[0])
            if prefix and hypothesis[:1] == [prefix]:
                hypothesis = hypothesis[1:]
            outputs.append(hypothesis)
        return outputs

    def _render(
        self, model: _Loaded, sentences: list[Protected], translated: dict[str, list[str]]
    ) -> str:
        pieces: list[str] = []
        entities: list[str] = []

        def verbatim(text: str, space: bool) -> None:
            entities.append(text)
            pieces.append(("▁" if space else "") + placeholder(len(entities) - 1))

        for sentence in sentences:
            if sentence.prefix:
                verbatim(sentence.prefix, bool(pieces))
            if sentence.core:
                base = len(entities)
                entities.extend(sentence.entities)
                seen: set[int] = set()
                output = [
                    _remap(p, base, len(sentence.entities), seen) for p in translated[sentence.core]
                ]
                if sentence.prefix and output and not output[0].startswith("▁"):
                    output[0] = "▁" + output[0]
                pieces.extend(output)
                for index in range(len(sentence.entities)):
                    if index not in seen:
                        pieces.append("▁" + placeholder(base + index))
            if sentence.suffix:
                verbatim(sentence.suffix, sentence.space_before_suffix or bool(pieces))
        if not pieces:
            return ""
        value = model.tokenizer.decode_pieces(pieces).replace("▁", " ").replace("_", " ")
        if value.startswith(" "):
            value = value[1:]
        return substitute(value, tuple(entities))[0] if entities else value

    def _load(self, package: pkgs.InstalledPackage) -> _Loaded:
        with self._lock:
            loaded = self._loaded.get(package.path)
            if loaded is not None and loaded.package == package:
                return loaded
            started = time.monotonic()
            try:
                import ctranslate2
                import sentencepiece

                translator = ctranslate2.Translator(
                    str(package.model_dir),
                    device=self.options.device,
                    compute_type=self.options.compute_type or "default",
                    inter_threads=self.options.inter_threads,
                    intra_threads=self.options.intra_threads,
                )
                tokenizer = sentencepiece.SentencePieceProcessor(
                    model_file=str(package.sentencepiece)
                )
            except (RuntimeError, ValueError, OSError) as error:
                raise TranslationError(
                    f"cannot load the model {package.name} from {package.path}: {error}",
                    remedy="reinstall it with `monitor models install --file X.argosmodel`",
                ) from None
            loaded = _Loaded(package, translator, tokenizer)
            self._loaded[package.path] = loaded
            log.info("loaded %s in %.1fs", package.name, time.monotonic() - started)
            return loaded


def _head(text: str) -> str:
    """The first MAX_TRANSLATED_CHARS characters of `text`, without a word cut in two."""
    if len(text) <= MAX_TRANSLATED_CHARS:
        return text
    head = text[:MAX_TRANSLATED_CHARS]
    cut = max(head.rfind(" "), head.rfind("\n"))
    return head[:cut] if cut > 0 and not text[MAX_TRANSLATED_CHARS].isspace() else head


def _remap(piece: str, base: int, count: int, seen: set[int]) -> str:
    """A sentence's placeholders renumbered from `base`, its place among the post's entities."""
    if not has_placeholder(piece):
        return piece
    renumbered = tuple(placeholder(base + index) for index in range(count))
    return substitute(piece, renumbered, seen)[0]


def build_translator(settings: Settings, store: Store | None = None) -> Translator:
    """The engine the pipeline uses: cheap to build; models load on first use."""
    if not settings.translation.enabled:
        return NoTranslator()
    cache = TranslationCache(store) if store is not None else None
    return ArgosTranslator(DecodingOptions.from_settings(settings.translation), cache)
