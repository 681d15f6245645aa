"""Translation throughput: argostranslate one post at a time vs the engine vs one raw batch.

Builds es->en and ru->en packages with Argos-like dimensions (6+6 layers, d_model
512, 8 heads, FFN 2048, ~8k shared SentencePiece vocabulary) and random weights.
Random weights pick their own output lengths and batching changes them, so every
path decodes exactly `--length` tokens per sentence (min = max decoding length).

    .venv/bin/python bench/translate.py            # full run (several minutes)
    .venv/bin/python bench/translate.py --quick    # smoke run

argostranslate runs in a child process (its import pulls in torch, and its
settings must see a temporary HOME before import); the memory check runs in
another child so its RSS shows only the engine with both models loaded.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.translate.engine import ArgosTranslator, DecodingOptions  # noqa: E402
from monitor.translate.segment import split_sentences  # noqa: E402
from tests.support.argos_package import (  # noqa: E402
    ARGOS_LIKE,
    ARGOS_OFFLINE_PRELUDE,
    argos_environment,
    build_package_dir,
    training_lines,
)
from tests.support.shared_data import SENTENCES  # noqa: E402

BEAM = 4

ARGOS_CHILD = (
    ARGOS_OFFLINE_PRELUDE
    + """
import time
import ctranslate2

length = int(sys.argv[1])

class FixedLength:
    def __init__(self, *args, **kwargs):
        self.inner = ctranslate2.Translator(*args, **kwargs)
    def translate_batch(self, tokens, **kwargs):
        kwargs.update(min_decoding_length=length, max_decoding_length=length)
        return self.inner.translate_batch(tokens, **kwargs)

argos.ctranslate2 = types.SimpleNamespace(Translator=FixedLength)
posts = json.load(sys.stdin)
for code in ("es", "ru"):  # load both models before timing
    argos.translate(next(text for lang, text in posts if lang == code), code, "en")
started = time.perf_counter()
for code, text in posts:
    argos.translate(text, code, "en")
print(json.dumps({"seconds": time.perf_counter() - started}))
"""
)

MEMORY_CHILD = """
import json, random, sys
from pathlib import Path
from monitor.translate.engine import ArgosTranslator, DecodingOptions

