"""Build tiny but valid Argos Translate packages, and pytest fixtures around them.

A package is a zip holding one folder with `metadata.json`, `sentencepiece.model`
(trained here on a few hundred lines) and `model/` (a CTranslate2 Transformer with
small random weights). The `</s>` logit is biased so that decoding stops after a
few tokens. `tests/conftest.py` registers this module as a plugin, so its fixtures
(`argos_env`, `argos_packages`) are there for every test.
"""

from __future__ import annotations

import io
import json
import shutil
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.shared_data import SENTENCES

NAMES = {"es": "Spanish", "ru": "Russian", "en": "English", "pt": "Portuguese"}
_FALLBACK = [
    "Nos reunimos con el canciller para seguir afianzando los acuerdos bilaterales.",
    "Министр иностранных дел провёл переговоры с коллегой в Москве.",
    "The ministers discussed cooperation between both nations.",
]


@dataclass(frozen=True)
class ModelShape:
    layers: int = 2
    d_model: int = 32
    heads: int = 2
    ffn: int = 64
    vocab: int = 300
    eos_bias: float = 4.0


TINY = ModelShape()
ARGOS_LIKE = ModelShape(layers=6, d_model=512, heads=8, ffn=2048, vocab=8000, eos_bias=0.0)


@dataclass(frozen=True)
class BuiltPackage:
    from_code: str
    to_code: str
    version: str
    file: Path  # the .argosmodel zip
    folder: str  # its one top-level folder

    @property
    def name(self) -> str:
        return f"translate-{self.from_code}_{self.to_code}-{self.version}"

    def index_entry(self, url: str) -> dict[str, object]:
        return {**metadata(self.from_code, self.to_code, self.version), "links": [url]}


def training_lines(codes: tuple[str, ...], per_language: int = 300) -> list[str]:
    lines: list[str] = []
    for code in codes:
        path = SENTENCES / f"{code}.txt"
        if path.exists():
            lines += [s.strip() for s in path.read_text(encoding="utf-8").splitlines()][
                :per_language
            ]
    return [line for line in lines if line] or _FALLBACK * 50


def train_sentencepiece(lines: list[str], vocab_size: int) -> bytes:
    import sentencepiece

    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=model,
        vocab_size=vocab_size,
        character_coverage=1.0,
        model_type="unigram",
        minloglevel=2,
        num_threads=1,
        hard_vocab_limit=False,
    )
    return model.getvalue()


def build_model(directory: Path, vocabulary: list[str], shape: ModelShape, seed: int) -> None:
    """A CTranslate2 Transformer (pre-norm, shared vocabulary) with random weights."""
    import numpy as np
    from ctranslate2.specs import transformer_spec

    rng = np.random.default_rng(seed)
    spec = transformer_spec.TransformerSpec.from_config(shape.layers, shape.heads)
    d, f, v = shape.d_model, shape.ffn, len(vocabulary)

    def weights(*dims: int) -> Any:
        return (rng.standard_normal(dims) * (1.0 / np.sqrt(dims[-1]))).astype(np.float32)

    spec.encoder.embeddings[0].weight = weights(v, d)
    spec.decoder.embeddings.weight = weights(v, d)
    for layer in spec.encoder.layer:
        _attention(layer.self_attention, d, weights, fused=3)
        _ffn(layer.ffn, d, f, weights)
    for layer in spec.decoder.layer:
        _attention(layer.self_attention, d, weights, fused=3)
        _attention(layer.attention, d, weights, fused=0)
        _ffn(layer.ffn, d, f, weights)
    for norm in (spec.encoder.layer_norm, spec.decoder.layer_norm):
        norm.gamma = np.ones(d, dtype=np.float32)
        norm.beta = np.zeros(d, dtype=np.float32)
    spec.decoder.projection.weight = weights(v, d)
    bias = np.zeros(v, dtype=np.float32)
    bias[vocabulary.index("</s>")] = shape.eos_bias
    bias[vocabulary.index("<unk>")] = -20.0
    bias[vocabulary.index("<s>")] = -20.0
    spec.decoder.projection.bias = bias
    spec.register_source_vocabulary(vocabulary)
    spec.register_target_vocabulary(vocabulary)
    spec.validate()
    spec.optimize(quantization=None)
    directory.mkdir(parents=True, exist_ok=True)
    spec.save(str(directory))


def _attention(attention: Any, d: int, weights: Any, fused: int) -> None:
    import numpy as np

    shapes = [(3 * d, d), (d, d)] if fused == 3 else [(d, d), (2 * d, d), (d, d)]
    for linear, dims in zip(attention.linear, shapes, strict=True):
        linear.weight = weights(*dims)
        linear.bias = np.zeros(dims[0], dtype=np.float32)
    attention.layer_norm.gamma = np.ones(d, dtype=np.float32)
    attention.layer_norm.beta = np.zeros(d, dtype=np.float32)


