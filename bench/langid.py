"""Language identification: plain langdetect vs the monitor's detector on the shared test data.

For sentences and word pairs: recall on es and ru, the false-positive rate (texts of the
12 other languages labelled es or ru, overall and per language), and time per text.
The detector's rules were tuned on lines 1-500 of each file; lines 501-1000 are held out,
so the detector's figures are also shown for each half.

    .venv/bin/python bench/langid.py [--data DIR] [--limit N]

DIR defaults to $MONITOR_LANGID_DATA, else ../shared/data/langid-testdata beside the repository.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory  # noqa: E402
from langdetect.lang_detect_exception import LangDetectException  # noqa: E402

from monitor.lang import detect_language  # noqa: E402
from tests.support.shared_data import LANGID_DATA  # noqa: E402

TARGETS = ("es", "ru")
OTHERS = ("pt", "ca", "it", "fr", "en", "ro", "uk", "bg", "be", "sr", "mk", "kk")
KINDS = ("sentences", "word-pairs")
TUNED = 500
GOALS = {
    "sentences": {"es": 0.995, "ru": 0.995, "fp": 0.01},
    "word-pairs": {"es": 0.75, "ru": 0.95},
}


def plain_langdetect() -> Callable[[str], str]:
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.seed = 0

    def detect(text: str) -> str:
        detector = factory.create()
        detector.append(text)
        try:
            return str(detector.detect())
        except LangDetectException:
            return "und"

    return detect


def project_detector(text: str) -> str:
    return detect_language(text).code


def load(data: Path, kind: str, limit: int) -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {}
    for lang in TARGETS + OTHERS:
        path = data / kind / f"{lang}.txt"
        lines = path.read_text(encoding="utf-8").splitlines()
        texts[lang] = lines[:limit] if limit else lines
    return texts


def label(
    detect: Callable[[str], str], texts: dict[str, list[str]]
) -> tuple[dict[str, list[str]], float]:
    started = time.perf_counter()
    labels = {lang: [detect(text) for text in lines] for lang, lines in texts.items()}
    count = sum(len(lines) for lines in texts.values())
    return labels, (time.perf_counter() - started) / count


def rates(labels: dict[str, list[str]], part: slice) -> dict[str, float]:
    out: dict[str, float] = {}
    for lang in TARGETS:
        got = labels[lang][part]
        out[f"recall {lang}"] = got.count(lang) / len(got)
    wrong = total = 0
    for lang in OTHERS:
        got = labels[lang][part]
        hits = sum(1 for code in got if code in TARGETS)
        out[f"  fp {lang}"] = hits / len(got)
        wrong += hits
        total += len(got)
    out["fp es/ru (all 12)"] = wrong / total
    return out


def table(
    kind: str, plain: dict[str, list[str]], ours: dict[str, list[str]], times: tuple[float, float]
) -> str:
    size = len(ours["es"])
    columns = [
        ("langdetect", rates(plain, slice(None))),
        ("detector", rates(ours, slice(None))),
    ]
    if size > TUNED:
        columns.append((f"det. 1-{TUNED}", rates(ours, slice(0, TUNED))))
        columns.append((f"det. {TUNED + 1}-", rates(ours, slice(TUNED, None))))
    order = ["recall es", "recall ru", "fp es/ru (all 12)"] + [f"  fp {lang}" for lang in OTHERS]
    lines = [f"{kind} ({size} texts per language)"]
    lines.append(f"{'':20}" + "".join(f"{name:>14}" for name, _ in columns))
    for row in order:
        lines.append(f"{row:20}" + "".join(f"{values[row]:>13.1%} " for _, values in columns))
    plain_ms, ours_ms = (t * 1000 for t in times)
    lines.append(
        f"{'ms per text':20}{plain_ms:>13.2f} {ours_ms:>13.2f}   (detector/langdetect = {ours_ms / plain_ms:.2f}x)"
    )
    goals = GOALS[kind]
    met = [f"{k} {'>=' if k != 'fp' else '<='} {v:.1%}" for k, v in goals.items()]
    lines.append(f"{'goals':20}" + ", ".join(met))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=LANGID_DATA, help="langid test data directory")
    parser.add_argument("--limit", type=int, default=0, help="lines per language (0 = all)")
    args = parser.parse_args(argv)
    missing = [kind for kind in KINDS if not (args.data / kind / "es.txt").is_file()]
    if missing:
        print(
            f"error: no langid test data under {args.data}; pass --data DIR or set MONITOR_LANGID_DATA.",
            file=sys.stderr,
        )
        return 2
    plain = plain_langdetect()
    detect_language("warm up: load the profiles before timing")
    for kind in KINDS:
        texts = load(args.data, kind, args.limit)
        plain_labels, plain_time = label(plain, texts)
        our_labels, our_time = label(project_detector, texts)
        print(table(kind, plain_labels, our_labels, (plain_time, our_time)))
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