packages, length, checkpoints = Path(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
lines = json.load(sys.stdin)

def peak_mb():
    with open("/proc/self/status") as status:
        line = next(l for l in status if l.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024

def rss_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 1e6

options = DecodingOptions(min_decoding_length=length, max_decoding_length=length)
engine = ArgosTranslator(options, directories=[packages])
rng = random.Random(7)
report = {}
engine.translate(["Hola."], "es", "en"); engine.translate(["Привет."], "ru", "en")
report["loaded"] = rss_mb()
done = 0
for checkpoint in checkpoints:
    while done < checkpoint:
        for code in ("es", "ru"):
            batch = [" ".join(rng.sample(lines[code], 2)) + f" {done + i}." for i in range(16)]
            engine.translate(batch, code, "en")
        done += 32
    report[str(checkpoint)] = rss_mb()
report["peak"] = peak_mb()
print(json.dumps(report))
"""


def make_posts(count: int, seed: int = 1) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    lines = {c: _lines(c) for c in ("es", "ru")}
    posts = []
    for i in range(count):
        code = "es" if i % 2 == 0 else "ru"
        posts.append((code, " ".join(rng.sample(lines[code], rng.randint(2, 4)))))
    return posts


def _lines(code: str) -> list[str]:
    text = (SENTENCES / f"{code}.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


def build(root: Path) -> Path:
    packages = root / "packages"
    lines = training_lines(("es", "ru", "en"), per_language=1000)
    for seed, code in enumerate(("es", "ru"), start=1):
        build_package_dir(packages, code, "en", shape=ARGOS_LIKE, seed=seed, lines=lines)
    return packages


def run_argos(posts: list[tuple[str, str]], env: dict[str, str], length: int) -> float:
    result = subprocess.run(
        [sys.executable, "-c", ARGOS_CHILD, str(length)],
        input=json.dumps(posts),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"argostranslate baseline failed:\n{result.stderr[-3000:]}")
    return float(json.loads(result.stdout.strip().splitlines()[-1])["seconds"])


def run_engine(
    posts: list[tuple[str, str]], packages: Path, options: DecodingOptions, chunk: int
) -> float:
    engine = ArgosTranslator(options, directories=[packages])
    engine.translate(["Hola."], "es", "en")
    engine.translate(["Привет."], "ru", "en")
    by_code = {c: [t for code, t in posts if code == c] for c in ("es", "ru")}
    started = time.perf_counter()
    for code, texts in by_code.items():
        for offset in range(0, len(texts), chunk):
            engine.translate(texts[offset : offset + chunk], code, "en")
    return time.perf_counter() - started


def run_ceiling(
    posts: list[tuple[str, str]], packages: Path, compute_type: str, length: int, tokens: int
) -> tuple[float, int]:
    import ctranslate2
    import sentencepiece

    prepared = {}
    for code in ("es", "ru"):
        folder = packages / f"translate-{code}_en-1_9"
        sp = sentencepiece.SentencePieceProcessor(model_file=str(folder / "sentencepiece.model"))
        sentences = [
            s for c, t in posts if c == code for p in t.split("\n") for s in split_sentences(p)
        ]
        model = ctranslate2.Translator(str(folder / "model"), compute_type=compute_type)
        prepared[code] = (model, [sp.encode(s, out_type=str) for s in sentences])
    started = time.perf_counter()
    produced = 0
    for model, batch in prepared.values():
        results = model.translate_batch(
            batch,
            max_batch_size=tokens,
            batch_type="tokens",
            beam_size=BEAM,
            length_penalty=0.2,
            replace_unknowns=True,
            min_decoding_length=length,
            max_decoding_length=length,
        )
        produced += sum(len(r.hypotheses[0]) for r in results)
    return time.perf_counter() - started, produced


def run_memory(
    packages: Path, env: dict[str, str], length: int, checkpoints: list[int]
) -> dict[str, float]:
    lines = {c: _lines(c) for c in ("es", "ru")}
    result = subprocess.run(
        [sys.executable, "-c", MEMORY_CHILD, str(packages), str(length), json.dumps(checkpoints)],
        input=json.dumps(lines),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"memory run failed:\n{result.stderr[-3000:]}")
    return {k: float(v) for k, v in json.loads(result.stdout.strip().splitlines()[-1]).items()}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--posts", type=int, default=500)
    parser.add_argument(
        "--baseline-posts",
        type=int,
        default=100,
        help="posts for the slow argostranslate baseline (its rates are per second)",
    )
    parser.add_argument("--length", type=int, default=30, help="target tokens per sentence")
    parser.add_argument("--chunk", type=int, default=64, help="posts per engine call")
    parser.add_argument("--max-batch-tokens", type=int, default=4096)
    parser.add_argument("--compute-types", default="float32,int8")
    parser.add_argument("--memory-posts", default="1000,10000")
    parser.add_argument("--memory-length", type=int, default=4)
    parser.add_argument("--quick", action="store_true", help="smoke run: few posts, short outputs")
    args = parser.parse_args()
    if args.quick:
        args.posts, args.baseline_posts, args.length = 40, 10, 8
        args.memory_posts = "100,300"
    return args


def compare(
    args: argparse.Namespace, packages: Path, env: dict[str, str], compute_type: str
) -> None:
    posts = make_posts(args.posts)
    baseline = posts[: args.baseline_posts]
    sentences = sum(len(split_sentences(t)) for _, t in posts)
    base_tokens = sum(len(split_sentences(t)) for _, t in baseline) * args.length
    argos_s = run_argos(baseline, {**env, "ARGOS_COMPUTE_TYPE": compute_type}, args.length)
    options = DecodingOptions(
        compute_type=compute_type,
        max_batch_tokens=args.max_batch_tokens,
        min_decoding_length=args.length,
        max_decoding_length=args.length,
    )
    engine_s = run_engine(posts, packages, options, args.chunk)
    ceiling_s, produced = run_ceiling(
        posts, packages, compute_type, args.length, args.max_batch_tokens
    )
    assert produced == sentences * args.length, (produced, sentences)
    rates = [
        ("argostranslate, one post at a time", base_tokens / argos_s, len(baseline) / argos_s),
        (f"engine ({args.chunk} posts per call)", produced / engine_s, len(posts) / engine_s),
        ("ceiling (one translate_batch)", produced / ceiling_s, len(posts) / ceiling_s),
    ]
    print(f"\n[{compute_type}]")
    for name, tokens, per_post in rates:
        print(f"  {name:<38} {tokens:8.0f} target tok/s {per_post:8.2f} posts/s")
    print(f"  engine / argostranslate = {rates[1][1] / rates[0][1]:.1f}x (goal >= 4x)")
    print(f"  engine / ceiling        = {rates[1][1] / rates[2][1]:.2f}x (goal >= 0.9x)")


def main() -> int:
    args = parse_args()
    checkpoints = [int(x) for x in args.memory_posts.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench-translate-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        packages = build(root)
        vocabulary = packages / "translate-es_en-1_9" / "model" / "shared_vocabulary.json"
        size = len(json.loads(vocabulary.read_text(encoding="utf-8")))
        print(
            f"built es->en and ru->en (6+6 layers, d_model 512, 8 heads, FFN 2048,"
            f" vocabulary {size}) in {time.perf_counter() - started:.0f}s"
        )
        env = {**os.environ, **argos_environment(root), "PYTHONPATH": str(ROOT)}
        env["ARGOS_PACKAGES_DIR"] = str(packages)
        posts = make_posts(args.posts)
        sentences = sum(len(split_sentences(t)) for _, t in posts)
        print(
            f"{len(posts)} posts ({sentences} sentences), beam {BEAM}, {args.length} target"
            f" tokens per sentence; argostranslate baseline on the first {args.baseline_posts}"
        )
        for compute_type in args.compute_types.split(","):
            compare(args, packages, env, compute_type)
        memory = run_memory(packages, env, args.memory_length, checkpoints)
        print(
            "\nmemory (engine only, es and ru models loaded, default compute type,"
            f" {args.memory_length} target tokens per sentence, 2 sentences per post):"
        )
        print(f"  RSS with both models loaded: {memory['loaded']:.0f} MB")
        for checkpoint in checkpoints:
            print(f"  RSS after {checkpoint:>6} posts:   {memory[str(checkpoint)]:.0f} MB")
        print(f"  peak RSS (VmHWM):            {memory['peak']:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
