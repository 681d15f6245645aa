from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from monitor.translate.packages import (
    MAX_METADATA_BYTES,
    argos_dirs,
    best_by_pair,
    package_index_url,
    scan,
)
from tests.support.argos_package import ArgosEnv, BuiltPackage, install_unzipped


def test_directories_follow_argostranslate_rules(tmp_path: Path) -> None:
    home = tmp_path / "h"
    assert argos_dirs({"HOME": str(home)}).packages == (
        home / ".local" / "share" / "argos-translate" / "packages",
    )
    env = {"HOME": str(home), "XDG_DATA_HOME": str(tmp_path / "d")}
    assert argos_dirs(env).install_dir == tmp_path / "d" / "argos-translate" / "packages"
    settings = home / ".config" / "argos-translate"
    settings.mkdir(parents=True)
    (settings / "settings.json").write_text(json.dumps({"ARGOS_PACKAGES_DIR": "/srv/pk"}))
    assert argos_dirs({"HOME": str(home)}).install_dir == Path("/srv/pk")
    assert argos_dirs({"HOME": str(home), "ARGOS_PACKAGES_DIR": "/e"}).install_dir == Path("/e")


def test_index_url_gets_its_trailing_slash() -> None:
    assert package_index_url("http://127.0.0.1:9/idx", {}) == "http://127.0.0.1:9/idx/"
    assert package_index_url("", {"ARGOS_PACKAGE_INDEX": "http://x/y/"}) == "http://x/y/"
    assert package_index_url("", {}).endswith("/argospm-index/main/")


def test_scan_skips_broken_packages_and_prefers_the_newest(
    argos_env: ArgosEnv, argos_packages: dict[str, BuiltPackage], caplog: pytest.LogCaptureFixture
) -> None:
    installed = install_unzipped(argos_packages["es"], argos_env.packages_dir)
    newer = argos_env.packages_dir / "translate-es_en-1_10"
    newer.mkdir()
    for item in installed.iterdir():
        (newer / item.name).symlink_to(item)
    (newer / "metadata.json").unlink()
    metadata = json.loads((installed / "metadata.json").read_text())
    (newer / "metadata.json").write_text(json.dumps({**metadata, "package_version": "1.10"}))
    (argos_env.packages_dir / "empty").mkdir()
    (argos_env.packages_dir / "bad-json").mkdir()
    (argos_env.packages_dir / "bad-json" / "metadata.json").write_text("{")
    with caplog.at_level(logging.WARNING):
        found = scan([argos_env.packages_dir])
    assert sorted(p.name for p in found) == ["translate-es_en-1.10", "translate-es_en-1.9"]
    assert best_by_pair(found)[("es", "en")].package_version == "1.10"
    assert "has no metadata.json" in caplog.text and "unusable metadata.json" in caplog.text


def _with_metadata(package: BuiltPackage, packages_dir: Path, name: str, **changes: object) -> Path:
    """A copy of an installed package under another folder name, its metadata.json changed."""
    folder = install_unzipped(package, packages_dir).rename(packages_dir / name)
    metadata = json.loads((folder / "metadata.json").read_text())
    (folder / "metadata.json").write_text(json.dumps({**metadata, **changes}))
    return folder


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"package_version": "9" * 5000}, "package_version is 5,000 characters long"),
        ({"package_version": ["1", "9"]}, "package_version is not a string"),
        ({"from_code": 7}, "from_code/to_code are missing"),
        ({"to_code": "x" * 100}, "from_code/to_code are missing"),
    ],
)
def test_a_package_with_malformed_metadata_is_skipped_with_a_warning(
    argos_env: ArgosEnv,
    argos_packages: dict[str, BuiltPackage],
    caplog: pytest.LogCaptureFixture,
    changes: dict[str, object],
    problem: str,
) -> None:
    install_unzipped(argos_packages["ru"], argos_env.packages_dir)
    bad = _with_metadata(argos_packages["es"], argos_env.packages_dir, "broken-es", **changes)
    with caplog.at_level(logging.WARNING):
        found = best_by_pair(scan([argos_env.packages_dir]))
    assert list(found) == [("ru", "en")]
    assert f"ignoring {bad}" in caplog.text and problem in caplog.text


def test_a_huge_metadata_json_is_not_read_whole(
    argos_env: ArgosEnv, argos_packages: dict[str, BuiltPackage], caplog: pytest.LogCaptureFixture
) -> None:
    folder = install_unzipped(argos_packages["es"], argos_env.packages_dir)
    (folder / "metadata.json").write_bytes(b" " * (MAX_METADATA_BYTES + 10))
    with caplog.at_level(logging.WARNING):
        assert scan([argos_env.packages_dir]) == []
    assert "larger than 1 MiB" in caplog.text
