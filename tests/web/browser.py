"""The web view in headless Debian Chromium: pages as a browser builds them, and the
screenshots in docs/ for the README.

    .venv/bin/python -m tests.web.browser          # writes docs/web-timeline.png,
                                                   # docs/web-search.png, docs/web-statement.png
    .venv/bin/python -m tests.web.browser --out /tmp/shots

The seeded store (tests/web/support.py) is served on 127.0.0.1 by uvicorn in a thread;
Chromium runs with background networking off and nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from monitor.config import Settings
from monitor.store import Store
from monitor.web import WebServer
from monitor.web.links import statement_path
from tests.digest.screenshot import CHROMIUM_FLAGS, chromium
from tests.web.support import Seeded, make_settings, seed

ROOT = Path(__file__).resolve().parents[2]
SEARCH = "/search?q=sanciones+OR+%D1%81%D0%B0%D0%BD%D0%BA%D1%86%D0%B8%D0%B8"  # sanciones OR санкции


@contextmanager
def serving(settings: Settings, store: Store) -> Iterator[str]:
    """The web view over `store` on a free loopback port, in a thread; yields its URL."""
    loop = asyncio.new_event_loop()
    server = WebServer(settings, store)
    started = threading.Event()
    stop = asyncio.Event()

    async def run() -> None:
        await server.start()
        started.set()
        await stop.wait()
        await server.stop()

    thread = threading.Thread(target=loop.run_until_complete, args=(run(),), daemon=True)
    thread.start()
    if not started.wait(20):
        raise RuntimeError("the web view did not start")
    try:
        yield server.url
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(20)
        loop.close()


def _browser() -> str:
    browser = chromium()
    if browser is None:
        raise SystemExit("chromium is not installed (Debian: apt-get install chromium)")
    return browser


def dump_dom(url: str, width: int = 1200, height: int = 1400) -> str:
    """The page's DOM after Chromium loaded it (CSP applied, as a reader's browser would)."""
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [
                _browser(),
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                "--dump-dom",
                url,
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
    return done.stdout


def screenshot(url: str, png: Path, width: int = 1200, height: int = 1400) -> None:
    png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                _browser(),
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--screenshot={png}",
                f"--window-size={width},{height}",
                url,
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )


def pages(seeded: Seeded) -> dict[str, str]:
    """The three pages the README shows, by screenshot name."""
    return {
        "web-timeline": "/",
        "web-search": SEARCH,
        "web-statement": statement_path(seeded.statement),
    }


def shoot(out: Path, work: Path) -> list[Path]:
    settings = make_settings(work / "data")
    store = Store.open(settings.monitor.data_dir)
    try:
        seeded = seed(store, hostile_post=False)  # the hostile post is for the tests
        with serving(settings, store) as base:
            written = []
            for name, path in pages(seeded).items():
                png = out / f"{name}.png"
                screenshot(base + path, png, height=1000 if name == "web-statement" else 900)
                written.append(png)
    finally:
        store.close()
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for png in shoot(args.out, Path(tmp)):
            print(f"wrote {png}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
