from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from monitor.errors import TranslationError
from monitor.translate import archive
from monitor.translate.archive import Limits, MiB, check_archive, install_archive
from monitor.translate.engine import ArgosTranslator
from monitor.translate.packages import TEMP_PREFIX, argos_dirs, scan
from tests.support.argos_package import MINIMAL_ENTRIES as GOOD
from tests.support.argos_package import (
    ArgosEnv,
    BuiltPackage,
    corrupt_member,
    declare_size,
    hostile_zip,
    install_unzipped,
    zip_bomb,
)

SYMLINK = zipfile.ZipInfo("p/model/link")
SYMLINK.external_attr = 0o120777 << 16


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ({**GOOD, "../evil.txt": b"x"}, "unsafe path '../evil.txt'"),
        ({**GOOD, "p/../../evil.txt": b"x"}, "unsafe path"),
        ({**GOOD, "/etc/evil": b"x"}, "unsafe path '/etc/evil'"),
        ({**GOOD, "p\\..\\..\\evil": b"x"}, "unsafe path"),
        ({**GOOD, "q/metadata.json": b"{}"}, "exactly one top-level folder"),
        ({**GOOD, "README.md": b"x"}, "outside its one top-level folder"),
        ({k: v for k, v in GOOD.items() if "model.bin" not in k}, "lacks model/model.bin"),
        ({k: v for k, v in GOOD.items() if "sentencepiece" not in k}, "lacks sentencepiece.model"),
        ({**GOOD, "p/metadata.json": b"{"}, "metadata.json is unusable: it is not valid JSON"),
        ({**GOOD, "p/metadata.json": b"[" * 100_000}, "metadata.json is unusable"),
        ({**GOOD, "p/metadata.json": b"{}"}, "from_code/to_code are missing"),
        (
            {
                **GOOD,
                "p/metadata.json": json.dumps(
                    {"from_code": "es", "to_code": "en", "package_version": "1" * 5000}
                ).encode(),
            },
            "package_version is 5,000 characters long",
        ),
        ({**GOOD, "p/model//model.bin": b"y"}, "twice"),
    ],
)
def test_hostile_or_broken_archives_are_refused(
    tmp_path: Path, entries: dict[str, bytes], message: str
) -> None:
    file = hostile_zip(tmp_path / "x.argosmodel", entries)
    with pytest.raises(TranslationError, match=message.replace("(", r"\(").replace(".", r"\.")):
        check_archive(file)


def test_a_symlink_member_is_refused(tmp_path: Path) -> None:
    file = hostile_zip(tmp_path / "x.argosmodel", GOOD)
    with zipfile.ZipFile(file, "a") as zf:
        zf.writestr(SYMLINK, "/etc/passwd")
    with pytest.raises(TranslationError, match="symbolic link 'p/model/link'"):
        check_archive(file)


def test_a_non_zip_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.argosmodel").write_text("not a zip")
    with pytest.raises(TranslationError, match="not a zip archive"):
        check_archive(tmp_path / "x.argosmodel")


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _installed_es(argos_env: ArgosEnv, package: BuiltPackage) -> dict[str, str]:
    install_archive(package.file, argos_dirs())
    return _snapshot(argos_env.packages_dir / package.folder)


def _assert_still_installed(
    argos_env: ArgosEnv, package: BuiltPackage, before: dict[str, str]
) -> None:
    assert [p.name for p in argos_env.packages_dir.iterdir()] == [package.folder]  # no temp dirs
    assert _snapshot(argos_env.packages_dir / package.folder) == before
    translator = ArgosTranslator()
    assert translator.model_for("es", "en") == package.name
    assert isinstance(translator.translate(["Hola, amigos."], "es", "en")[0], str)


def test_a_corrupt_archive_leaves_the_installed_package_intact(
    argos_env: ArgosEnv, argos_packages: dict[str, BuiltPackage], tmp_path: Path
) -> None:
    package = argos_packages["es"]
    before = _installed_es(argos_env, package)
    bad = corrupt_member(
        Path(shutil.copy(package.file, tmp_path / "bad.argosmodel")),
        f"{package.folder}/model/model.bin",
    )
    with pytest.raises(TranslationError, match=r"damaged zip archive.*download the .argosmodel"):
        install_archive(bad, argos_dirs())
    _assert_still_installed(argos_env, package, before)


