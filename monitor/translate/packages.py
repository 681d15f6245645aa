"""Installed Argos Translate packages, found the way argostranslate finds them.

This reads the packages directory and each `metadata.json` itself instead of
importing `argostranslate`: its settings module creates directories under $HOME
and freezes its paths at import time, and one broken package directory makes its
`get_installed_packages()` raise for all of them. The directory is resolved with
argostranslate's rules: `ARGOS_PACKAGES_DIR` (environment, then its settings.json),
else `$XDG_DATA_HOME/argos-translate/packages`, else
`~/.local/share/argos-translate/packages` (`$SNAP_USER_DATA` as home under snap).
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_INDEX = "https://raw.githubusercontent.com/argosopentech/argospm-index/main/"
# Installs extract into `<packages dir>/.monitor-install-*` before swapping the package in;
# discovery skips these folders, whole or half-extracted.
TEMP_PREFIX = ".monitor-install-"
MAX_METADATA_BYTES = 1 << 20  # real metadata.json files are about 1 KB
MAX_VERSION_CHARS = 64  # int() refuses over 4,300 digits; real versions are like "1.9"
MAX_CODE_CHARS = 16
_warned: set[tuple[Path, str]] = set()


class NotTranslation(ValueError):
    """metadata.json describes another kind of Argos package (e.g. a sentence splitter)."""


@dataclass(frozen=True, slots=True)
class PackageMetadata:
    type: str
    from_code: str
    to_code: str
    package_version: str
    argos_version: str
    from_name: str
    to_name: str
    target_prefix: str


@dataclass(frozen=True, slots=True)
class ArgosDirs:
    data: Path
    config: Path
    cache: Path
    packages: tuple[Path, ...]

    @property
    def install_dir(self) -> Path:
        return self.packages[0]

    @property
    def local_index(self) -> Path:
        return self.data / "index.json"

    @property
    def downloads(self) -> Path:
        return self.cache / "downloads"


@dataclass(frozen=True, slots=True)
class InstalledPackage(PackageMetadata):
    path: Path

    @property
    def pair(self) -> str:
        return f"{self.from_code}_{self.to_code}"

    @property
    def name(self) -> str:
        """`translate-es_en-1.9`: argospm's package name plus the package version."""
        return f"{self.type}-{self.pair}-{self.package_version}"

    @property
    def model_dir(self) -> Path:
        return self.path / "model"

    @property
    def sentencepiece(self) -> Path:
        return self.path / "sentencepiece.model"

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file())


def argos_dirs(env: Mapping[str, str] | None = None) -> ArgosDirs:
    env = os.environ if env is None else env
    home = Path(env["SNAP_USER_DATA"]) if "SNAP" in env and "SNAP_USER_DATA" in env else _home(env)
    data = Path(env.get("XDG_DATA_HOME") or home / ".local" / "share") / "argos-translate"
    config = Path(env.get("XDG_CONFIG_HOME") or home / ".config") / "argos-translate"
    cache = Path(env.get("XDG_CACHE_HOME") or home / ".local" / "cache") / "argos-translate"
    configured = env.get("ARGOS_PACKAGES_DIR") or _settings_json(config).get("ARGOS_PACKAGES_DIR")
    packages = [Path(configured) if configured else data / "packages"]
    if "SNAP" in env:
        snap = Path(env["SNAP"]) / "snap_custom"
        if (snap / "packages").is_dir():
            packages.append(snap / "packages")
        content = snap / "content_snap_packages"
        if content.is_dir():
            packages += sorted(p for p in content.iterdir() if p.is_dir())
    return ArgosDirs(data, config, cache, tuple(packages))


def package_index_url(configured: str, env: Mapping[str, str] | None = None) -> str:
    """The index base URL, always with its trailing slash (argostranslate appends `index.json`)."""
    env = os.environ if env is None else env
    url = configured or env.get("ARGOS_PACKAGE_INDEX") or DEFAULT_INDEX
    return url if url.endswith("/") else url + "/"


