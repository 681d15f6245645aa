"""Read-only, escaped, strict headers, and the auth rule."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import httpx
import pytest

from monitor.config import ConfigProblems, Settings
from monitor.errors import ConfigError
from monitor.store import Store
from monitor.web import web_credentials
from monitor.web.links import post_path, statement_path
from monitor.web.security import CSP, Credentials
from tests.web.conftest import client_for
from tests.web.support import Seeded, make_settings


def pages(seeded: Seeded) -> list[str]:
    return [
        "/",
        statement_path(seeded.hostile),
        post_path(seeded.hostile),
        "/search?q=Ministerio",
        "/search?q=" + "%3Cscript%3E",
        "/sources",
    ]


async def test_hostile_text_is_escaped_everywhere(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    for path in pages(seeded):
        page = await client.get(path)
        assert page.status_code in (200, 400), path
        html = page.text
        # No element came from post text: the only tags are the templates' own.
        assert "<script" not in html.lower(), path
        assert "<img" not in html.lower() and "<iframe" not in html.lower(), path
        assert not re.search(r"<[^>]+\son\w+\s*=", html), path  # no event handler attribute
        hrefs = re.findall(r'href="([^"]*)"', html)
        assert all(h.startswith(("/", "http://", "https://")) for h in hrefs), (path, hrefs)
        assert "javascript:" not in " ".join(hrefs), path
    shown = (await client.get(statement_path(seeded.hostile))).text
    # The markup is shown as text: the reader sees what the account wrote.
    assert "&lt;script&gt;document.title=&#34;PWNED&#34;&lt;/script&gt;" in shown
    assert "{{ 7*7 }}" in shown and "{% raw %}" in shown
    assert "MPPRE &lt;b&gt;bold&lt;/b&gt;" in shown
    # A quote ends the URL: the rest of the text cannot become an attribute.
    assert 'href="https://mppre.gob.ve/ok"' in shown
    assert "original on" not in shown  # its url is javascript:, so no link to it


async def test_every_answer_has_the_security_headers(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    for path in [*pages(seeded), "/api/search?q=a", "/nothing", "/?page=x", "/static/web.css"]:
        reply = await client.get(path)
        assert reply.headers["content-security-policy"] == CSP, path
        assert reply.headers["x-content-type-options"] == "nosniff"
        assert reply.headers["referrer-policy"] == "no-referrer"
        assert reply.headers["x-frame-options"] == "DENY"
    assert "default-src 'none'" in CSP and "frame-ancestors 'none'" in CSP
    assert "script-src" not in CSP and "unsafe-inline" not in CSP


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
async def test_read_only(client: httpx.AsyncClient, method: str) -> None:
    reply = await client.request(method, "/")
    assert reply.status_code == 405
    assert reply.headers["allow"] == "GET, HEAD"
    assert reply.headers["content-security-policy"] == CSP


async def test_head(client: httpx.AsyncClient) -> None:
    reply = await client.head("/")
    assert reply.status_code == 200 and reply.content == b""


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


async def test_basic_auth(data: tuple[Settings, Store, Seeded]) -> None:
    settings, store, _ = data
    async with client_for(settings, store, Credentials("analyst", "s3cret:é")) as client:
        for headers in (
            {},
            basic("analyst", "wrong"),
            basic("someone", "s3cret:é"),
            {"Authorization": "Bearer s3cret"},
            {"Authorization": "Basic !!!"},
        ):
            refused = await client.get("/", headers=headers)
            assert refused.status_code == 401
            assert refused.headers["www-authenticate"].startswith('Basic realm="monitor"')
            assert refused.headers["content-security-policy"] == CSP
            assert (await client.get("/api/search?q=a", headers=headers)).status_code == 401
        assert (await client.get("/", headers=basic("analyst", "s3cret:é"))).status_code == 200


def test_credentials_never_show_the_password() -> None:
    assert "s3cret" not in repr(Credentials("analyst", "s3cret"))


def test_non_loopback_listen_needs_auth_or_a_trusted_proxy(tmp_path: Path) -> None:
    for listen in ("0.0.0.0:8788", "192.0.2.10:8788", "[::]:8788", "monitor.example.org:80"):
        with pytest.raises(ConfigProblems) as refused:
            make_settings(tmp_path, listen=listen)
        (problem,) = refused.value.problems
        assert "not a loopback address" in problem
        assert "username" in problem and "password_env" in problem and "trust_proxy" in problem
    for listen in ("127.0.0.1:8788", "127.0.0.2:1", "[::1]:8788", "localhost:8788", ""):
        make_settings(tmp_path, listen=listen)
    make_settings(tmp_path, listen="0.0.0.0:8788", trust_proxy=True)
    make_settings(tmp_path, listen="0.0.0.0:8788", username="a", password_env="WEB_PASSWORD")
    with pytest.raises(ConfigProblems, match="problem"):
        make_settings(tmp_path, username="a")


def test_the_password_variable_must_be_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    web = make_settings(
        tmp_path, listen="0.0.0.0:8788", username="analyst", password_env="WEB_PASSWORD"
    ).web
    monkeypatch.delenv("WEB_PASSWORD", raising=False)
    with pytest.raises(ConfigError, match=r"\$WEB_PASSWORD is not set") as refused:
        web_credentials(web)
    assert "export WEB_PASSWORD" in str(refused.value)
    monkeypatch.setenv("WEB_PASSWORD", "pw")
    assert web_credentials(web) == Credentials("analyst", "pw")
    assert web_credentials(make_settings(tmp_path).web) is None
