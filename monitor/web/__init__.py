"""The analysts' read-only web view: statements, search, revisions, deletions, sources.

`build_app` makes the ASGI app; `WebServer` serves it with uvicorn on the caller's loop
(the daemon's, or `monitor web`'s). Pages are server-rendered HTML without any script.
"""

from __future__ import annotations

from monitor.web.app import build_app
from monitor.web.links import post_link, statement_link
from monitor.web.security import Credentials, web_credentials
from monitor.web.serve import WebServer, serve_web

__all__ = [
    "Credentials",
    "WebServer",
    "build_app",
    "post_link",
    "serve_web",
    "statement_link",
    "web_credentials",
]
