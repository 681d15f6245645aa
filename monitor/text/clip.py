"""Shortening a text for display: at a word boundary, with an ellipsis."""

from __future__ import annotations


def clip(text: str, limit: int) -> str:
    """`text` cut to about `limit` characters at a word boundary, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—\n") + " …"
