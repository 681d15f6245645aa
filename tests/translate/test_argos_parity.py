"""The engine against `argostranslate.translate` itself, on the same tiny packages.

argostranslate runs in a subprocess whose HOME, XDG dirs and ARGOS_* variables point
at a temp dir before it is first imported (its settings are read at import time).
Its MiniSBD sentence splitter would download a model, so the subprocess swaps in
this project's offline splitter; everything else (tokenisation, translate_batch
options, detokenisation) is argostranslate's own code. argostranslate is installed
without its dependencies, so the script registers empty `stanza`/`minisbd` modules
for the imports in its `sbd.py`.
"""

from __future__ import annotations

import json
import subprocess
import sys

from monitor.translate.engine import ArgosTranslator, DecodingOptions
from tests.support.argos_package import (
    ARGOS_OFFLINE_PRELUDE,
    ArgosEnv,
    BuiltPackage,
    install_unzipped,
)
from tests.support.shared_data import SENTENCES

ARGOS_SCRIPT = (
    ARGOS_OFFLINE_PRELUDE
    + """
texts = json.load(sys.stdin)
print(json.dumps({code: [argos.translate(t, code, "en") for t in items]
                  for code, items in texts.items()}))
"""
)


PLAIN = {
    "es": [
        "Los ministros conversaron sobre la cooperación entre ambos países.",
        "La reunión se celebró en la capital durante la mañana.",
        "El gobierno anunció nuevas medidas para el sector energético.",
    ],
    "ru": [
        "Министры обсудили сотрудничество между двумя странами.",
        "Встреча прошла в столице в первой половине дня.",
        "Правительство объявило о новых мерах в энергетической сфере.",
    ],
}


def _texts(code: str) -> list[str]:
    shared = SENTENCES.joinpath(f"{code}.txt")
    if shared.exists():
        lines = shared.read_text(encoding="utf-8").splitlines()[:12]
    else:
        lines = (PLAIN[code] * 4)[:12]
    joined = " ".join(lines[:3])
    return [*lines[:8], joined, f"{lines[0]}\n{lines[1]} {lines[2]}", f"{lines[3]}\n\n{lines[4]}"]


def test_engine_matches_argostranslate_token_for_token(
    argos_env: ArgosEnv,
    argos_packages: dict[str, BuiltPackage],
    subprocess_env: dict[str, str],
) -> None:
    for package in argos_packages.values():
        install_unzipped(package, argos_env.packages_dir)
    texts = {"es": _texts("es"), "ru": _texts("ru")}
    env = {**subprocess_env, **argos_env.env, "ARGOS_COMPUTE_TYPE": "default"}
    result = subprocess.run(
        [sys.executable, "-c", ARGOS_SCRIPT],
        input=json.dumps(texts),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    expected = json.loads(result.stdout.strip().splitlines()[-1])

    # Argos sends each paragraph's sentences with max_batch_size=32 tokens.
    translator = ArgosTranslator(DecodingOptions(max_batch_tokens=32))
    for code, items in texts.items():
        ours = [translator.translate([text], code, "en")[0] for text in items]
        assert ours == expected[code]
        assert any(len(out.split()) >= 2 for out in ours)  # the comparison is not vacuous
