"""Across languages: which recent statement is this post a translation of?

A multilingual sentence embedding proposes candidates among the posts of the last
`cross_gap` (at most `max_cross` of them, found among the newest `max_scan` posts, so the
cost per post is bounded). The nearest statement above a cosine floor decides, if it is
mutually nearest (no other post in this post's language is nearer to it) and the caller's
fact check agrees:

- one organisation (an account, or accounts sharing a country prefix) translates its own
  statements: floor `cross_cosine`;
- two organisations (each also posts its own account of the same talks): floor
  `cross_cosine_other`, or down to `cross_cosine_joint` when the two texts align sentence by
  sentence (every sentence of the text with fewer has a partner above `aligned_cosine`), as
  the two ministries' versions of one joint communiqué do and two accounts of one event,
  whose second sentences say different things, do not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import numpy as np

from monitor.statements.embed import Embedder, Vector
from monitor.statements.model import Entry, Settings, organisation_group

Agree = Callable[[Entry, Entry, float], bool]  # (post, candidate, their cosine)


class CrossLanguage:
    def __init__(self, settings: Settings, embedder_factory: Callable[[], Embedder | None]):
        self.settings = settings
        self._factory = embedder_factory
        self._embedder: Embedder | None = None
        self._loaded = False

    def recent(self, entry: Entry, newest_first: Iterable[Entry]) -> list[Entry]:
        """Posts published within `cross_gap` of this one, newest collected first."""
        out: list[Entry] = []
        for scanned, other in enumerate(newest_first):
            if scanned >= self.settings.max_scan or len(out) >= self.settings.max_cross:
                break
            if abs(entry.at - other.at) <= self.settings.cross_gap:
                out.append(other)
        return out

    def match(
        self,
        entry: Entry,
        recent: list[Entry],
        languages: Mapping[str, set[str]],
        agree: Agree,
    ) -> Entry | None:
        # A statement with a version in this language already would have matched its text.
        others = [
            other
            for other in recent
            if other.language != entry.language
            and entry.language not in languages.get(other.statement, ())
        ]
        if not others or not self._embed([entry, *others]) or entry.vector is None:
            return None
        vectors = [(other, other.vector) for other in others if other.vector is not None]
        if not vectors:
            return None
        cosines = np.stack([vector for _, vector in vectors]) @ entry.vector
        best_by_statement: dict[str, tuple[float, Entry]] = {}
        for (other, _), cosine in zip(vectors, cosines.tolist(), strict=True):
            if cosine < self._floor(entry, other):
                continue
            held = best_by_statement.get(other.statement)
            if held is None or cosine > held[0]:
                best_by_statement[other.statement] = (cosine, other)
        alignments = self.settings.max_alignments  # each embeds a few sentences: bounded
        for cosine, best in sorted(best_by_statement.values(), key=lambda pair: -pair[0]):
            if self._below_other_floor(entry, best, cosine):
                alignments -= 1
                if alignments < 0 or not self._aligned(entry, best):
                    continue  # as if never proposed: it blocks no farther statement
            # the nearest statement decides; a nearer one that fails the checks blocks the rest
            if self._mutual(entry, best.statement, cosine, recent) and agree(entry, best, cosine):
                return best
            return None
        return None

    def _floor(self, entry: Entry, other: Entry) -> float:
        if self.related(entry, other):
            return self.settings.cross_cosine
        return min(self.settings.cross_cosine_joint, self.settings.cross_cosine_other)

    def _below_other_floor(self, entry: Entry, other: Entry, cosine: float) -> bool:
        return not self.related(entry, other) and cosine < self.settings.cross_cosine_other

    @staticmethod
    def related(entry: Entry, other: Entry) -> bool:
        return organisation_group(entry.account) == organisation_group(other.account)

    def _mutual(self, entry: Entry, statement: str, cosine: float, recent: list[Entry]) -> bool:
        """No other recent post in the entry's language is nearer to the candidate statement."""
        members = [
            other.vector
            for other in recent
            if other.statement == statement
            and other.language != entry.language
            and other.vector is not None
        ]
        rivals = [
            other
            for other in recent
            if other.language == entry.language and other.statement != statement
        ]
        if not members or not rivals:
            return True
        self._embed(rivals)
        rival_vectors = [other.vector for other in rivals if other.vector is not None]
        if not rival_vectors:
            return True
        nearest = float((np.stack(rival_vectors) @ np.stack(members).T).max())
        return nearest <= cosine

    def _aligned(self, entry: Entry, other: Entry) -> bool:
        """Every sentence of the text with fewer sentences (at least two) has a translation
        in the other: one whole-text cosine cannot tell a translation from a summary."""
        one, two = self._sentences(entry), self._sentences(other)
        if one is None or two is None or min(len(one), len(two)) < 2:
            return False
        cosines = one @ two.T if len(one) <= len(two) else two @ one.T
        return float(cosines.max(axis=1).min()) >= self.settings.aligned_cosine

    def _sentences(self, entry: Entry) -> Vector | None:
        if entry.sentences is None:
            texts = list(entry.main.sentences[: self.settings.aligned_sentences])
            if not texts or self._embedder is None:
                return None
            entry.sentences = self._embedder.encode(texts)
        return entry.sentences

    def _embed(self, entries: list[Entry]) -> bool:
        if not self._loaded:
            self._embedder = self._factory()
            self._loaded = True
        if self._embedder is None:
            return False
        missing = [entry for entry in entries if not entry.embedded]
        texts = [entry.main.embed_text for entry in missing if entry.main.embed_text]
        vectors = iter(self._embedder.encode(texts)) if texts else iter(())
        for entry in missing:
            entry.embedded = True
            if entry.main.embed_text:
                entry.vector = next(vectors)
        return True
