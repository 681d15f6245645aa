"""The web view as one ASGI app: routes (DESIGN.md, "Web view and API"), error pages, and
the guard in front (read-only, basic auth, security headers)."""

from __future__ import annotations

from importlib import resources

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from monitor.config import Settings
from monitor.store import Store
from monitor.web import api, pages
from monitor.web.context import Failed, NotFound, Web
from monitor.web.params import BadRequest
from monitor.web.render import environment
from monitor.web.search import SearchBackend
from monitor.web.security import Credentials, Guard

_CSS = resources.files("monitor.web").joinpath("static/web.css").read_bytes()


async def stylesheet(request: Request) -> Response:
    return Response(_CSS, media_type="text/css", headers={"Cache-Control": "max-age=3600"})


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(request: Request, status: int, message: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": message}, status_code=status)
    web: Web = request.app.state.web
    return web.render("error.html.j2", status=status, status_code=status, message=message, q="")


async def bad_request(request: Request, error: Exception) -> Response:
    return _error(request, 400, str(error))


async def not_found(request: Request, error: Exception) -> Response:
    if isinstance(error, NotFound):
        return _error(request, 404, str(error))
    return _error(request, 404, "there is no such page: try the statements, search or sources")


async def http_error(request: Request, error: Exception) -> Response:
    status = error.status_code if isinstance(error, HTTPException) else 500
    if status == 404:
        return await not_found(request, error)
    return _error(request, status, str(getattr(error, "detail", "")) or "the request failed")


async def failed(request: Request, error: Exception) -> Response:
    # What failed is in the log (Web.off_loop): it may quote the store's internals.
    return _error(request, 500, "internal error: the monitor's log has the details")


def build_app(
    settings: Settings,
    store: Store,
    *,
    credentials: Credentials | None = None,
    search: SearchBackend | None = None,
) -> ASGIApp:
    """The web view over `store`. `search` defaults to the store's own search, when it has
    one; `credentials` turn basic auth on (see `security.web_credentials`)."""
    if search is None and isinstance(store, SearchBackend):
        search = store
    app = Starlette(
        routes=[
            Route("/", pages.timeline),
            Route("/statements/{id:path}", pages.statement),
            Route("/posts/{id:path}", pages.post),
            Route("/search", pages.search_page),
            Route("/sources", pages.sources),
            Route("/api/search", api.search_api),
            Route("/api/statements/{id:path}", api.statement_api),
            Route("/api/posts/{id:path}", api.post_api),
            Route("/static/web.css", stylesheet),
        ],
        exception_handlers={
            BadRequest: bad_request,
            NotFound: not_found,
            Failed: failed,
            HTTPException: http_error,
        },
    )
    app.state.web = Web(settings, store, environment(settings.monitor.timezone), search)
    return Guard(app, credentials)
