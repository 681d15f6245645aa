"""Fuzzing the `.argosmodel` checker and installer with damaged and hostile archives.

Property: installing any bytes either succeeds (the package lands in the packages
directory and nothing else is written) or raises one of the project's own errors;
never another exception, never a file outside the packages directory, never a
leftover temporary folder.
"""

from __future__ import annotations

import io
import json
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from hypothesis import assume, given
from hypothesis import strategies as st

from monitor.errors import MonitorError
from monitor.translate.archive import install_archive
from monitor.translate.packages import ArgosDirs, scan
from tests.support.argos_package import MINIMAL_ENTRIES, declare_size
from tests.support.fuzz import fuzz_settings


def _zip(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


VALID = _zip({**MINIMAL_ENTRIES, "p/README.md": b"A tiny package. " * 20})
VALID_STORED = _zip(MINIMAL_ENTRIES, zipfile.ZIP_STORED)


@contextmanager
def _sandbox(data: bytes) -> Iterator[tuple[Path, ArgosDirs]]:
    with tempfile.TemporaryDirectory() as name:
        root = Path(name)
        file = root / "x.argosmodel"
        file.write_bytes(data)
        packages = root / "sandbox" / "packages"
        yield file, ArgosDirs(root / "data", root / "config", root / "cache", (packages,))


def _install_or_refuse(file: Path, dirs: ArgosDirs) -> bool:
    """Install; True when installed, False when refused with the project's own error."""
    root = file.parent
    try:
        install_archive(file, dirs)
        installed = True
    except MonitorError:
        installed = False
    written = {p.relative_to(root).as_posix() for p in root.rglob("*")}
    outside = {p for p in written if not p.startswith("sandbox/packages/")}
    assert outside <= {"x.argosmodel", "sandbox", "sandbox/packages"}, outside
    packages = dirs.install_dir
    children = list(packages.iterdir()) if packages.is_dir() else []
    assert not [c for c in children if c.name.startswith(".")], children  # no temp folders
    assert len(children) == (1 if installed else 0)
    if installed:
        assert [p.pair for p in scan([packages])] == ["es_en"]
    return installed


mutations = st.lists(
    st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), min_size=1, max_size=8
)


@fuzz_settings
@given(base=st.sampled_from([VALID, VALID_STORED]), changes=mutations, cut=st.integers(0, 64))
def test_mutated_archive_bytes(base: bytes, changes: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(base)
    for position, value in changes:
        data[position % len(data)] = value
    with _sandbox(bytes(data[: len(data) - cut] if cut % 4 == 0 else data)) as (file, dirs):
        _install_or_refuse(file, dirs)


segments = st.sampled_from(["p", "q", "..", ".", "", "model", "metadata.json", "C:", "a\\..\\b"])
names = st.one_of(
    st.lists(segments, min_size=1, max_size=4).map("/".join),
    st.lists(segments, min_size=1, max_size=3).map(lambda parts: "/" + "/".join(parts)),
    st.text(min_size=1, max_size=20),
)


@fuzz_settings
@given(
    extra=st.lists(
        st.tuples(names, st.booleans(), st.sampled_from([None, 100, 2**31, 2**32 - 1])),
        min_size=1,
        max_size=4,
    ),
    lie=st.sampled_from(["p/model/model.bin", "p/metadata.json", "p/sentencepiece.model"]),
    lie_size=st.sampled_from([None, 0, 1, 10**6, 2**30 + 1, 2**32 - 1]),
)
def test_hostile_member_names_links_and_sizes(
    extra: list[tuple[str, bool, int | None]], lie: str, lie_size: int | None
) -> None:
    buffer = io.BytesIO()
    with (
        warnings.catch_warnings(action="ignore", category=UserWarning),  # duplicate names
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for name, data in MINIMAL_ENTRIES.items():
            archive.writestr(name, data)
        for name, is_link, _ in extra:
            info = zipfile.ZipInfo(name)
            if is_link:
                info.external_attr = 0o120777 << 16
            try:
                archive.writestr(info, b"../../../../etc/passwd")
            except (ValueError, UnicodeEncodeError):
                assume(False)
    with _sandbox(buffer.getvalue()) as (file, dirs):
        for name, _, size in [*extra, (lie, False, lie_size)]:
            if size is not None:
                with suppress(KeyError, UnicodeDecodeError):
                    declare_size(file, name, size)
        _install_or_refuse(file, dirs)


@fuzz_settings
@given(
    folder=st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,30}", fullmatch=True),
    files=st.dictionaries(
        st.from_regex(r"[a-z0-9_]{1,12}(\.[a-z]{1,4})?", fullmatch=True),
        st.binary(max_size=200),
        max_size=5,
    ),
    version=st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3}){0,2}", fullmatch=True),
)
def test_a_valid_archive_installs(folder: str, files: dict[str, bytes], version: str) -> None:
    assume(folder not in (".", "..") and not folder.startswith("."))
    metadata = {"from_code": "es", "to_code": "en", "package_version": version}
    entries = {
        f"{folder}/metadata.json": json.dumps(metadata).encode(),
        f"{folder}/sentencepiece.model": b"spm",
        f"{folder}/model/model.bin": b"bin",
        **{f"{folder}/extra/{name}": data for name, data in files.items()},
    }
    with _sandbox(_zip(entries)) as (file, dirs):
        assert _install_or_refuse(file, dirs)
        assert (dirs.install_dir / folder / "model" / "model.bin").read_bytes() == b"bin"
        # Installing again replaces it in place.
        assert _install_or_refuse(file, dirs)
