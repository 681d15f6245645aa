from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.config import Settings
from monitor.translate.commands import models_list, run_translate_command
from tests.support.argos_package import ArgosEnv, BuiltPackage, install_unzipped
from tests.support.cli import run_monitor


def test_translate_prints_one_json_object_per_input(
    argos_env: ArgosEnv, argos_packages: dict[str, BuiltPackage]
) -> None:
    install_unzipped(argos_packages["ru"], argos_env.packages_dir)
    out = io.StringIO()
    texts = ["Министр провёл переговоры.", "Стороны обсудили сотрудничество. @MID_RF"]
    assert run_translate_command(Settings(), "ru", "en", texts, out) == 0
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["text"] for r in records] == texts
    assert all(r["from"] == "ru" and r["to"] == "en" for r in records)
    assert all(r["model"] == "translate-ru_en-1.9" for r in records)
    assert records[1]["translation"].endswith("@MID_RF")


def test_translate_without_a_model_says_how_to_install(
    argos_env: ArgosEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_translate_command(Settings(), "es", "en", ["Hola."], io.StringIO()) == 1
    err = capsys.readouterr().err
    assert err.startswith("monitor: error: no translation model for es->en is installed")
    assert "monitor models install es" in err


def test_bad_language_code_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_translate_command(Settings(), "Spanish", "en", ["x"], io.StringIO()) == 2
    assert '"Spanish" is not a language code' in capsys.readouterr().err


def test_list_with_nothing_installed(
    argos_env: ArgosEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    assert models_list(Settings()) == 0
    assert "monitor models install es ru" in capsys.readouterr().err


def test_cli_end_to_end(
    argos_env: ArgosEnv,
    argos_packages: dict[str, BuiltPackage],
    subprocess_env: dict[str, str],
    tmp_path: Path,
) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text(f'[monitor]\ndata_dir = "{tmp_path / "data"}"\n')
    env = {**subprocess_env, **argos_env.env}
    monitor = ["--config", str(config)]
    file = str(argos_packages["es"].file)
    done = run_monitor([*monitor, "models", "install", "--file", file], env, tmp_path)
    assert done.returncode == 0, done.stderr
    done = run_monitor([*monitor, "translate", "--from", "es"], env, tmp_path, "Hola, amigos.\n")
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["model"] == "translate-es_en-1.9" and record["text"] == "Hola, amigos."


def test_a_package_with_a_huge_version_is_skipped_and_the_others_still_translate(
    argos_env: ArgosEnv,
    argos_packages: dict[str, BuiltPackage],
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    good = install_unzipped(argos_packages["es"], argos_env.packages_dir)
    bad = install_unzipped(argos_packages["ru"], argos_env.packages_dir)
    metadata = json.loads((bad / "metadata.json").read_text())
    (bad / "metadata.json").write_text(json.dumps({**metadata, "package_version": "7" * 5000}))
    with caplog.at_level(logging.WARNING):
        assert models_list(Settings()) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("es->en\t1.9\t") and lines[0].endswith(str(good))
    assert f"ignoring {bad}" in caplog.text and "package_version is 5,000 characters" in caplog.text
    out = io.StringIO()
    assert run_translate_command(Settings(), "es", "en", ["Hola, amigos."], out) == 0
    assert json.loads(out.getvalue())["model"] == "translate-es_en-1.9"


def test_cli_installs_from_a_file_where_argostranslate_cannot_be_imported(
    argos_env: ArgosEnv,
    argos_packages: dict[str, BuiltPackage],
    subprocess_env: dict[str, str],
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "no-argos" / "argostranslate"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text('raise ImportError("argostranslate is not installed")\n')
    config = tmp_path / "monitor.toml"
    config.write_text(f'[monitor]\ndata_dir = "{tmp_path / "data"}"\n')
    env = {**subprocess_env, **argos_env.env}
    env["PYTHONPATH"] = os.pathsep.join([str(blocker.parent), env["PYTHONPATH"]])
    probe = [sys.executable, "-c", "import argostranslate"]
    assert subprocess.run(probe, env=env, capture_output=True, timeout=60).returncode != 0
    monitor = ["--config", str(config)]
    for package in argos_packages.values():
        done = run_monitor(
            [*monitor, "models", "install", "--file", str(package.file)], env, tmp_path
        )
        assert done.returncode == 0, done.stderr
        assert f"installed {package.name}" in done.stderr
    done = run_monitor([*monitor, "models", "list"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert [line.split("\t")[0] for line in done.stdout.splitlines()] == ["es->en", "ru->en"]
    assert sorted(p.name for p in argos_env.packages_dir.iterdir()) == [
        package.folder for package in argos_packages.values()
    ]
