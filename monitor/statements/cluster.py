"""Incremental statement clustering: which earlier post's statement does a new post belong to?

Posts arrive in collection order. Each is compared only with posts of the last `window`
(7 days), through indexes, so the cost per post is bounded:

1. a thread part "k/n" (k > 1) joins part k-1 of the same source;
2. within a language, word-3-shingle containment (a truncation or a thread part is mostly
   contained in the full text) found through an inverted shingle index; the match must also
   hold against the statement's fullest version in that language, so a shared closing
   sentence (a thread's last part) does not pull another statement in;
3. a shared article link, unless the window shows it with several statements (a generic page),
   and within a language only when the texts also agree;
4. across languages, a multilingual sentence embedding proposes the mutual nearest statement
   among the posts of the last `cross_gap` (crosslang.py).

Copies of one statement are published within hours, so a match must lie within `copy_gap`
(`cross_gap` across languages) of a post of the statement: the same reminder or template a
week later is another statement. Two posts of one language that each link a different
article of one site are different statements. Every merge must pass a fact check: the
shorter text's numbers, dates (and, within a language, capitalised names; across languages,
distinctive names by their consonant skeleton) recur in the longer one, so one template for
another day or place stays a statement of its own. The statement id is its first post's id.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from monitor.statements.crosslang import CrossLanguage
from monitor.statements.embed import Embedder, default_embedder
from monitor.statements.model import Entry as _Entry
from monitor.statements.model import Settings, StatementPost
from monitor.statements.text import (
    Features,
    consistent,
    features,
    link_keys,
    links_conflict,
    names_agree_across,
)

__all__ = ["Settings", "StatementClusterer", "StatementPost"]


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
    _members: dict[str, list[int]] = field(default_factory=dict)
    _names: Counter[str] = field(default_factory=Counter)  # name skeleton -> posts in window
    # (language, word) -> posts in the window that write the word in lower case
    _lowercase: Counter[tuple[str, str]] = field(default_factory=Counter)
    _cross: CrossLanguage | None = None
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
        # A website entry is its title and its body: a copy may carry either.
        text = f"{post.title}. {post.text}" if post.title and post.text.strip() else post.text
        text = text if text.strip() else (post.title or "")
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
            _release(self._names, old.main.proper)
            _release(self._lowercase, ((old.language, word) for word in old.main.lowercase))
            members = self._members.get(old.statement, [])
            if old.index in members:
                members.remove(old.index)
            if not members:
                self._members.pop(old.statement, None)
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
        self._members.setdefault(entry.statement, []).append(entry.index)
        self._names.update(entry.main.proper)
        self._lowercase.update((entry.language, word) for word in entry.main.lowercase)
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
        best_key = (self.settings.containment, 0, 0)
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
                other = self._entries[index_]
                if entry.at - other.at > self.settings.copy_gap:
                    continue
                score = self._containment(view, other.views.get(language), count)
                if score is None:
                    continue
                key = (score, count, other.index)  # ties: more shared text, the nearer post
                if key <= best_key:
                    continue
                if self._text_agrees(entry, other, language, view):
                    best, best_key = other, key
        return best

    def _containment(self, view: Features, other: Features | None, count: int) -> float | None:
        if other is None:
            return None
        shorter = min(len(view.shingles), len(other.shingles))
        if shorter < self.settings.min_shingles and view.words != other.words:
            return None
        return count / max(shorter, 1)

    def _text_agrees(self, entry: _Entry, other: _Entry, language: str, view: Features) -> bool:
        """The facts agree, no other article is linked, and the statement's fullest version
        in this language contains this text as well as the matched post does."""
        if entry.language == other.language and links_conflict(entry.links, other.links):
            return False
        small, large = sorted((view, other.views[language]), key=lambda f: len(f.words))
        if not consistent(small, large, same_language=True, slack=self.settings.name_slack):
            return False
        fullest = self._fullest(other.statement, language)
        if fullest is None or fullest is other:
            return True
        full = fullest.views[language]
        score = self._containment(view, full, len(view.shingles & full.shingles))
        small, large = sorted((view, full), key=lambda f: len(f.words))
        return (
            score is not None
            and score >= self.settings.containment
            and consistent(small, large, same_language=True, slack=self.settings.name_slack)
        )

    def _fullest(self, statement: str, language: str) -> _Entry | None:
        versions = [
            self._entries[index]
            for index in self._members.get(statement, ())
            if language in self._entries[index].views
        ]
        return max(versions, key=lambda other: len(other.views[language].words), default=None)

    def _link_match(self, entry: _Entry) -> _Entry | None:
        for key in sorted(entry.links):
            holders = [self._entries[index] for index in self._links.get(key, ())]
            if (
                len({holder.statement for holder in holders})
                >= self.settings.generic_link_statements
            ):
                continue
            for holder in sorted(holders, key=lambda other: -other.index):
                if entry.at - holder.at > self.settings.copy_gap:
                    continue
                if self._facts_agree(entry, holder) and self._link_text_agrees(entry, holder):
                    return holder
        return None

    def _link_text_agrees(self, entry: _Entry, other: _Entry) -> bool:
        """Within a language, a shared link is not enough: a generic page (a section, a
        travel-advice page) is linked by unrelated posts. The shorter text must be a
        title-like subset of the longer one's words, or share a part of its text."""
        if entry.language != other.language:
            return True
        small, large = sorted((entry.main, other.main), key=lambda f: len(f.words))
        if small.words and set(small.words) <= set(large.words):
            return True
        count = len(small.shingles & large.shingles)
        return count >= self.settings.link_containment * max(len(small.shingles), 1)

    def _facts_agree(self, entry: _Entry, other: _Entry, cosine: float = -1.0) -> bool:
        same = entry.language == other.language
        small, large = sorted((entry.main, other.main), key=lambda f: len(f.words))
        if not consistent(small, large, same_language=same, slack=self.settings.name_slack):
            return False
        if same:
            return True
        if cosine >= self.settings.cross_cosine_names and CrossLanguage.related(entry, other):
            # One organisation's own translation this near: its names are translated
            # ("Asuntos Exteriores" / "Foreign Minister") more than transliterated, so they
            # cannot tell; a template for another place embeds farther apart than this.
            return True
        common = frozenset(
            name
            for name in entry.main.proper | other.main.proper
            if self._names[name] >= self.settings.common_names
        )
        ordinary = self._ordinary(entry) | self._ordinary(other)
        return names_agree_across(entry.main, other.main, common, ordinary)

    def _ordinary(self, entry: _Entry) -> frozenset[str]:
        """Name skeletons of this post whose words the window also writes in lower case."""
        words: dict[str, bool] = {}
        for key, word in entry.main.proper_words:
            seen = word in entry.main.lowercase or self._lowercase[(entry.language, word)] > 0
            words[key] = words.get(key, True) and seen
        return frozenset(key for key, seen in words.items() if seen)

    def _cross_match(self, entry: _Entry) -> _Entry | None:
        if self._cross is None:
            self._cross = CrossLanguage(self.settings, self.embedder_factory)
        newest_first = (self._entries[index] for index in reversed(self._order))
        recent = self._cross.recent(entry, newest_first)
        return self._cross.match(entry, recent, self._languages, self._facts_agree)


def _release(counter: Counter[Any], keys: Iterable[Hashable]) -> None:
    """Count these keys out of the window, dropping those no post in it has any more."""
    for key in keys:
        left = counter[key] - 1
        if left > 0:
            counter[key] = left
        else:
            del counter[key]
