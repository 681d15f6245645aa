"""Links to the web view's pages: relative within it, absolute from `[web] public_url` for
what leaves it (the digest, alerts)."""

from __future__ import annotations

from urllib.parse import quote


def post_path(post_id: str) -> str:
    """The page of a post. Ids hold `/` and even whole URLs: every `/` is escaped so that a
    proxy merging slashes cannot change which post is asked for."""
    return "/posts/" + quote(post_id, safe=":@")


def statement_path(statement_id: str) -> str:
    return "/statements/" + quote(statement_id, safe=":@")


def statement_link(public_url: str, statement_id: str) -> str | None:
    """The statement's page at `public_url` (`[web] public_url`), or None when it is unset."""
    return public_url.rstrip("/") + statement_path(statement_id) if public_url else None


def post_link(public_url: str, post_id: str) -> str | None:
    return public_url.rstrip("/") + post_path(post_id) if public_url else None
