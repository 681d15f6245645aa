"""Marking the words of a post that a search matched, in the text as written.

The index holds stems, so FTS5's own snippet()/highlight() would show stems; instead the
search returns the index terms of the query's words (`Match.terms`), and each word of the
original text is analysed as the index analysed it and compared.
"""

from __future__ import annotations

from collections.abc import Collection

from monitor.search.stem import spans, stem_tokens


def highlight(text: str, language: str | None, terms: Collection[str]) -> list[tuple[str, bool]]:
    """`text` cut into (segment, is_match) pieces, in order, that join back to `text`.

    `language` is the language the text was indexed in: the post's detected language for
    its title and text, the translation's target language for the translation.
    """
    segments: list[tuple[str, bool]] = []
    done = 0
    if terms:
        for start, end, words in spans(text):
            if any(stem in terms for stem in stem_tokens(words, language)):
                if start > done:
                    segments.append((text[done:start], False))
                segments.append((text[start:end], True))
                done = end
    if done < len(text):
        segments.append((text[done:], False))
    return segments
