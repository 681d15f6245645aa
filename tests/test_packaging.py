"""The wheel: built from the checkout, installed into an empty venv, and run as a user would.

Nothing may be downloaded here, so the wheel is built without build isolation and
installed with `--no-deps --no-index`; the empty venv reaches the already-installed
dependencies through a `.pth` line pointing at this venv's site-packages. A path added
that way is searched after the new venv's own site-packages and its `.pth` files are not
run, so the editable install of this checkout cannot shadow the wheel's copy.
"""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from monitor import __version__
from tests.support.argos_package import ArgosEnv, BuiltPackage

ROOT = Path(__file__).resolve().parent.parent


def _run(args: list[str], env: dict[str, str], cwd: Path, stdin: str | None = None) -> str:
    done = subprocess.run(
        args, env=env, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"{args}: {done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    build = tmp_path_factory.mktemp("build")
    # A copy of the sources: building in the checkout would leave build/ and egg-info there.
    source = build / "src"
    _copy_tracked(ROOT, source)
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-index",
            "--no-build-isolation",
            "--wheel-dir",
            str(out),
            str(source),
        ],
        {"PATH": "/usr/bin:/bin", "HOME": str(build)},
        build,
    )
    (found,) = out.glob("monitor-*.whl")
    return found


def _copy_tracked(root: Path, dest: Path) -> None:
    listed = subprocess.run(
        ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        check=True,
        capture_output=True,
    ).stdout.split(b"\0")
    for name in filter(None, listed):
        src = root / name.decode()
        if src.is_file():
            target = dest / name.decode()
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(src.read_bytes())


def test_the_wheel_carries_templates_schema_and_type_marker(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "monitor/schema/post.v1.json" in names
    assert {
        "monitor/digest/templates/digest.html.j2",
        "monitor/digest/templates/digest.txt.j2",
    } <= names
    assert "monitor/py.typed" in names
    assert not any(name.startswith("tests/") for name in names)
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    requires = [
        line
        for line in zipfile.ZipFile(wheel).read(metadata).decode().splitlines()
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    ]
    assert not any("argostranslate" in line or "torch" in line for line in requires)


def test_the_wheel_installs_and_runs_in_an_empty_venv(
    wheel: Path,
    tmp_path: Path,
    argos_env: ArgosEnv,
    argos_packages: dict[str, BuiltPackage],
    subprocess_env: dict[str, str],
) -> None:
    target = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(target)
    python = target / "bin" / "python"
    site = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            {"PATH": "/usr/bin:/bin"},
            tmp_path,
        ).strip()
    )
    # Install with this interpreter's pip into the new venv's site-packages.
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "--target",
            str(site),
            str(wheel),
        ],
        {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        tmp_path,
    )
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    env = {**subprocess_env, **argos_env.env}
    # Only the network guard on PYTHONPATH: not the checkout.
    env["PYTHONPATH"] = subprocess_env["PYTHONPATH"].split(":")[0]
    monitor = [str(python), "-m", "monitor"]

    assert __version__ in _run([*monitor, "--version"], env, cwd)
    where = _run([str(python), "-c", "import monitor; print(monitor.__file__)"], env, cwd)
    assert where.startswith(str(site)), where

    config = cwd / "monitor.toml"
    config.write_text(
        '[monitor]\ndata_dir = "data"\nhealth = ""\n\n'
        '[[sources]]\nname = "feed"\nplatform = "rss"\nurl = "http://127.0.0.1:9/feed"\n'
    )
    _run([*monitor, "--config", str(config), "check"], env, cwd)
    detected = json.loads(_run([*monitor, "detect", "Nos reunimos con el canciller."], env, cwd))
    assert detected["lang"] == "es"

    monitor += ["--config", str(config)]
    _run([*monitor, "models", "install", "--file", str(argos_packages["es"].file)], env, cwd)
    assert "es->en\t1.9" in _run([*monitor, "models", "list"], env, cwd)
    translated = json.loads(
        _run([*monitor, "translate", "--from", "es"], env, cwd, stdin="Nos reunimos hoy.\n")
    )
    assert translated["model"] == "translate-es_en-1.9" and translated["translation"]
    imported = _run(
        [
            str(python),
            "-c",
            "import monitor.cli, sys; print(sorted(m for m in sys.modules"
            " if m.split('.')[0] in ('torch', 'stanza', 'spacy', 'onnxruntime', 'argostranslate')))",
        ],
        env,
        cwd,
    )
    assert imported.strip() == "[]"
