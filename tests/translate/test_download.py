from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from monitor.config import Settings
from monitor.errors import TranslationError
from monitor.translate import commands, download
from monitor.translate.download import (
    MAX_INDEX_BYTES,
    IndexEntry,
    ProgressBar,
    fetch_index,
    find_entry,
    link_refusal,
    parse_index,
)
from monitor.translate.packages import argos_dirs
from tests.support.argos_package import MINIMAL_ENTRIES as GOOD
from tests.support.argos_package import ArgosEnv, BuiltPackage, hostile_zip
from tests.support.httpserver import LocalServer, Reply, free_port


def _settings(index: str = "") -> Settings:
    return Settings.model_validate({"translation": {"package_index": index}})


def _closed_port_url() -> str:
    return f"http://127.0.0.1:{free_port()}/index"


def _serve_index(server: LocalServer, packages: list[BuiltPackage]) -> None:
    entries = []
    for package in packages:
        path = f"/files/{package.file.name}"
        server.route(path, Reply(body=package.file.read_bytes()))
        entries.append(package.index_entry(server.url(path)))
    server.route("/argos/index.json", Reply(body=json.dumps(entries)))


def test_install_from_file_then_list(
    argos_env: ArgosEnv,
    argos_packages: dict[str, BuiltPackage],
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert commands.models_install(_settings(), [], argos_packages["es"].file) == 0
    installed = argos_env.packages_dir / argos_packages["es"].folder
    assert (installed / "model" / "model.bin").is_file()
    assert "installed translate-es_en-1.9" in capsys.readouterr().err
    assert commands.models_list(_settings()) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("es->en\t1.9\t") and line.endswith(str(installed))
    # Reinstalling replaces the folder instead of failing.
    assert commands.models_install(_settings(), [], argos_packages["es"].file) == 0


def test_hostile_file_install_prints_one_sentence(
    argos_env: ArgosEnv, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = hostile_zip(tmp_path / "evil.argosmodel", {**GOOD, "../../x": b"x"})
    assert commands.models_install(_settings(), [], archive) == 1
    err = capsys.readouterr().err
    assert err.startswith("monitor: error: refusing") and "Traceback" not in err
    assert not (tmp_path / "x").exists()
    assert list(argos_env.packages_dir.iterdir()) == []


def test_install_from_a_local_index_with_progress(
    argos_env: ArgosEnv,
    argos_packages: dict[str, BuiltPackage],
    http_server: LocalServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _serve_index(http_server, list(argos_packages.values()))
    settings = _settings(http_server.url("/argos"))  # no trailing slash: one is added
    assert commands.models_install(settings, ["es", "ru"], None) == 0
    err = capsys.readouterr().err
    assert "downloading translate-es_en-1.9 100%" in err and "installed translate-ru_en-1.9" in err
    assert sorted(p.name for p in argos_env.packages_dir.iterdir()) == [
        "translate-es_en-1_9",
        "translate-ru_en-1_9",
    ]
    assert argos_dirs().local_index.is_file()
    assert list(argos_dirs().downloads.iterdir()) == []  # downloads are never kept for reuse
    assert commands.models_install(settings, ["de"], None) == 1
    assert "no de->en package" in capsys.readouterr().err


def test_unreachable_index_is_a_clear_error_not_a_recursion(
    argos_env: ArgosEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    assert commands.models_install(_settings(_closed_port_url()), ["es"], None) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("monitor: error: cannot reach the package index http://127.0.0.1:")
    assert "--file X.argosmodel" in err and len(err.splitlines()) == 1


def test_failed_download_is_reported(
    argos_env: ArgosEnv,
    argos_packages: dict[str, BuiltPackage],
    http_server: LocalServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    entry = argos_packages["es"].index_entry(http_server.url("/missing.argosmodel"))
    http_server.route("/index.json", Reply(body=json.dumps([entry])))
    assert commands.models_install(_settings(http_server.base_url), ["es"], None) == 1
    err = capsys.readouterr().err
    assert "cannot download translate-es_en-1.9" in err and "HTTP 404" in err


def test_ensure_installs_missing_pairs_or_says_how_to_later(
    argos_env: ArgosEnv,
    argos_packages: dict[str, BuiltPackage],
    http_server: LocalServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO):
        assert commands.models_ensure(_settings(_closed_port_url())) == 0
    assert "install them later with `monitor models install es ru`" in caplog.text
    _serve_index(http_server, list(argos_packages.values()))
    assert commands.models_ensure(_settings(http_server.url("/argos/"))) == 0
    assert len(list(argos_env.packages_dir.iterdir())) == 2
    caplog.clear()
    with caplog.at_level(logging.INFO):
        assert commands.models_ensure(_settings(_closed_port_url())) == 0
    assert "translation models present" in caplog.text


def test_progress_bar_without_a_terminal(tmp_path: Path) -> None:
    with (tmp_path / "err").open("w+") as stream:
        bar = ProgressBar("downloading x", stream)
        for done in range(0, 1001, 50):
            bar(done, 1000)
        stream.seek(0)
        lines = stream.read().splitlines()
    assert lines[0] == "downloading x   0% 0.0/0.0 MB" and lines[-1].startswith(
        "downloading x 100%"
    )
    assert len(lines) == 5


def test_an_oversized_index_is_refused(
    argos_env: ArgosEnv, http_server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    http_server.route("/index.json", Reply(body=b" " * (MAX_INDEX_BYTES + 1)))
    assert commands.models_install(_settings(http_server.base_url), ["es"], None) == 1
    err = capsys.readouterr().err
    assert "refusing the package index http://127.0.0.1:" in err
    assert "larger than the 10 MiB cap" in err and "--file X.argosmodel" in err


def test_an_oversized_index_without_a_length_is_cut_off(
    argos_env: ArgosEnv, tmp_path: Path
) -> None:
    (tmp_path / "mirror").mkdir()
    (tmp_path / "mirror" / "index.json").write_bytes(b" " * (MAX_INDEX_BYTES + 1))
    with pytest.raises(TranslationError, match="larger than the 10 MiB cap"):
        fetch_index((tmp_path / "mirror").as_uri(), argos_dirs(), "test")


def test_an_oversized_download_is_refused_and_not_kept(
    argos_env: ArgosEnv,
    argos_packages: dict[str, BuiltPackage],
    http_server: LocalServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _serve_index(http_server, [argos_packages["es"]])
    monkeypatch.setattr(download, "MAX_PACKAGE_BYTES", 4096)
    assert commands.models_install(_settings(http_server.url("/argos")), ["es"], None) == 1
    assert "larger than the 4 KiB cap" in capsys.readouterr().err
    assert list(argos_dirs().downloads.iterdir()) == []
    assert list(argos_env.packages_dir.iterdir()) == []


def test_an_air_gapped_mirror_of_files_works(
    argos_env: ArgosEnv, argos_packages: dict[str, BuiltPackage], tmp_path: Path
) -> None:
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    entries = [p.index_entry(p.file.as_uri()) for p in argos_packages.values()]
    (mirror / "index.json").write_text(json.dumps(entries))
    assert commands.models_install(_settings(mirror.as_uri()), ["es", "ru"], None) == 0
    assert len(list(argos_env.packages_dir.iterdir())) == 2


@pytest.mark.parametrize(
    ("index", "link", "allowed"),
    [
        ("https://mirror.example/index.json", "https://cdn.example/p.argosmodel", True),
        ("https://mirror.example/index.json", "http://cdn.example/p.argosmodel", False),
        ("https://mirror.example/index.json", "file:///etc/passwd", False),
        ("https://mirror.example/index.json", "ftp://cdn.example/p.argosmodel", False),
        ("http://127.0.0.1:8000/index.json", "http://mirror.lan/p.argosmodel", True),
        ("http://[::1]:8000/index.json", "http://mirror.lan/p.argosmodel", True),
        ("http://localhost/index.json", "http://mirror.lan/p.argosmodel", True),
        ("http://10.0.0.5/index.json", "http://mirror.lan/p.argosmodel", False),
        ("file:///srv/argos/index.json", "http://mirror.lan/p.argosmodel", True),
        ("file:///srv/argos/index.json", "file:///srv/argos/p.argosmodel", True),
        ("http://127.0.0.1:8000/index.json", "file:///srv/argos/p.argosmodel", False),
    ],
)
def test_package_link_policy(index: str, link: str, allowed: bool) -> None:
    assert (link_refusal(index, link) is None) is allowed


def test_an_http_link_from_a_remote_index_is_never_fetched(
    argos_env: ArgosEnv, http_server: LocalServer
) -> None:
    http_server.route("/p.argosmodel", Reply(body=b"PK"))
    entry = IndexEntry("es", "en", "1.9", (http_server.url("/p.argosmodel"),),
                       index_url="https://mirror.example/index.json")  # fmt: skip
    with pytest.raises(TranslationError, match="refused, a plain http link from a remote index"):
        download.download(entry, argos_dirs().downloads, "test", lambda done, total: None)
    assert http_server.hits("/p.argosmodel") == []


def test_a_huge_version_in_the_index_is_skipped() -> None:
    entries = parse_index(
        json.dumps(
            [
                {"from_code": "es", "to_code": "en", "package_version": "9" * 5000, "links": ["x"]},
                {"from_code": "es", "to_code": "en", "package_version": "1.9", "links": ["y"]},
            ]
        ).encode(),
        "https://mirror.example/index.json",
    )
    assert find_entry(entries, "es", "en").links == ("y",)
