"""Argos package management: the index, downloads, archive checks and installation.

argostranslate's own index and download code is avoided on purpose: with no
reachable index and no cached `index.json`, `get_available_packages()` recurses
until RecursionError; its downloads have no timeout; and a cached download with
the same file name is never fetched again. Here the index and the package are
fetched with httpx (timeouts, progress on stderr), the archive is checked, and
only then is it handed to `argostranslate.package.install_from_path`.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import stat
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

import httpx

from monitor.errors import TranslationError
from monitor.translate import packages as pkgs

log = logging.getLogger(__name__)

INDEX_TIMEOUT = httpx.Timeout(15.0, connect=10.0)
DOWNLOAD_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
MAX_INDEX_BYTES = 10 * 1024 * 1024
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

    @property
    def name(self) -> str:
        return f"{self.type}-{self.from_code}_{self.to_code}-{self.package_version}"


@dataclass(frozen=True, slots=True)
class ArchiveInfo:
    folder: str
    from_code: str
    to_code: str
    package_version: str


Progress = Callable[[int, int | None], None]


def fetch_index(base_url: str, dirs: pkgs.ArgosDirs, user_agent: str) -> list[IndexEntry]:
    """GET `<base>index.json` and keep a copy where argostranslate looks for it."""
    url = pkgs.package_index_url(base_url) + "index.json"
    try:
        with httpx.Client(timeout=INDEX_TIMEOUT, headers={"User-Agent": user_agent}) as client:
            response = client.get(url, follow_redirects=True)
            response.raise_for_status()
            body = response.content[:MAX_INDEX_BYTES]
    except httpx.HTTPStatusError as error:
        raise TranslationError(
            f"the package index {url} answered HTTP {error.response.status_code}",
            remedy=_OFFLINE_REMEDY,
        ) from None
    except httpx.HTTPError as error:
        raise TranslationError(
            f"cannot reach the package index {url}: {error or type(error).__name__}",
            remedy=_OFFLINE_REMEDY,
        ) from None
    entries = parse_index(body, url)
    try:
        dirs.data.mkdir(parents=True, exist_ok=True)
        dirs.local_index.write_bytes(body)
    except OSError as error:
        log.warning("could not keep a copy of the package index in %s: %s", dirs.data, error)
    return entries


def parse_index(body: bytes, url: str) -> list[IndexEntry]:
    try:
        data = json.loads(body)
    except ValueError:
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
        entries.append(
            IndexEntry(
                from_code=from_code,
                to_code=to_code,
                package_version=str(item.get("package_version") or "0"),
                links=tuple(str(link) for link in links),
                type=str(item.get("type") or "translate"),
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


def download(entry: IndexEntry, directory: Path, user_agent: str, progress: Progress) -> Path:
    """Download to a fresh temporary file in `directory` (never reusing an old download)."""
    directory.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    for link in entry.links:
        if not link.startswith(("http://", "https://")):
            errors.append(f"{link}: not an http(s) link")
            continue
        handle, name = tempfile.mkstemp(
            prefix=f"{entry.name}-", suffix=".argosmodel", dir=directory
        )
        path = Path(name)
        try:
            with os.fdopen(handle, "wb") as out:
                _stream(link, out, user_agent, progress)
            return path
        except (httpx.HTTPError, OSError) as error:
            path.unlink(missing_ok=True)
            errors.append(f"{link}: {_describe(error)}")
    raise TranslationError(
        f"cannot download {entry.name}: {'; '.join(errors) or 'no links'}",
        remedy=_OFFLINE_REMEDY,
    )


def _stream(url: str, out: IO[bytes], user_agent: str, progress: Progress) -> None:
    headers = {"User-Agent": user_agent}
    with (
        httpx.Client(timeout=DOWNLOAD_TIMEOUT, headers=headers, follow_redirects=True) as client,
        client.stream("GET", url) as response,
    ):
        response.raise_for_status()
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        done = 0
        progress(0, total)
        for chunk in response.iter_bytes(1 << 16):
            out.write(chunk)
            done += len(chunk)
            progress(done, total)


def _describe(error: Exception) -> str:
    if isinstance(error, httpx.HTTPStatusError):
        return f"HTTP {error.response.status_code}"
    if isinstance(error, httpx.TimeoutException):
        return "timed out"
    return str(error) or type(error).__name__


def check_archive(path: Path) -> ArchiveInfo:
    """Refuse all but a zip with one folder holding metadata.json, model/, sentencepiece.model."""
    if not path.is_file():
        raise TranslationError(f"{path} does not exist or is not a file")
    if not zipfile.is_zipfile(path):
        raise TranslationError(
            f"{path} is not an Argos package (not a zip archive)",
            remedy="download the .argosmodel file again",
        )
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            folder = _single_folder(path, members)
            names = {m.filename.rstrip("/") for m in members}
            required = ("metadata.json", "sentencepiece.model", "model/model.bin")
            missing = [n for n in required if f"{folder}/{n}" not in names]
            if missing:
                raise TranslationError(
                    f"{path} is not a usable Argos package: {folder}/ lacks {', '.join(missing)}",
                    remedy="only CTranslate2 packages with a SentencePiece model are supported",
                )
            metadata = json.loads(archive.read(f"{folder}/metadata.json"))
    except zipfile.BadZipFile as error:
        raise TranslationError(f"{path} is a damaged zip archive: {error}") from None
    except ValueError:
        raise TranslationError(f"{path}: metadata.json is not valid JSON") from None
    if not isinstance(metadata, dict):
        raise TranslationError(f"{path}: metadata.json is not a JSON object")
    from_code, to_code = metadata.get("from_code"), metadata.get("to_code")
    if not isinstance(from_code, str) or not isinstance(to_code, str):
        raise TranslationError(f"{path}: metadata.json lacks from_code/to_code")
    if str(metadata.get("type") or "translate") != "translate":
        raise TranslationError(f"{path} is not a translation package")
    version = str(metadata.get("package_version") or "0")
    return ArchiveInfo(folder, from_code, to_code, version)


def _single_folder(path: Path, members: list[zipfile.ZipInfo]) -> str:
    tops: set[str] = set()
    for member in members:
        name = member.filename
        pure = PurePosixPath(name.replace("\\", "/"))
        if (
            name.startswith(("/", "\\"))
            or (len(name) > 1 and name[1] == ":")
            or ".." in pure.parts
            or "\x00" in name
        ):
            raise TranslationError(
                f"refusing {path}: it holds an unsafe path {name!r} (absolute or with ..)",
                remedy="only install packages from a source you trust",
            )
        if stat.S_ISLNK(member.external_attr >> 16):
            raise TranslationError(
                f"refusing {path}: it holds a symbolic link {name!r}",
                remedy="only install packages from a source you trust",
            )
        tops.add(pure.parts[0] if pure.parts else "")
        if len(pure.parts) == 1 and not member.is_dir():
            raise TranslationError(
                f"{path} is not an Argos package: {name!r} lies outside its one top-level folder"
            )
    if len(tops) != 1 or "" in tops:
        raise TranslationError(
            f"{path} is not an Argos package: it must hold exactly one top-level folder,"
            f" not {len(tops)}"
        )
    return tops.pop()


def install_archive(path: Path, dirs: pkgs.ArgosDirs) -> pkgs.InstalledPackage:
    """Check the archive, then install it with argostranslate into `dirs.install_dir`."""
    info = check_archive(path)
    target = dirs.install_dir
    target.mkdir(parents=True, exist_ok=True)
    previous = target / info.folder
    if previous.exists():
        shutil.rmtree(previous)
    _argos_install(path, target)
    installed = pkgs.read_package(target / info.folder)
    if installed is None:
        raise TranslationError(f"{path} was extracted to {target / info.folder} but is not usable")
    return installed


def _argos_install(path: Path, target: Path) -> None:
    import argostranslate.package as argos_package
    import argostranslate.settings as argos_settings

    argos_settings.package_data_dir = target
    try:
        argos_package.install_from_path(path)
    except Exception as error:  # argostranslate raises bare Exception
        raise TranslationError(f"argostranslate could not install {path}: {error}") from None


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
