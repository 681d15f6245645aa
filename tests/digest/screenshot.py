"""Render the sample digest (testdata/posts.json) and screenshot it in headless Chromium.

    .venv/bin/python -m tests.digest.screenshot            # writes docs/digest.png
    .venv/bin/python -m tests.digest.screenshot --html /tmp/digest.html --out /tmp/digest.png

Needs `chromium` on PATH (Debian: `apt-get install chromium`). Nothing leaves the machine:
the page has no remote resources and Chromium runs with background networking off.
"""

from __future__ import annotations

import argparse
import html as html_lib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from monitor.digest.commands import digest_preview
from monitor.record import parse_time, utcnow
from monitor.sources.base import SourceState
from monitor.store import Store
from tests.digest.support import SAMPLE_DAY, add_failure, add_post, make_settings, seed

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
)


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def sample_digest(work: Path, html: Path, extra: Sequence[dict[str, Any]] = ()) -> date:
    """Seed a store under `work` with the samples (and `extra` ones) moved to yesterday;
    preview that day to `html`."""
    settings = make_settings(work / "data")
    zone = ZoneInfo(settings.monitor.timezone)
    day = utcnow().astimezone(zone).date() - timedelta(days=1)
    shift = timedelta(days=(day - date.fromisoformat(SAMPLE_DAY)).days)
    store = Store.open(settings.monitor.data_dir)
    try:
        seed(store, shift)
        for sample in extra:
            collected = parse_time(sample["published_at"]) + shift + timedelta(minutes=3)
            add_post(store, sample, collected)
            if "edited_text" in sample:
                edited = collected + timedelta(minutes=20)
                add_post(store, sample, edited, text=sample["edited_text"])
        noon = datetime.combine(day, datetime.min.time(), tzinfo=zone) + timedelta(hours=14)
        for minutes in (0, 30, 60):
            add_failure(
                store,
                "mppre-feed",
                noon + timedelta(minutes=minutes),
                "HTTP 503 Service Unavailable from mppre.gob.ve",
            )
        # A quiet account that was polled: "no posts", not "not polled".
        store.save_fetch("zakharova-telegram", "telegram", [], SourceState(), collected_at=noon)
        if digest_preview(settings, store, day, html) != 0:
            raise SystemExit("the preview failed")
    finally:
        store.close()
    return day


# Appended to a copy of the page: what a reader would see, measured by the browser itself.
PROBE = """
<pre id="probe-result"></pre>
<script>
(function () {
  var root = document.documentElement;
  var hrefs = Array.prototype.map.call(document.querySelectorAll("a[href]"),
                                       function (a) { return a.getAttribute("href"); });
  var handlers = document.querySelectorAll(
    "[onerror],[onload],[onclick],[onmouseover],iframe,object,embed,form,svg script");
  document.getElementById("probe-result").textContent = JSON.stringify({
    title: document.title,
    scroll_width: root.scrollWidth,
    client_width: root.clientWidth,
    scripts: document.scripts.length,
    handlers: handlers.length,
    hrefs: hrefs,
    inserted: Array.prototype.map.call(document.querySelectorAll("ins"),
                                       function (e) { return e.textContent; }),
    text: document.body.innerText
  });
})();
</script>
"""


def probe(html: Path, width: int = 600, height: int = 900) -> dict[str, Any]:
    """Load a copy of `html` in headless Chromium at `width` px and report what it shows."""
    browser = chromium()
    if browser is None:
        raise SystemExit("chromium is not installed (Debian: apt-get install chromium)")
    page = html.read_text("utf-8")
    probed = html.with_name(f"probed-{html.name}")
    probed.write_text(page.replace("</body>", PROBE + "</body>"), "utf-8")
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [
                browser,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                "--dump-dom",
                probed.resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
    found = re.search(r'<pre id="probe-result">(.*?)</pre>', done.stdout, re.S)
    if found is None:
        raise AssertionError(f"the probe did not run: {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(html_lib.unescape(found.group(1)))
    return result


def screenshot(html: Path, png: Path, width: int = 1000, height: int = 1600) -> None:
    browser = chromium()
    if browser is None:
        raise SystemExit("chromium is not installed (Debian: apt-get install chromium)")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                browser,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--screenshot={png}",
                f"--window-size={width},{height}",
                html.resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "digest.png")
    parser.add_argument("--html", type=Path, default=None, help="also keep the HTML here")
    parser.add_argument("--height", type=int, default=1600)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        html = args.html or work / "digest.html"
        sample_digest(work, html)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        screenshot(html, args.out, height=args.height)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
