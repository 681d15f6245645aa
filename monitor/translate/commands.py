"""`monitor translate` and `monitor models list|install|ensure`.

Each returns an exit code (0 ok, 1 failure, 2 usage or config error) and prints
errors to stderr as one sentence, never a traceback.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from monitor.config import Settings
from monitor.errors import TranslationError
from monitor.translate import archive, download
from monitor.translate import packages as pkgs
from monitor.translate.engine import ArgosTranslator, DecodingOptions

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
_CODE = re.compile(r"^[a-z]{2,3}$")


def run_translate_command(
    settings: Settings,
    source: str,
    target: str,
    texts: Iterable[str],
    out: TextIO | None = None,
) -> int:
    """Print one JSON object per input: text, translation, from, to, model (or error)."""
    out = out or sys.stdout
    for code in (source, target):
        if not _CODE.match(code):
            return _error(f'"{code}" is not a language code like "es"', EXIT_USAGE)
    translator = ArgosTranslator(DecodingOptions.from_settings(settings.translation))
    model = translator.model_for(source, target) if source != target else "identity"
    if model is None:
        return _error(
            f"no translation model for {source}->{target} is installed; run"
            f" `monitor models install {source}` (or `--file X.argosmodel` offline)",
            EXIT_FAILED,
        )
    status = EXIT_OK
    try:
        for text in texts:
            record: dict[str, object] = {"text": text, "from": source, "to": target}
            try:
                record["translation"] = translator.translate([text], source, target)[0]
                record["model"] = model
            except TranslationError as error:
                record["error"] = str(error)
                status = EXIT_FAILED
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            out.flush()
    finally:
        translator.close()
    return status


def models_list(settings: Settings, out: TextIO | None = None) -> int:
    """Installed pairs: pair, package version, size, path (one line each)."""
    out = out or sys.stdout
    dirs = pkgs.argos_dirs()
    installed = sorted(pkgs.scan(dirs.packages), key=lambda p: (p.pair, p.package_version))
    if not installed:
        print(
            f"no translation models in {dirs.install_dir}; install them with"
            f" `monitor models install {' '.join(settings.languages.translate)}`",
            file=sys.stderr,
        )
        return EXIT_OK
    in_use = pkgs.best_by_pair(installed)
    for package in installed:
        mark = "" if in_use[(package.from_code, package.to_code)] == package else "  (superseded)"
        size = package.size_bytes() / 1e6
        out.write(
            f"{package.from_code}->{package.to_code}\t{package.package_version}\t"
            f"{size:.1f} MB\t{package.path}{mark}\n"
        )
    return EXIT_OK


def models_install(settings: Settings, langs: list[str], file: Path | None) -> int:
    """Install from a .argosmodel file, or each `lang -> target` pair from the package index."""
    dirs = pkgs.argos_dirs()
    target = settings.languages.target
    try:
        if file is not None:
            installed = archive.install_archive(file, dirs)
            _installed(installed)
        bad = [code for code in langs if not _CODE.match(code)]
        if bad:
            return _error(f'"{bad[0]}" is not a language code like "es"', EXIT_USAGE)
        pairs = [code for code in langs if code != target]
        if pairs:
            entries = download.fetch_index(
                settings.translation.package_index, dirs, settings.monitor.user_agent
            )
            for code in pairs:
                _install_from_index(settings, entries, code, target, dirs)
    except TranslationError as error:
        return _error(str(error), EXIT_FAILED)
    return EXIT_OK


def models_ensure(settings: Settings) -> int:
    """Install the configured pairs that are missing, when the index is reachable (`make run`)."""
    if not settings.translation.enabled:
        return EXIT_OK
    dirs = pkgs.argos_dirs()
    target = settings.languages.target
    have = pkgs.best_by_pair(pkgs.scan(dirs.packages))
    missing = [c for c in settings.languages.translate if c != target and (c, target) not in have]
    if not missing:
        log.info("translation models present for %s", _pairs(settings.languages.translate, target))
        return EXIT_OK
    later = (
        f"install them later with `monitor models install {' '.join(missing)}`"
        " or, offline, `monitor models install --file X.argosmodel`"
    )
    if not settings.translation.auto_install:
        log.warning("no translation model for %s (auto_install is off); %s",
                    _pairs(missing, target), later)  # fmt: skip
        return EXIT_OK
    try:
        entries = download.fetch_index(
            settings.translation.package_index, dirs, settings.monitor.user_agent
        )
    except TranslationError as error:
        log.warning("no translation model for %s and %s; %s", _pairs(missing, target),
                    str(error).split(" (")[0], later)  # fmt: skip
        return EXIT_OK
    try:
        for code in missing:
            _install_from_index(settings, entries, code, target, dirs)
    except TranslationError as error:
        return _error(str(error), EXIT_FAILED)
    return EXIT_OK


def _install_from_index(
    settings: Settings,
    entries: list[download.IndexEntry],
    source: str,
    target: str,
    dirs: pkgs.ArgosDirs,
) -> None:
    entry = download.find_entry(entries, source, target)
    progress = download.ProgressBar(f"downloading {entry.name}")
    path = download.download(entry, dirs.downloads, settings.monitor.user_agent, progress)
    try:
        _installed(archive.install_archive(path, dirs))
    finally:
        path.unlink(missing_ok=True)


def _installed(package: pkgs.InstalledPackage) -> None:
    print(
        f"installed {package.name} ({package.from_code}->{package.to_code}) in {package.path}",
        file=sys.stderr,
    )


def _pairs(codes: Iterable[str], target: str) -> str:
    return ", ".join(f"{code}->{target}" for code in codes)


def _error(message: str, code: int) -> int:
    print(f"monitor: error: {message}", file=sys.stderr)
    return code
