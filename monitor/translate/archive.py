"""Checking and installing `.argosmodel` archives, without argostranslate.

An Argos package is a zip holding one folder. argostranslate's `install_from_path`
extracts it into the packages directory, giving `<packages dir>/<folder>/`; the same
layout is produced here, so argostranslate finds packages the monitor installed and
the other way round. The archive is checked before anything is written (names,
links, sizes, compression ratios, metadata), extracted into a temporary folder
beside the target while counting the bytes actually written, and swapped in with
`os.replace` only when complete: a failure at any point leaves the previously
installed package as it was.
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
import struct
import tempfile
import time
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from monitor.errors import TranslationError
from monitor.translate import packages as pkgs

log = logging.getLogger(__name__)

MiB = 1 << 20
GiB = 1 << 30
STALE_SECONDS = 3600.0  # a temporary folder this old belongs to an install that died
_TRUST = "only install packages from a source you trust"
_AGAIN = "download the .argosmodel file again"
# What zipfile and zlib raise on damaged or hostile bytes (bad CRC, truncated or
# inconsistent headers, unsupported features, undecodable names).
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    ValueError,
    NotImplementedError,
    RuntimeError,
    struct.error,
    OverflowError,
)


@dataclass(frozen=True, slots=True)
class Limits:
    """Real Argos packages unpack to 100-300 MB, in a dozen members."""

    total_bytes: int = 1 * GiB
    members: int = 1000
    ratio: int = 100  # a member inflating over 100:1 ...
    ratio_floor: int = 4 * MiB  # ... and past 4 MiB is a zip bomb, not a model
    metadata_bytes: int = pkgs.MAX_METADATA_BYTES


LIMITS = Limits()


@dataclass(frozen=True, slots=True)
class ArchiveInfo:
    folder: str
    from_code: str
    to_code: str
    package_version: str


def check_archive(path: Path, limits: Limits = LIMITS) -> ArchiveInfo:
    """Refuse all but a zip with one folder holding metadata.json, model/, sentencepiece.model."""
    with _checked(path, limits) as (_, info, _members):
        return info


def install_archive(
    path: Path, dirs: pkgs.ArgosDirs, limits: Limits = LIMITS
) -> pkgs.InstalledPackage:
    """Check, extract beside `dirs.install_dir/<folder>`, then swap it in atomically."""
    packages_dir = dirs.install_dir
    try:
        packages_dir.mkdir(parents=True, exist_ok=True)
        _clean_stale(packages_dir)
        staging = Path(tempfile.mkdtemp(prefix=pkgs.TEMP_PREFIX, dir=packages_dir))
    except OSError as error:
        raise TranslationError(
            f"cannot write to the packages directory {packages_dir}: {error}",
            remedy="check ARGOS_PACKAGES_DIR, its permissions and free space",
        ) from None
    try:
        with _checked(path, limits) as (archive, info, members):
            _extract(path, archive, members, staging / "new", limits)
        staged = staging / "new" / info.folder
        if pkgs.read_package(staged) is None:
            raise TranslationError(f"{path} holds no usable translation package", remedy=_AGAIN)
        final = packages_dir / info.folder
        _swap(staged, final, staging / "old")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    installed = pkgs.read_package(final)
    if installed is None:
        raise TranslationError(f"{path} was installed in {final} but cannot be read back")
    return installed


@contextmanager
def _checked(
    path: Path, limits: Limits
) -> Iterator[tuple[zipfile.ZipFile, ArchiveInfo, list[zipfile.ZipInfo]]]:
    if not path.is_file():
        raise TranslationError(f"{path} does not exist or is not a file")
    try:
        if not zipfile.is_zipfile(path):
            raise TranslationError(
                f"{path} is not an Argos package (not a zip archive)", remedy=_AGAIN
            )
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            info = _check_members(path, archive, members, limits)
            yield archive, info, members
    except _ZIP_ERRORS as error:
        raise TranslationError(
            f"{path} is a damaged zip archive: {str(error)[:200] or type(error).__name__}",
            remedy=_AGAIN,
        ) from None
    except OSError as error:
        raise TranslationError(f"cannot read {path}: {error}") from None


def _check_members(
    path: Path, archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], limits: Limits
) -> ArchiveInfo:
    if len(members) > limits.members:
        raise TranslationError(
            f"refusing {path}: it holds {len(members):,} files, more than the"
            f" {limits.members:,} a package may hold",
            remedy=_TRUST,
        )
    folder = _single_folder(path, members)
    total = 0
    for member in members:
        total += member.file_size
        _check_member(path, member, limits)
    if total > limits.total_bytes:
        raise TranslationError(
            f"refusing {path}: it unpacks to {total / MiB:,.0f} MiB, more than the"
            f" {human_size(limits.total_bytes)} cap",
            remedy="real Argos packages unpack to a few hundred MB; " + _TRUST,
        )
    by_name = {m.filename.rstrip("/"): m for m in members}
    required = ("metadata.json", "sentencepiece.model", "model/model.bin")
    missing = [name for name in required if f"{folder}/{name}" not in by_name]
    if missing:
        raise TranslationError(
            f"{path} is not a usable Argos package: {folder}/ lacks {', '.join(missing)}",
            remedy="only CTranslate2 packages with a SentencePiece model are supported",
        )
    meta = by_name[f"{folder}/metadata.json"]
    if meta.file_size > limits.metadata_bytes:
        raise TranslationError(
            f"refusing {path}: its metadata.json unpacks to {human_size(meta.file_size)}, more"
            f" than the {human_size(limits.metadata_bytes)} a metadata file may hold",
            remedy=_TRUST,
        )
    with archive.open(meta) as file:
        raw = file.read(limits.metadata_bytes + 1)
    try:
        metadata = pkgs.parse_metadata(raw)
    except pkgs.NotTranslation:
        raise TranslationError(f"{path} is not a translation package") from None
    except ValueError as error:
        raise TranslationError(f"{path}: metadata.json is unusable: {error}") from None
    return ArchiveInfo(folder, metadata.from_code, metadata.to_code, metadata.package_version)


def _check_member(path: Path, member: zipfile.ZipInfo, limits: Limits) -> None:
    name = member.filename
    if member.flag_bits & 0x1:
        raise TranslationError(f"refusing {path}: {name!r} is encrypted", remedy=_TRUST)
    if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise TranslationError(
            f"refusing {path}: {name!r} uses an unsupported compression method"
            f" ({member.compress_type})",
            remedy="Argos packages are plain (deflate) zip archives; " + _AGAIN,
        )
    if member.file_size > limits.ratio_floor and (
        member.file_size > limits.ratio * max(member.compress_size, 1)
    ):
        raise TranslationError(
            f"refusing {path}: {name!r} would inflate {human_size(member.compress_size)} to"
            f" {human_size(member.file_size)}, over the {limits.ratio}:1 compression ratio"
            " a real model has",
            remedy=_TRUST,
        )


def _single_folder(path: Path, members: list[zipfile.ZipInfo]) -> str:
    tops: set[str] = set()
    seen: set[tuple[str, ...]] = set()
    for member in members:
        name = member.filename
        pure = PurePosixPath(name)
        if (
            name.startswith("/")
            or "\\" in name
            or (len(name) > 1 and name[1] == ":")
            or ".." in pure.parts
            or any(ord(c) < 32 for c in name)
        ):
            raise TranslationError(
                f"refusing {path}: it holds an unsafe path {name!r} (absolute or with ..)",
                remedy=_TRUST,
            )
        if stat.S_ISLNK(member.external_attr >> 16):
            raise TranslationError(
                f"refusing {path}: it holds a symbolic link {name!r}", remedy=_TRUST
            )
        if pure.parts in seen:
            raise TranslationError(f"refusing {path}: it holds {name!r} twice", remedy=_TRUST)
        seen.add(pure.parts)
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
    folder = tops.pop()
    if folder.startswith(pkgs.TEMP_PREFIX):
        raise TranslationError(f"{path} is not an Argos package: bad folder name {folder!r}")
    return folder


def _extract(
    path: Path,
    archive: zipfile.ZipFile,
    members: list[zipfile.ZipInfo],
    destination: Path,
    limits: Limits,
) -> None:
    """Write each member, counting real bytes: never past its declared size or the cap."""
    written_total = 0
    for member in members:
        target = destination.joinpath(*PurePosixPath(member.filename).parts)
        try:
            if member.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as source, target.open("xb") as out:
                written = 0
                while chunk := source.read(MiB):
                    written += len(chunk)
                    written_total += len(chunk)
                    if written > member.file_size or written_total > limits.total_bytes:
                        raise TranslationError(
                            f"refusing {path}: {member.filename!r} inflates past its declared"
                            f" size or the {human_size(limits.total_bytes)} cap",
                            remedy=_TRUST,
                        )
                    out.write(chunk)
        except OSError as error:
            raise TranslationError(
                f"cannot extract {path} into {destination.parent}: {error}",
                remedy="check free space and permissions in the packages directory",
            ) from None


def _swap(staged: Path, final: Path, aside: Path) -> None:
    """Move an installed `final` aside, put `staged` in its place; on failure, put it back."""
    moved: Path | None = None
    try:
        if final.exists() or final.is_symlink():
            aside.mkdir()
            moved = aside / final.name
            os.replace(final, moved)
        os.replace(staged, final)
    except OSError as error:
        if moved is not None and not final.exists():
            try:
                os.replace(moved, final)
            except OSError:
                log.error("the previous package is kept in %s: move it back to %s", moved, final)
        raise TranslationError(
            f"cannot install into {final}: {error}",
            remedy="check permissions in the packages directory; the previous package is kept",
        ) from None


def _clean_stale(packages_dir: Path) -> None:
    """Finish after an install that died: restore a package it had moved aside, drop the rest."""
    now = time.time()
    for folder in packages_dir.glob(pkgs.TEMP_PREFIX + "*"):
        try:
            if now - folder.stat().st_mtime < STALE_SECONDS:
                continue  # maybe another install still running
            aside = folder / "old"
            for previous in aside.iterdir() if aside.is_dir() else ():
                if not (packages_dir / previous.name).exists():
                    os.replace(previous, packages_dir / previous.name)
        except OSError as error:
            log.warning("cannot clean up %s: %s", folder, error)
            continue
        shutil.rmtree(folder, ignore_errors=True)


def human_size(n: int) -> str:
    if n >= GiB and n % GiB == 0:
        return f"{n // GiB} GiB"
    if n >= MiB:
        return f"{n / MiB:,.0f} MiB" if n % MiB else f"{n // MiB} MiB"
    return f"{n / 1024:,.0f} KiB" if n >= 1024 else f"{n} bytes"
