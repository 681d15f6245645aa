"""What every answer of the web view goes through: reads only, HTTP basic auth when it is
configured, and headers that keep a page inert whatever a post says.

The Content-Security-Policy allows the one stylesheet and nothing else: no script runs
(there is none), no remote image, font or frame loads, and no other site may frame a page.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from monitor.config import WebSettings, is_loopback, required_secret
from monitor.errors import ConfigError

CSP = (
    "default-src 'none'; style-src 'self'; form-action 'self'; base-uri 'none';"
    " frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}
REALM = 'Basic realm="monitor", charset="UTF-8"'


@dataclass(frozen=True, slots=True)
class Credentials:
    username: str
    password: str

    def __repr__(self) -> str:  # never the password, wherever it is printed
        return f"Credentials(username={self.username!r})"

    def accept(self, header: str | None) -> bool:
        """Whether an `Authorization` header carries these credentials. Both parts are
        compared in constant time, and both always, so timing tells nothing."""
        scheme, _, token = (header or "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(token.strip(), validate=True)
        except (binascii.Error, ValueError):
            return False
        user, _, password = decoded.partition(b":")
        same_user = hmac.compare_digest(user, self.username.encode("utf-8"))
        same_password = hmac.compare_digest(password, self.password.encode("utf-8"))
        return same_user and same_password


def web_credentials(web: WebSettings) -> Credentials | None:
    """The basic-auth credentials `[web]` configures, read from the environment now; raises
    when the web view would be served unprotected or without its password. The config
    validation already refused a non-loopback `listen` without auth or `trust_proxy`."""
    if web.listen and not is_loopback(web.listen) and not web.authenticates:
        raise ConfigError(
            f'web.listen "{web.listen}" is not a loopback address and nothing authenticates',
            remedy="set [web] username and password_env, or trust_proxy = true behind an"
            " authenticating reverse proxy (deploy/README.md)",
        )
    if not web.username:
        return None
    password = required_secret(
        web.password_env,
        "web.password_env",
        purpose=", so the web view's basic auth has no password",
    )
    return Credentials(web.username, password)


class Guard:
    """ASGI middleware in front of the web view: GET and HEAD only, basic auth when
    `credentials` are set, and the security headers on every answer (errors included)."""

    def __init__(self, app: ASGIApp, credentials: Credentials | None) -> None:
        self.app = app
        self.credentials = credentials

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                if "cache-control" not in headers:
                    headers["cache-control"] = "no-store"
            await send(message)

        if scope["method"] not in ("GET", "HEAD"):
            refused = PlainTextResponse(
                "this view is read-only: GET and HEAD only\n",
                status_code=405,
                headers={"Allow": "GET, HEAD"},
            )
            await refused(scope, receive, secured)
            return
        if self.credentials is not None and not self.credentials.accept(
            Headers(scope=scope).get("authorization")
        ):
            challenge = PlainTextResponse(
                "authentication required\n", status_code=401, headers={"WWW-Authenticate": REALM}
            )
            await challenge(scope, receive, secured)
            return
        await self.app(scope, receive, secured)
