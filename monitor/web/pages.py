"""The HTML pages: timeline, statement, post, search, sources. Server-rendered, no script."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from monitor.store import BrowsedPost, SourceStatus
from monitor.web import search
from monitor.web.context import PLATFORMS, NotFound, Web
from monitor.web.history import Change, changes
from monitor.web.params import BadRequest, page, timeline_filter

SEARCH_PAGE = 20


def _history(web: Web, posts: tuple[BrowsedPost, ...]) -> dict[str, list[Change]]:
    """The edits and deletions of the posts that have any."""
    return {
        p.record.id: changes(web.store.revisions(p.record.id))
        for p in posts
        if p.edited or p.record.deleted_at
    }


async def timeline(request: Request) -> Response:
    web: Web = request.app.state.web

    def work() -> Response:
        accounts = web.accounts()
        form, wanted = timeline_filter(
            request.query_params, web.zone, set(accounts), set(PLATFORMS)
        )
        number_ = page(request.query_params)
        statements, more = web.store.timeline(
            wanted, limit=web.page_size, offset=(number_ - 1) * web.page_size
        )
        return web.render(
            "timeline.html.j2",
            statements=statements,
            form=form.values(),
            page=number_,
            more=more,
            accounts=accounts,
            platforms=PLATFORMS,
            q="",
        )

    return await web.off_loop(work)


async def statement(request: Request) -> Response:
    web: Web = request.app.state.web
    statement_id = request.path_params["id"]

    def work() -> Response:
        found = web.store.statement(statement_id) if statement_id else None
        if found is None:
            raise NotFound(f"no statement {statement_id!r} is in the store")
        return web.render(
            "statement.html.j2", statement=found, history=_history(web, found.posts), q=""
        )

    return await web.off_loop(work)


async def post(request: Request) -> Response:
    web: Web = request.app.state.web
    post_id = request.path_params["id"]

    def work() -> Response:
        found = web.store.browsed_post(post_id) if post_id else None
        if found is None:
            raise NotFound(f"no post {post_id!r} is in the store")
        revisions = web.store.revisions(post_id)
        return web.render(
            "post.html.j2",
            post=found,
            revisions=revisions,
            history=changes(revisions),
            q="",
        )

    return await web.off_loop(work)


async def search_page(request: Request) -> Response:
    web: Web = request.app.state.web
    text = request.query_params.get("q", "")

    def work() -> Response:
        values: dict[str, Any] = {"q": text, "hits": None, "page": 1, "error": None}
        if web.search is None:
            return web.render("search.html.j2", status=503, **values, error=search.UNAVAILABLE)
        if not text.strip():
            return web.render("search.html.j2", **values)
        number_ = page(request.query_params)
        try:
            hits = search.run(
                web.search,
                text,
                limit=SEARCH_PAGE,
                offset=(number_ - 1) * SEARCH_PAGE,
                zone=web.zone,
            )
        except BadRequest as error:
            return web.render("search.html.j2", status=400, **{**values, "error": str(error)})
        values.update(hits=hits, page=number_, more=number_ * SEARCH_PAGE < hits.total)
        return web.render("search.html.j2", **values)

    return await web.off_loop(work)


async def sources(request: Request) -> Response:
    web: Web = request.app.state.web

    def work() -> Response:
        known = {status.name: status for status in web.store.source_statuses()}
        rows: list[tuple[str, str, SourceStatus | None, bool]] = [
            (s.name, s.platform, known.pop(s.name, None), True) for s in web.settings.sources
        ]
        rows += [(name, status.platform, status, False) for name, status in sorted(known.items())]
        return web.render("sources.html.j2", rows=rows, q="")

    return await web.off_loop(work)
