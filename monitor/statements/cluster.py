"""Incremental statement clustering: which earlier post's statement does a new post belong to?

Posts arrive in collection order. Each is compared only with posts of the last `window`
(7 days), through indexes, so the cost per post is bounded:

1. a thread part "k/n" (k > 1) joins part k-1 of the same source;
2. within a language, word-3-shingle containment (a truncation or a thread part is mostly
   contained in the full text) found through an inverted shingle index;
3. a shared article link, unless the window shows it with several statements (a generic page);
4. across languages, a multilingual sentence embedding proposes the mutual nearest statement
   of a related account above a cosine threshold.

Every merge must pass a fact check: the shorter text's numbers, dates (and, within a
language, capitalised names) recur in the longer one, so one template for another day or
place stays a statement of its own. The statement id is the id of its first post.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from monitor.statements.embed import Embedder, Vector, default_embedder
from monitor.statements.text import Features, consistent, features, link_keys


@dataclass(frozen=True)
class StatementPost:
    """What the clusterer needs of a collected post."""

    id: str
    platform: str
    account: str
    language: str
    published_at: datetime
    text: str
    title: str | None = None
    source: str = ""
    links: tuple[str, ...] = ()
    translation: str | None = None  # English, when the monitor translated the post


@dataclass(frozen=True)
class Settings:
    window: timedelta = timedelta(days=7)
    containment: float = 0.5  # shared shingles / shingles of the shorter text
    min_shingles: int = 3  # shorter texts must match word for word
    name_slack: int = 0  # names of the shorter text allowed missing from the longer
    cross_cosine: float = 0.55  # same organisation (account or its country prefix)
    cross_cosine_other: float = 0.6  # two organisations (joint communiqués)
    generic_link_statements: int = 2  # a link seen with this many statements is generic
    thread_gap: timedelta = timedelta(hours=6)
    max_postings: int = 200  # a shingle in more posts than this finds no candidates
    max_candidates: int = 40


@dataclass
class _Entry:
    index: int
    statement: str
    language: str
    account: str
    source: str
    at: datetime
    views: dict[str, Features]  # language -> features (the text, and an English translation)
    links: frozenset[str]
    vector: Vector | None = None
    embedded: bool = False

    @property
    def main(self) -> Features:
        return self.views[self.language]


def _group(account: str) -> str:
    return account.split("-", 1)[0]


@dataclass
class StatementClusterer:
    """Feed posts in collection order with `add`; each call returns the post's statement id."""

    settings: Settings = field(default_factory=Settings)
    embedder_factory: Callable[[], Embedder | None] = default_embedder
    _entries: dict[int, _Entry] = field(default_factory=dict)
    _order: deque[int] = field(default_factory=deque)
    _shingles: dict[str, dict[int, set[int]]] = field(default_factory=dict)
    _links: dict[str, set[int]] = field(default_factory=dict)
    _count: int = 0
    # statement -> its languages, kept while any of its posts is in the window
    _languages: dict[str, set[str]] = field(default_factory=dict)
    _members: Counter[str] = field(default_factory=Counter)
    _embedder: Embedder | None = None
    _embedder_loaded: bool = False
    last_signal: str = "alone"  # what joined the last post to its statement, for diagnostics

    def add(self, post: StatementPost) -> str:
        entry = self._entry(post)
        self.last_signal = "alone"
        for signal, find in (
            ("thread", self._thread_match),
            ("text", self._text_match),
            ("link", self._link_match),
            ("embedding", self._cross_match),
        ):
            match = find(entry)
            if match is not None:
                entry.statement = match.statement
                self.last_signal = signal
                break
        self._insert(entry)
        return entry.statement

    def seed(self, post: StatementPost, statement: str) -> None:
        """Put an already clustered post back in the window (after a restart), unmatched."""
        entry = self._entry(post)
        entry.statement = statement
        self._insert(entry)

    def _entry(self, post: StatementPost) -> _Entry:
        self._expire(post.published_at)
        text = post.text if post.text.strip() else (post.title or "")
        views = {post.language: features(text)}
        if post.translation and post.language != "en":
            views["en"] = features(post.translation)
        entry = _Entry(
            index=self._count,
            statement=post.id,
            language=post.language,
            account=post.account,
            source=post.source or post.account,
            at=post.published_at,
            views=views,
            links=link_keys(post.links),
        )
        self._count += 1
        return entry

    # --- window bookkeeping ---

    def _expire(self, now: datetime) -> None:
        while self._order and self._entries[self._order[0]].at < now - self.settings.window:
            old = self._entries.pop(self._order.popleft())
            self._members[old.statement] -= 1
            if self._members[old.statement] <= 0:
                del self._members[old.statement]
                self._languages.pop(old.statement, None)
            for language, view in old.views.items():
                index = self._shingles.get(language, {})
                for shingle in view.shingles:
                    posting = index.get(shingle)
                    if posting is not None:
                        posting.discard(old.index)
                        if not posting:
                            del index[shingle]
            for key in old.links:
                holders = self._links.get(key)
                if holders is not None:
                    holders.discard(old.index)
                    if not holders:
                        del self._links[key]

    def _insert(self, entry: _Entry) -> None:
        self._entries[entry.index] = entry
        self._order.append(entry.index)
        self._members[entry.statement] += 1
        self._languages.setdefault(entry.statement, set()).add(entry.language)
        for language, view in entry.views.items():
            index = self._shingles.setdefault(language, {})
            for shingle in view.shingles:
                index.setdefault(shingle, set()).add(entry.index)
        for key in entry.links:
            self._links.setdefault(key, set()).add(entry.index)

    # --- signals ---

    def _thread_match(self, entry: _Entry) -> _Entry | None:
        part = entry.main.thread
        if part is None or part[0] == 1:
            return None
        for index in reversed(self._order):
            other = self._entries[index]
            if entry.at - other.at > self.settings.thread_gap:
                break
            if other.source == entry.source and other.main.thread == (part[0] - 1, part[1]):
                return other
        return None

    def _text_match(self, entry: _Entry) -> _Entry | None:
        best: _Entry | None = None
        best_score = self.settings.containment
        for language, view in entry.views.items():
            index = self._shingles.get(language)
            if not index or not view.shingles:
                continue
            shared: Counter[int] = Counter()
            for shingle in view.shingles:
                posting = index.get(shingle)
                if posting and len(posting) <= self.settings.max_postings:
                    shared.update(posting)
            for index_, count in shared.most_common(self.settings.max_candidates):
                other_view = self._entries[index_].views.get(language)
                if other_view is None:
                    continue
                shorter = min(len(view.shingles), len(other_view.shingles))
                if shorter < self.settings.min_shingles and view.words != other_view.words:
                    continue
                score = count / shorter
                if score < best_score:
                    continue
                small, large = sorted((view, other_view), key=lambda f: len(f.words))
                if consistent(small, large, same_language=True, slack=self.settings.name_slack):
                    best, best_score = self._entries[index_], score
        return best

    def _link_match(self, entry: _Entry) -> _Entry | None:
        for key in sorted(entry.links):
            holders = [self._entries[index] for index in self._links.get(key, ())]
            if (
                len({holder.statement for holder in holders})
                >= self.settings.generic_link_statements
            ):
                continue
            for holder in sorted(holders, key=lambda other: -other.index):
                if self._facts_agree(entry, holder):
                    return holder
        return None

    def _facts_agree(self, entry: _Entry, other: _Entry) -> bool:
        same = entry.language == other.language
        small, large = sorted((entry.main, other.main), key=lambda f: len(f.words))
        return consistent(small, large, same_language=same, slack=self.settings.name_slack)

    def _cross_match(self, entry: _Entry) -> _Entry | None:
        # A statement with a version in this language already would have matched its text.
        others = [
            other
            for other in self._entries.values()
            if other.language != entry.language
            and entry.language not in self._languages.get(other.statement, ())
        ]
        if not others or not self._embed([entry, *others]) or entry.vector is None:
            return None
        vectors = [(other, other.vector) for other in others if other.vector is not None]
        if not vectors:
            return None
        matrix = np.stack([vector for _, vector in vectors])
        cosines = matrix @ entry.vector
        best_by_statement: dict[str, tuple[float, _Entry]] = {}
        for (other, _), cosine in zip(vectors, cosines.tolist(), strict=True):
            related = _group(other.account) == _group(entry.account)
            floor = self.settings.cross_cosine if related else self.settings.cross_cosine_other
            if cosine < floor:
                continue
            held = best_by_statement.get(other.statement)
            if held is None or cosine > held[0]:
                best_by_statement[other.statement] = (cosine, other)
        if not best_by_statement:
            return None
        cosine, best = max(best_by_statement.values(), key=lambda pair: pair[0])
        if not self._mutual(entry, best.statement, cosine) or not self._facts_agree(entry, best):
            return None
        return best

    def _mutual(self, entry: _Entry, statement: str, cosine: float) -> bool:
        """No other post in the entry's language is nearer to the candidate statement."""
        members = [
            other.vector
            for other in self._entries.values()
            if other.statement == statement
            and other.language != entry.language
            and other.vector is not None
        ]
        rivals = [
            other
            for other in self._entries.values()
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

    def _embed(self, entries: list[_Entry]) -> bool:
        if not self._embedder_loaded:
            self._embedder = self.embedder_factory()
            self._embedder_loaded = True
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
