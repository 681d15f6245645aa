from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from monitor.config import Settings
from monitor.errors import TranslationError
from monitor.store import Store
from monitor.translate.base import NoTranslator
from monitor.translate.engine import ArgosTranslator, DecodingOptions, build_translator
from tests.support.argos_package import ArgosEnv, BuiltPackage, install_unzipped
from tests.support.store import query

TESTDATA = Path(__file__).parent / "testdata"
ES = (TESTDATA / "posts_es.txt").read_text(encoding="utf-8").splitlines()
RU = (TESTDATA / "posts_ru.txt").read_text(encoding="utf-8").splitlines()


def test_building_is_cheap_and_models_load_lazily(installed: ArgosEnv) -> None:
    translator = build_translator(Settings(), None)
    assert isinstance(translator, ArgosTranslator)
    assert translator._loaded == {}
    assert translator.model_for("es", "en") == "translate-es_en-1.9"
    assert translator.model_for("ru", "en") == "translate-ru_en-1.9"
    assert translator.model_for("de", "en") is None
    assert translator._loaded == {}
    out = translator.translate(ES, "es", "en")
    assert len(out) == len(ES) and all(isinstance(text, str) for text in out)
    assert len(translator._loaded) == 1
    translator.close()


def test_disabled_translation_gives_no_translator() -> None:
    settings = Settings.model_validate({"translation": {"enabled": False}})
    assert isinstance(build_translator(settings, None), NoTranslator)


def test_batched_equals_one_by_one_and_is_deterministic(installed: ArgosEnv) -> None:
    translator = ArgosTranslator()
    texts = RU + ES[:1]
    batched = translator.translate(RU, "ru", "en")
    single = [translator.translate([text], "ru", "en")[0] for text in RU]
    assert batched == single
    assert translator.translate(RU, "ru", "en") == batched
    assert len(texts) == 4


def test_entities_and_paragraphs_survive(installed: ArgosEnv) -> None:
    translator = ArgosTranslator()
    text = "#EnFotos | Hablamos con @Fariacrt hoy.\n\nLea más: https://t.co/AbC_123 🇻🇪"
    out = translator.translate([text], "es", "en")[0]
    first, empty, second = out.split("\n")
    assert first.startswith("#EnFotos | ") and "@Fariacrt" in first
    assert empty == ""
    assert second.endswith(" https://t.co/AbC_123 🇻🇪")
    assert translator.translate(["#EnFotos"], "es", "en") == ["#EnFotos"]
    assert translator.translate(["", "  "], "es", "en") == ["", ""]


def test_cache_serves_repeated_sentences(installed: ArgosEnv, backend_store: Store) -> None:
    store = backend_store
    first = build_translator(Settings(), store)
    out = first.translate(RU, "ru", "en")
    rows = query(store, "SELECT pair, model, hits FROM translation_cache")
    assert rows and {r["pair"] for r in rows} == {"ru_en"}
    assert all(r["model"].startswith("translate-ru_en-1.9#b4-lp0.2") for r in rows)
    second = build_translator(Settings(), store)
    assert second.translate(RU, "ru", "en") == out
    assert (
        isinstance(second, ArgosTranslator) and second._loaded
    )  # loaded, but only for its tokenizer
    assert sum(r["hits"] for r in query(store, "SELECT hits FROM translation_cache")) >= len(rows)
    store.close()


def test_missing_model_raises_and_a_later_install_is_noticed(
    argos_env: ArgosEnv, argos_packages: dict[str, BuiltPackage]
) -> None:
    now = [0.0]
    translator = ArgosTranslator(rescan_seconds=30, clock=lambda: now[0])
    assert translator.model_for("es", "en") is None
    with pytest.raises(TranslationError, match="no translation model for es->en"):
        translator.translate(["Hola."], "es", "en")
    install_unzipped(argos_packages["es"], argos_env.packages_dir)
    now[0] = 10.0
    assert translator.model_for("es", "en") is None  # not re-scanned yet
    now[0] = 31.0
    assert translator.model_for("es", "en") == "translate-es_en-1.9"


def test_pivot_through_a_third_language(
    argos_env: ArgosEnv, argos_packages: dict[str, BuiltPackage], tmp_path: Path
) -> None:
    from tests.support.argos_package import build_package

    es_ru = build_package(tmp_path / "esru", "es", "ru", seed=3)
    install_unzipped(es_ru, argos_env.packages_dir)
    install_unzipped(argos_packages["ru"], argos_env.packages_dir)
    translator = ArgosTranslator()
    assert translator.model_for("es", "en") == "translate-es_ru-1.9+translate-ru_en-1.9"
    direct = ArgosTranslator()
    middle = direct.translate(ES[:1], "es", "ru")
    assert translator.translate(ES[:1], "es", "en") == direct.translate(middle, "ru", "en")


def test_a_damaged_model_is_a_translation_error(installed: ArgosEnv) -> None:
    (installed.packages_dir / "translate-es_en-1_9" / "model" / "model.bin").write_bytes(b"junk")
    with pytest.raises(TranslationError, match=r"cannot load the model translate-es_en-1\.9"):
        ArgosTranslator().translate(["Hola."], "es", "en")


def test_the_translate_path_opens_no_connection(
    installed: ArgosEnv, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    attempts: list[Any] = []

    def refuse(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise OSError("no network in the translate path")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    store = Store.open(tmp_path)
    translator = build_translator(Settings(), store)
    translator.translate(ES, "es", "en")
    translator.translate(RU, "ru", "en")
    store.close()
    assert attempts == []


def test_the_engine_never_imports_argostranslate_or_torch(installed: ArgosEnv) -> None:
    code = (
        "import sys\n"
        "from monitor.config import Settings\n"
        "from monitor.translate.engine import build_translator\n"
        "t = build_translator(Settings(), None)\n"
        "print(t.translate(['Hola, amigos.'], 'es', 'en'))\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in"
        " ('argostranslate', 'torch', 'stanza', 'spacy', 'onnxruntime', 'minisbd')]\n"
        "assert not heavy, heavy\n"
    )
    env = {**installed.env, "PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path.cwd())}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_options_come_from_settings() -> None:
    settings = Settings.model_validate(
        {"translation": {"beam_size": 2, "compute_type": "int8", "max_batch_tokens": 128}}
    )
    options = DecodingOptions.from_settings(settings.translation)
    assert (options.beam_size, options.compute_type, options.max_batch_tokens) == (2, "int8", 128)
    assert DecodingOptions().compute_type is None
    assert "int8" in options.fingerprint() and "default" in DecodingOptions().fingerprint()
