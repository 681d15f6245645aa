"""The Argos package index and package downloads, streamed under a byte cap.

argostranslate's own index and download code is avoided on purpose: with no
reachable index and no cached `index.json`, `get_available_packages()` recurses
until RecursionError; its downloads have no timeout and no size limit; and a cached
download with the same file name is never fetched again. Here the index and the
package are streamed with httpx (timeouts, a byte cap, progress on stderr) into
memory or a fresh temporary file; `archive.install_archive` then checks and installs.

A package link must be https, unless the index itself is local (a `file://` index,
or one on a loopback address): air-gapped mirrors may serve plain http or files.
"""

from __future__ import annotations

import io
import ipaddress
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import httpx

from monitor.errors import TranslationError
from monitor.translate import packages as pkgs
from monitor.translate.archive import LIMITS, MiB, human_size

log = logging.getLogger(__name__)

INDEX_TIMEOUT = httpx.Timeout(15.0, connect=10.0)
DOWNLOAD_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
MAX_INDEX_BYTES = 10 * MiB  # the real index is about 100 KB
MAX_PACKAGE_BYTES = LIMITS.total_bytes  # a download is never larger than what it unpacks to
_OFFLINE_REMEDY = (
    "check [translation] package_index, or install offline with"
    " `monitor models install --file X.argosmodel`"
)


@dataclass(frozen=True, slots=True)
class IndexEntry:
    from_code: str
    to_code: str
    package_version: str
    links: tuple[str, ...]
    type: str = "translate"
    index_url: str = ""  # where the entry was listed: decides which links are acceptable

    @property
    def name(self) -> str:
        return f"{self.type}-{self.from_code}_{self.to_code}-{self.package_version}"


Progress = Callable[[int, int | None], None]


class TooLarge(Exception):
    def __init__(self, cap: int) -> None:
        super().__init__(f"larger than the {human_size(cap)} cap")


def fetch_index(base_url: str, dirs: pkgs.ArgosDirs, user_agent: str) -> list[IndexEntry]:
    """GET `<base>index.json` and keep a copy where argostranslate looks for it."""
    url = pkgs.package_index_url(base_url) + "index.json"
    body = io.BytesIO()
    try:
        fetch(url, body, user_agent, MAX_INDEX_BYTES, INDEX_TIMEOUT)
    except TooLarge as error:
        raise TranslationError(
            f"refusing the package index {url}: it is {error}", remedy=_OFFLINE_REMEDY
        ) from None
    except httpx.HTTPStatusError as error:
        raise TranslationError(
            f"the package index {url} answered HTTP {error.response.status_code}",
            remedy=_OFFLINE_REMEDY,
        ) from None
    except (httpx.HTTPError, OSError, ValueError) as error:
        raise TranslationError(
            f"cannot reach the package index {url}: {_describe(error)}", remedy=_OFFLINE_REMEDY
        ) from None
    entries = parse_index(body.getvalue(), url)
    try:
        dirs.data.mkdir(parents=True, exist_ok=True)
        dirs.local_index.write_bytes(body.getvalue())
    except OSError as error:
        log.warning("could not keep a copy of the package index in %s: %s", dirs.data, error)
    return entries


def parse_index(body: bytes, url: str) -> list[IndexEntry]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise TranslationError(
            f"the package index {url} is not JSON", remedy=_OFFLINE_REMEDY
        ) from None
    if not isinstance(data, list):
        raise TranslationError(
            f"the package index {url} is not a list of packages", remedy=_OFFLINE_REMEDY
        )
    entries: list[IndexEntry] = []
    for item in data:
        if not isinstance(item, dict):
            continue
        links = item.get("links")
        from_code, to_code = item.get("from_code"), item.get("to_code")
        if not (isinstance(from_code, str) and isinstance(to_code, str)):
            continue
        if not isinstance(links, list) or not links:
            continue
        try:
            version = pkgs.checked_version(item.get("package_version"))
        except ValueError as error:
            log.warning("skipping %s->%s in the package index: %s", from_code, to_code, error)
            continue
        entries.append(
            IndexEntry(
                from_code=from_code,
                to_code=to_code,
                package_version=version,
                links=tuple(str(link) for link in links),
                type=str(item.get("type") or "translate"),
                index_url=url,
            )
        )
    return entries


def find_entry(entries: list[IndexEntry], source: str, target: str) -> IndexEntry:
    matches = [
        e for e in entries if (e.from_code, e.to_code, e.type) == (source, target, "translate")
    ]
    if not matches:
        offered = sorted({e.from_code for e in entries if e.to_code == target})
        raise TranslationError(
            f"the package index has no {source}->{target} package",
            remedy=f"languages it offers into {target}: {', '.join(offered) or 'none'}",
        )
    return max(matches, key=lambda e: pkgs.version_key(e.package_version))