def test_a_failed_swap_puts_the_previous_package_back(
    argos_env: ArgosEnv, argos_packages: dict[str, BuiltPackage], monkeypatch: pytest.MonkeyPatch
) -> None:
    package = argos_packages["es"]
    before = _installed_es(argos_env, package)
    real_replace = os.replace

    def failing_replace(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
        if "new" in Path(source).parts:
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    with monkeypatch.context() as patched:
        patched.setattr(archive.os, "replace", failing_replace)
        with pytest.raises(TranslationError, match=r"No space left.*previous package is kept"):
            install_archive(package.file, argos_dirs())
    _assert_still_installed(argos_env, package, before)


def test_discovery_ignores_install_temp_folders(
    argos_env: ArgosEnv, argos_packages: dict[str, BuiltPackage]
) -> None:
    unpacked = install_unzipped(argos_packages["es"], argos_env.packages_dir)
    unpacked.rename(argos_env.packages_dir / f"{TEMP_PREFIX}abc")
    assert scan([argos_env.packages_dir]) == []


def test_a_dead_install_is_cleaned_up_and_its_moved_aside_package_restored(
    argos_env: ArgosEnv, argos_packages: dict[str, BuiltPackage]
) -> None:
    stale = argos_env.packages_dir / f"{TEMP_PREFIX}dead"
    install_unzipped(argos_packages["es"], stale / "old")
    (stale / "new" / "half").mkdir(parents=True)
    an_hour_ago = time.time() - 2 * archive.STALE_SECONDS
    os.utime(stale, (an_hour_ago, an_hour_ago))
    install_archive(argos_packages["ru"].file, argos_dirs())
    names = sorted(p.name for p in argos_env.packages_dir.iterdir())
    assert names == [argos_packages["es"].folder, argos_packages["ru"].folder]


def test_argostranslate_finds_the_packages_the_monitor_installs(
    argos_env: ArgosEnv, argos_packages: dict[str, BuiltPackage], subprocess_env: dict[str, str]
) -> None:
    for package in argos_packages.values():
        install_archive(package.file, argos_dirs())
    code = (
        "import argostranslate.package as p\n"
        "print(sorted(f'{x.from_code}->{x.to_code}' for x in p.get_installed_packages()))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**subprocess_env, **argos_env.env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['es->en', 'ru->en']"


# -- bounds ----------------------------------------------------------------


def _rest(*skip: str) -> dict[str, bytes]:
    entries = {"metadata.json": GOOD["p/metadata.json"], "sentencepiece.model": b"x"}
    return {k: v for k, v in {**entries, "model/model.bin": b"x"}.items() if k not in skip}


def test_a_zip_bomb_is_refused_by_its_compression_ratio(
    argos_env: ArgosEnv, tmp_path: Path
) -> None:
    bomb = zip_bomb(
        tmp_path / "bomb.argosmodel", "p", "model/model.bin", 537 * MiB, _rest("model/model.bin")
    )
    assert bomb.stat().st_size < MiB
    with pytest.raises(
        TranslationError, match=r"'p/model/model\.bin' would inflate .* to 537 MiB, over the 100:1"
    ):
        install_archive(bomb, argos_dirs())
    assert list(argos_env.packages_dir.iterdir()) == []


def test_the_total_unpacked_size_is_capped(argos_packages: dict[str, BuiltPackage]) -> None:
    with pytest.raises(TranslationError, match="more than the 64 KiB cap"):
        check_archive(argos_packages["es"].file, Limits(total_bytes=64 * 1024))
    assert Limits().total_bytes == 1 << 30


def test_a_member_larger_than_it_declares_is_refused(
    argos_env: ArgosEnv, argos_packages: dict[str, BuiltPackage], tmp_path: Path
) -> None:
    package = argos_packages["es"]
    lying = declare_size(
        Path(shutil.copy(package.file, tmp_path / "lying.argosmodel")),
        f"{package.folder}/model/model.bin",
        100,
    )
    with pytest.raises(TranslationError, match=r"damaged zip archive|past its declared size"):
        install_archive(lying, argos_dirs())
    assert list(argos_env.packages_dir.iterdir()) == []


def test_a_huge_metadata_json_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    bomb = zip_bomb(
        tmp_path / "meta.argosmodel", "p", "metadata.json", 150 * MiB, _rest("metadata.json")
    )
    no_ratio = Limits(ratio=10**9)
    tracemalloc.start()
    try:
        with pytest.raises(TranslationError, match=r"'p/metadata.json' would inflate"):
            check_archive(bomb)
        with pytest.raises(TranslationError, match=r"metadata.json unpacks to 150 MiB, more than"):
            check_archive(bomb, no_ratio)
        # Declared small, it is read up to its declared size only, then fails its CRC.
        with pytest.raises(TranslationError, match="damaged zip archive"):
            check_archive(declare_size(bomb, "p/metadata.json", 100), no_ratio)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * MiB
