"""The JSON API beside the pages (DESIGN.md pins the paths); records are `monitor.post/1`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from monitor.web import search
from monitor.web.context import Web
from monitor.web.params import MAX_LIMIT, number


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def search_api(request: Request) -> Response:
    """`GET /api/search?q=&limit=&offset=` -> {"total": N, "results": [record, ...]},
    newest first."""
    web: Web = request.app.state.web
    params = request.query_params

    def work() -> Response:
        if web.search is None:
            return error(503, search.UNAVAILABLE)
        limit = number(params, "limit", 20, 1, MAX_LIMIT)
        offset = number(params, "offset", 0, 0, 1_000_000)
        hits = search.run(
            web.search, params.get("q", ""), limit=limit, offset=offset, zone=web.zone
        )
        return JSONResponse(
            {"total": hits.total, "results": [record.as_dict() for record in hits.records]}
        )

    return await web.off_loop(work)


async def statement_api(request: Request) -> Response:
    """`GET /api/statements/<id>` -> {"id": ..., "posts": [record, ...]} (latest revisions,
    the statement's first post first)."""
    web: Web = request.app.state.web
    statement_id = request.path_params["id"]

    def work() -> Response:
        found = web.store.statement(statement_id) if statement_id else None
        if found is None:
            return error(404, f"no statement {statement_id!r} is in the store")
        return JSONResponse(
            {"id": found.id, "posts": [post.record.as_dict() for post in found.posts]}
        )

    return await web.off_loop(work)


async def post_api(request: Request) -> Response:
    """`GET /api/posts/<id>` -> {"record": latest, "revisions": [record, ...]} (every
    revision still stored, oldest first, the latest included)."""
    web: Web = request.app.state.web
    post_id = request.path_params["id"]

    def work() -> Response:
        found = web.store.browsed_post(post_id) if post_id else None
        if found is None:
            return error(404, f"no post {post_id!r} is in the store")
        revisions = web.store.revisions(post_id)
        return JSONResponse(
            {
                "record": found.record.as_dict(),
                "revisions": [revision.record.as_dict() for revision in revisions],
            }
        )

    return await web.off_loop(work)