def scan(directories: Iterable[Path]) -> list[InstalledPackage]:
    """Every readable translate package; broken directories are logged once and skipped."""
    found: list[InstalledPackage] = []
    for directory in directories:
        try:
            children = sorted(
                p for p in directory.iterdir() if p.is_dir() and not p.name.startswith(TEMP_PREFIX)
            )
        except OSError:
            continue
        for child in children:
            package = read_package(child)
            if package is not None:
                found.append(package)
    return found


def read_package(path: Path) -> InstalledPackage | None:
    try:
        with (path / "metadata.json").open("rb") as file:
            raw = file.read(MAX_METADATA_BYTES + 1)
    except FileNotFoundError:
        _warn_once(path, "has no metadata.json")
        return None
    except OSError as error:
        _warn_once(path, f"has an unreadable metadata.json ({error})")
        return None
    try:
        meta = parse_metadata(raw)
    except NotTranslation:
        return None
    except ValueError as error:
        _warn_once(path, f"has an unusable metadata.json ({error})")
        return None
    if not (path / "sentencepiece.model").is_file() or not (path / "model" / "model.bin").is_file():
        _warn_once(path, "lacks sentencepiece.model or model/model.bin, so it cannot be used")
        return None
    return InstalledPackage(**asdict(meta), path=path)


def parse_metadata(raw: bytes) -> PackageMetadata:
    """Validate a package's metadata.json; ValueError says what is wrong with it."""
    if len(raw) > MAX_METADATA_BYTES:
        raise ValueError(f"it is larger than {MAX_METADATA_BYTES >> 20} MiB")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as error:
        raise ValueError(f"it is not valid JSON: {str(error)[:200]}") from None
    if not isinstance(data, dict):
        raise ValueError("it is not a JSON object")
    kind = data.get("type") or "translate"
    if kind != "translate":
        raise NotTranslation(f"it describes a {str(kind)[:40]!r} package, not a translation one")
    codes = data.get("from_code"), data.get("to_code")
    if not all(isinstance(c, str) and 0 < len(c) <= MAX_CODE_CHARS for c in codes):
        raise ValueError("from_code/to_code are missing or not short strings")
    return PackageMetadata(
        type="translate",
        from_code=str(codes[0]),
        to_code=str(codes[1]),
        package_version=checked_version(data.get("package_version")),
        argos_version=_text(data.get("argos_version")),
        from_name=_text(data.get("from_name")),
        to_name=_text(data.get("to_name")),
        target_prefix=_text(data.get("target_prefix")),
    )


def checked_version(value: object) -> str:
    """A package version as text, refused when it is not a short string or number."""
    if value is None or value == "":
        return "0"
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("package_version is not a string")
    version = str(value)
    if len(version) > MAX_VERSION_CHARS:
        raise ValueError(f"package_version is {len(version):,} characters long")
    return version


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else ""


def best_by_pair(packages: Iterable[InstalledPackage]) -> dict[tuple[str, str], InstalledPackage]:
    """One package per (from, to): the highest package version wins."""
    best: dict[tuple[str, str], InstalledPackage] = {}
    for package in packages:
        key = (package.from_code, package.to_code)
        current = best.get(key)
        if current is None or version_key(package.package_version) > version_key(
            current.package_version
        ):
            best[key] = package
    return best


def version_key(version: str) -> tuple[int, ...]:
    """Numeric parts for ordering; never raises (over-long versions are cut, not parsed whole)."""
    return tuple(int(part) for part in re.findall(r"\d+", version[:MAX_VERSION_CHARS])) or (0,)


def _home(env: Mapping[str, str]) -> Path:
    return Path(env["HOME"]) if env.get("HOME") else Path.home()


def _settings_json(config: Path) -> dict[str, str]:
    try:
        data = json.loads((config / "settings.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _warn_once(path: Path, problem: str) -> None:
    if (path, problem) not in _warned:
        _warned.add((path, problem))
        log.warning(
            "ignoring %s: it %s; reinstall it with `monitor models install --file X.argosmodel`",
            path,
            problem,
        )