def _ffn(ffn: Any, d: int, f: int, weights: Any) -> None:
    import numpy as np

    ffn.linear_0.weight = weights(f, d)
    ffn.linear_0.bias = np.zeros(f, dtype=np.float32)
    ffn.linear_1.weight = weights(d, f)
    ffn.linear_1.bias = np.zeros(d, dtype=np.float32)
    ffn.layer_norm.gamma = np.ones(d, dtype=np.float32)
    ffn.layer_norm.beta = np.zeros(d, dtype=np.float32)


def metadata(from_code: str, to_code: str, version: str) -> dict[str, object]:
    return {
        "package_version": version,
        "argos_version": "1.9.0",
        "from_code": from_code,
        "from_name": NAMES.get(from_code, from_code),
        "to_code": to_code,
        "to_name": NAMES.get(to_code, to_code),
        "type": "translate",
        "code": f"translate-{from_code}_{to_code}",
        "links": [],
    }


def build_package_dir(
    parent: Path,
    from_code: str,
    to_code: str,
    *,
    version: str = "1.9",
    shape: ModelShape = TINY,
    seed: int = 0,
    lines: list[str] | None = None,
) -> Path:
    """The unzipped package folder `parent/translate-xx_yy-1_9`."""
    import sentencepiece

    folder = parent / f"translate-{from_code}_{to_code}-{version.replace('.', '_')}"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    proto = train_sentencepiece(lines or training_lines((from_code, to_code)), shape.vocab)
    (folder / "sentencepiece.model").write_bytes(proto)
    processor = sentencepiece.SentencePieceProcessor(model_proto=proto)
    vocabulary = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
    build_model(folder / "model", vocabulary, shape, seed)
    (folder / "metadata.json").write_text(
        json.dumps(metadata(from_code, to_code, version), indent=2), encoding="utf-8"
    )
    (folder / "README.md").write_text("Test package with random weights.\n", encoding="utf-8")
    return folder


