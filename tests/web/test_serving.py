"""The web view served for real: by uvicorn in-process, by `monitor web` over a data dir
(read-only), and by `monitor run` beside /healthz and /metrics."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from monitor.config import Settings
from monitor.store import STORE_FILE, Store
from monitor.web import WebServer
from monitor.web.links import statement_path
from tests.support.cli import run_monitor
from tests.support.config import write_rss_config
from tests.support.httpserver import LocalServer, Reply, free_port
from tests.web.support import Seeded, make_settings, seed

RSS = Path(__file__).resolve().parents[1] / "sources" / "testdata" / "rss" / "mppre.xml"


async def test_uvicorn_serves_the_app_and_stops(data: tuple[Settings, Store, Seeded]) -> None:
    settings, store, seeded = data
    server = WebServer(settings, store)
    await server.start()
    try:
        assert server.url.startswith("http://127.0.0.1:") and not server.url.endswith(":0")
        async with httpx.AsyncClient(base_url=server.url) as client:
            page = await client.get(statement_path(seeded.statement))
            assert page.status_code == 200 and "Министр" in page.text
            assert "server" not in page.headers
            assert (await client.get("/api/search?q=(")).status_code == 400
    finally:
        await server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.url, timeout=2)


def wait_for(url: str, process: subprocess.Popen[str], timeout: float = 20) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"exited {process.returncode}: {process.communicate()[1]}")
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_monitor_web_serves_a_data_dir_read_only(
    tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    data = tmp_path / "data"
    store = Store.open(data)
    seeded = seed(store)
    store.close()
    port = free_port()
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'[monitor]\ndata_dir = "{data}"\nhealth = ""\ntimezone = "America/Caracas"\n'
        f'[web]\nlisten = "127.0.0.1:{port}"\n'
    )
    before = digest(data / STORE_FILE)
    data.chmod(0o550)  # nothing may be created beside the store either
    web = subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(config), "web"],
        env=subprocess_env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = wait_for(f"http://127.0.0.1:{port}/", web)
        assert first.status_code == 200
        assert statement_path(seeded.statement) in first.text
        api = httpx.get(f"http://127.0.0.1:{port}/api/search?q=санкции", timeout=5)
        assert api.json()["total"] == 2
    finally:
        web.send_signal(signal.SIGTERM)
        _, err = web.communicate(timeout=20)
        data.chmod(0o750)
    assert web.returncode == 0, err
    assert "web view on http://127.0.0.1:" in err and "Traceback" not in err
    assert digest(data / STORE_FILE) == before


def test_monitor_web_without_a_store_says_so(
    tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'[monitor]\ndata_dir = "{tmp_path / "none"}"\n[web]\nlisten = "127.0.0.1:0"\n'
    )
    done = run_monitor(["--config", str(config), "web"], subprocess_env, tmp_path)
    assert done.returncode == 1
    assert "there is no store at" in done.stderr and "Traceback" not in done.stderr


def test_the_daemon_serves_the_web_view_beside_health(
    http_server: LocalServer, tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    http_server.route(
        "/mppre", Reply(body=RSS.read_bytes(), headers={"Content-Type": "application/rss+xml"})
    )
    web, health = free_port(), free_port()
    config = write_rss_config(
        tmp_path,
        {"mppre-feed": http_server.url("/mppre")},
        health=f"127.0.0.1:{health}",
        web=f"127.0.0.1:{web}",
        source_extra='every = "1s"\njitter = "0.1s"\n',
    )
    daemon = subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(config), "run"],
        env=subprocess_env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # The health answer itself is tests/test_daemon.py's; here: both servers are up.
        assert "status" in wait_for(f"http://127.0.0.1:{health}/healthz", daemon).json()
        deadline = time.monotonic() + 20
        found = {"total": 0}
        while time.monotonic() < deadline and found["total"] < 3:
            found = httpx.get(f"http://127.0.0.1:{web}/api/search?q=venezuela", timeout=5).json()
            time.sleep(0.3)
        timeline = httpx.get(f"http://127.0.0.1:{web}/", timeout=5)
        assert timeline.status_code == 200 and "mppre-feed" in timeline.text
        assert httpx.post(f"http://127.0.0.1:{web}/", timeout=5).status_code == 405
        assert httpx.get(f"http://127.0.0.1:{health}/metrics", timeout=5).status_code == 200
        assert httpx.get(f"http://127.0.0.1:{web}/healthz", timeout=5).status_code == 404
    finally:
        daemon.send_signal(signal.SIGTERM)
        _, err = daemon.communicate(timeout=30)
    assert daemon.returncode == 0, err
    assert found["total"] >= 1, err
    assert "web view on" in err and "monitor stopped" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("web", "problem"),
    [
        ('listen = "0.0.0.0:8788"', "not a loopback address"),
        (
            'listen = "0.0.0.0:8788"\nusername = "analyst"\npassword_env = "MONITOR_WEB_PW"',
            "$MONITOR_WEB_PW is not set",
        ),
    ],
)
def test_the_daemon_refuses_to_serve_unprotected(
    tmp_path: Path, subprocess_env: dict[str, str], web: str, problem: str
) -> None:
    config = write_rss_config(tmp_path, {}, rest=f"[web]\n{web}\n")
    config.write_text(config.read_text().replace('[web]\nlisten = ""\n', ""))
    done = run_monitor(["--config", str(config), "run"], subprocess_env, tmp_path)
    assert done.returncode == 2, done.stderr
    assert problem in done.stderr and "Traceback" not in done.stderr


def test_settings_helper_listens_on_a_free_port(tmp_path: Path) -> None:
    assert make_settings(tmp_path).web.listen == "127.0.0.1:0"