def is_local(url: str) -> bool:
    """A `file://` URL, or http(s) on a loopback address."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        return True
    host = parts.hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def link_refusal(index_url: str, link: str) -> str | None:
    """Why `link`, listed in the index at `index_url`, must not be fetched (None: it may)."""
    scheme = urlsplit(link).scheme
    if scheme == "https":
        return None
    if scheme == "http":
        return None if is_local(index_url) else "a plain http link from a remote index"
    if scheme == "file":
        if urlsplit(index_url).scheme == "file":
            return None
        return "a file link from a remote index"
    return "not an https link"


def download(entry: IndexEntry, directory: Path, user_agent: str, progress: Progress) -> Path:
    """Download to a fresh temporary file in `directory` (never reusing an old download)."""
    directory.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    for link in entry.links:
        refusal = link_refusal(entry.index_url, link)
        if refusal:
            errors.append(f"{link}: refused, {refusal}")
            continue
        handle, name = tempfile.mkstemp(
            prefix=f"{entry.name}-", suffix=".argosmodel", dir=directory
        )
        path = Path(name)
        try:
            with os.fdopen(handle, "wb") as out:
                fetch(link, out, user_agent, MAX_PACKAGE_BYTES, DOWNLOAD_TIMEOUT, progress,
                      index_url=entry.index_url)  # fmt: skip
            return path
        except (httpx.HTTPError, OSError, ValueError, TooLarge) as error:
            path.unlink(missing_ok=True)
            errors.append(f"{link}: {_describe(error)}")
    raise TranslationError(
        f"cannot download {entry.name}: {'; '.join(errors) or 'no links'}",
        remedy=_OFFLINE_REMEDY,
    )


def fetch(
    url: str,
    out: IO[bytes],
    user_agent: str,
    cap: int,
    timeout: httpx.Timeout,
    progress: Progress | None = None,
    index_url: str | None = None,
) -> None:
    """Stream `url` (http(s) or file) into `out`, raising TooLarge past `cap` bytes."""
    progress = progress or (lambda done, total: None)
    if urlsplit(url).scheme == "file":
        with open(url2pathname(urlsplit(url).path), "rb") as source:
            _copy(iter(lambda: source.read(1 << 16), b""), out, cap, None, progress)
        return
    headers = {"User-Agent": user_agent}

    def each_hop(request: httpx.Request) -> None:
        # Checked before every redirect is followed, not once at the end of the chain.
        hop = str(request.url)
        refusal = link_refusal(index_url, hop) if index_url is not None else None
        if refusal and hop != url:
            raise ValueError(f"redirected to {hop}, {refusal}")

    hooks = {"request": [each_hop]}
    with (
        httpx.Client(
            timeout=timeout, headers=headers, follow_redirects=True, event_hooks=hooks
        ) as client,
        client.stream("GET", url) as response,
    ):
        response.raise_for_status()
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() and len(length) < 20 else None
        if total is not None and total > cap:
            raise TooLarge(cap)
        _copy(response.iter_bytes(1 << 16), out, cap, total, progress)


def _copy(chunks: Any, out: IO[bytes], cap: int, total: int | None, progress: Progress) -> None:
    done = 0
    progress(0, total)
    for chunk in chunks:
        done += len(chunk)
        if done > cap:
            raise TooLarge(cap)
        out.write(chunk)
        progress(done, total)


def _describe(error: BaseException) -> str:
    if isinstance(error, httpx.HTTPStatusError):
        return f"HTTP {error.response.status_code}"
    if isinstance(error, httpx.TimeoutException):
        return "timed out"
    return str(error) or type(error).__name__


class ProgressBar:
    """`name  42% 12.3/29.1 MB` on stderr: redrawn in place on a terminal, every 25% otherwise."""

    def __init__(self, label: str, stream: Any = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_step = -1
        self._last_draw = 0.0

    def __call__(self, done: int, total: int | None) -> None:
        mb = done / 1e6
        if total:
            percent = min(100, done * 100 // total)
            text = f"{self.label} {percent:3d}% {mb:.1f}/{total / 1e6:.1f} MB"
            step = percent // 25
        else:
            text = f"{self.label} {mb:.1f} MB"
            step = int(mb // 10)
        finished = total is not None and done >= total
        if self._tty:
            now = time.monotonic()
            if finished or now - self._last_draw > 0.1:
                self._last_draw = now
                self.stream.write("\r" + text + ("\n" if finished else ""))
                self.stream.flush()
        elif step != self._last_step or finished:
            self._last_step = step
            self.stream.write(text + "\n")
            self.stream.flush()