def zip_folder(folder: Path, destination: Path) -> Path:
    with zipfile.ZipFile(destination, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            archive.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
    return destination


def build_package(
    parent: Path, from_code: str, to_code: str, *, version: str = "1.9", seed: int = 0
) -> BuiltPackage:
    folder = build_package_dir(parent / "src", from_code, to_code, version=version, seed=seed)
    file = zip_folder(folder, parent / f"translate-{from_code}_{to_code}-{version}.argosmodel")
    return BuiltPackage(from_code, to_code, version, file, folder.name)


# The smallest entries `check_archive` accepts (not a package that can translate).
MINIMAL_ENTRIES = {
    "p/metadata.json": json.dumps({"from_code": "es", "to_code": "en"}).encode(),
    "p/sentencepiece.model": b"x",
    "p/model/model.bin": b"x",
}


def hostile_zip(destination: Path, entries: dict[str, bytes]) -> Path:
    """A zip with exactly these entry names (e.g. `../evil`), for refusal tests."""
    with zipfile.ZipFile(destination, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return destination


def _central_entries(data: bytes) -> Iterator[tuple[str, int, int]]:
    """(name, central header offset, local header offset) for each member of a small zip."""
    offset = data.rindex(b"PK\x05\x06")
    count, start = struct.unpack_from("<H4xI", data, offset + 10)
    position = start
    for _ in range(count):
        n, m, k = struct.unpack_from("<HHH", data, position + 28)
        local = struct.unpack_from("<I", data, position + 42)[0]
        name = data[position + 46 : position + 46 + n].decode("utf-8")
        yield name, position, local
        position += 46 + n + m + k


def corrupt_member(path: Path, name: str) -> Path:
    """Flip bytes in the middle of one member's compressed data (a bad CRC or bad deflate)."""
    data = bytearray(path.read_bytes())
    for member, _, local in _central_entries(bytes(data)):
        if member == name:
            size, n, m = struct.unpack_from("<I4xHH", data, local + 18)
            start = local + 30 + n + m + size // 2
            for i in range(start, start + min(16, max(size // 4, 1))):
                data[i] ^= 0x5A
            path.write_bytes(bytes(data))
            return path
    raise KeyError(name)


def declare_size(path: Path, name: str, size: int) -> Path:
    """Rewrite one member's uncompressed size in both its headers (a lying archive)."""
    data = bytearray(path.read_bytes())
    for member, central, local in _central_entries(bytes(data)):
        if member == name:
            struct.pack_into("<I", data, central + 24, size)
            struct.pack_into("<I", data, local + 22, size)
            path.write_bytes(bytes(data))
            return path
    raise KeyError(name)


def zip_bomb(
    destination: Path, folder: str, member: str, size: int, extra: dict[str, bytes] | None = None
) -> Path:
    """A zip whose `member` is `size` zero bytes (deflate shrinks it about 1000:1)."""
    with zipfile.ZipFile(destination, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in (extra or {}).items():
            archive.writestr(f"{folder}/{name}", data)
        with archive.open(f"{folder}/{member}", "w") as out:
            chunk = bytes(1 << 20)
            for _ in range(size >> 20):
                out.write(chunk)
            out.write(bytes(size % (1 << 20)))
    return destination


@dataclass(frozen=True)
class ArgosEnv:
    home: Path
    packages_dir: Path
    env: dict[str, str]


def argos_environment(root: Path) -> dict[str, str]:
    """HOME, XDG_* and ARGOS_PACKAGES_DIR under `root`: nothing touches the user's models."""
    return {
        "HOME": str(root / "home"),
        "XDG_DATA_HOME": str(root / "home" / "data"),
        "XDG_CONFIG_HOME": str(root / "home" / "config"),
        "XDG_CACHE_HOME": str(root / "home" / "cache"),
        "ARGOS_PACKAGES_DIR": str(root / "packages"),
        "ARGOS_CHUNK_TYPE": "ARGOSTRANSLATE",
    }


@pytest.fixture(scope="session")
def argos_packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, BuiltPackage]:
    """es->en and ru->en packages, built once per test run (a couple of seconds)."""
    root = tmp_path_factory.mktemp("argos-packages")
    return {
        "es": build_package(root / "es", "es", "en", seed=1),
        "ru": build_package(root / "ru", "ru", "en", seed=2),
    }


@pytest.fixture
def argos_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ArgosEnv]:
    """Point HOME, XDG dirs and ARGOS_PACKAGES_DIR at a temp dir for this test."""
    env = argos_environment(tmp_path / "argos")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("ARGOS_PACKAGE_INDEX", raising=False)
    monkeypatch.delenv("SNAP", raising=False)
    Path(env["ARGOS_PACKAGES_DIR"]).mkdir(parents=True, exist_ok=True)
    yield ArgosEnv(Path(env["HOME"]), Path(env["ARGOS_PACKAGES_DIR"]), env)


def install_unzipped(package: BuiltPackage, packages_dir: Path) -> Path:
    """Extract a built package straight into a packages dir (no install code involved)."""
    with zipfile.ZipFile(package.file) as archive:
        archive.extractall(packages_dir)
    return packages_dir / package.folder


@pytest.fixture
def installed(argos_env: ArgosEnv, argos_packages: dict[str, BuiltPackage]) -> ArgosEnv:
    """Both tiny packages unzipped into this test's packages dir."""
    for package in argos_packages.values():
        install_unzipped(package, argos_env.packages_dir)
    return argos_env


# The start of a script that runs `argostranslate.translate` offline in a child process
# (the parity test, the translation bench). The default install carries no stanza, minisbd
# or PyTorch (argostranslate is installed --no-deps), yet argostranslate/sbd.py imports
# stanza and minisbd at import time: empty stand-ins let it import, and they are never
# called, because sentence splitting is swapped for the project's offline splitter (MiniSBD
# would download a model). Everything else is argostranslate's own code.
ARGOS_OFFLINE_PRELUDE = """
import json, sys, types
stanza = types.ModuleType("stanza")
minisbd = types.ModuleType("minisbd")
minisbd_models = types.ModuleType("minisbd.models")
minisbd_models.cache_dir = ""
class SBDetect:
    def __init__(self, *args, **kwargs):
        raise RuntimeError("minisbd stand-in: sentence splitting should have been swapped")
minisbd.SBDetect = SBDetect
minisbd.models = minisbd_models
for name, module in (("stanza", stanza), ("minisbd", minisbd), ("minisbd.models", minisbd_models)):
    sys.modules.setdefault(name, module)

import argostranslate.translate as argos
from monitor.translate.segment import split_sentences

class OfflineSentencizer:
    def __init__(self, pkg):
        self.pkg = pkg
    def split_sentences(self, text):
        return split_sentences(text)

argos.MiniSBDSentencizer = OfflineSentencizer
argos.StanzaSentencizer = OfflineSentencizer
"""

__all__ = [
    "ARGOS_LIKE",
    "ARGOS_OFFLINE_PRELUDE",
    "MINIMAL_ENTRIES",
    "TINY",
    "ArgosEnv",
    "BuiltPackage",
    "ModelShape",
    "argos_env",
    "argos_environment",
    "argos_packages",
    "build_package",
    "build_package_dir",
    "corrupt_member",
    "declare_size",
    "hostile_zip",
    "install_unzipped",
    "installed",
    "metadata",
    "zip_bomb",
    "zip_folder",
]
