"""Statements: pairwise precision and recall of a clusterer on the labelled cross-post set.

Every post belongs to one statement (all its versions on every platform and in every
language). The labelled set in bench/data/statements/ is split by statement into a tuning
half and a held-out half; for each half this prints pairwise precision and recall for
same-language pairs and cross-language pairs, the time per post, and the statement sizes.

    .venv/bin/python bench/statements.py [--clusterer MODULE:FUNCTION|baseline]
                                          [--half tuning|heldout|both] [--window-days 7]
                                          [--week-posts 1000]

A clusterer is a function `cluster(posts, window) -> list[str]`: `posts` are `Post`s in
collection (`published_at`) order, `window` a timedelta; it returns, for each post, the id
of the first collected post of its statement (the post's own id when it starts one). It
must work incrementally: a post may only be compared with statements that have a post in
the `window` before it, and a post's answer may not depend on later posts. The default is
the monitor's clusterer (`monitor.statements.bench_adapter:cluster`); `--clusterer baseline`
runs the baseline below, `--clusterer MODULE:FUNCTION` any other. Tune with `--half tuning`
only; the held-out half is for the final report.
"""

from __future__ import annotations

import argparse
import importlib
import json
import random
import re
import sys
import time
import unicodedata
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import combinations
from pathlib import Path
from urllib.parse import urlsplit

DATA = Path(__file__).resolve().parent / "data" / "statements"
HALVES = ("tuning", "heldout")
DEFAULT_CLUSTERER = "monitor.statements.bench_adapter:cluster"
GOALS: dict[str, tuple[float, float]] = {"same": (0.97, 0.95), "cross": (0.95, 0.85)}
MS_GOAL = 20.0


@dataclass(frozen=True)
class Post:
    """What a clusterer sees of a post: the record's fields, without the gold label."""

    id: str
    platform: str
    source: str
    account: str
    published_at: datetime
    lang: str
    title: str | None
    text: str
    links: tuple[str, ...]


Clusterer = Callable[[Sequence[Post], timedelta], list[str]]


def load(path: Path) -> tuple[list[Post], list[str], list[str]]:
    """Posts in collection order, their gold statements and their notes."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    rows.sort(key=lambda row: (row["published_at"], row["id"]))
    posts = [
        Post(
            id=row["id"],
            platform=row["platform"],
            source=row["source"],
            account=row["account"],
            published_at=datetime.fromisoformat(row["published_at"]),
            lang=row["lang"],
            title=row["title"],
            text=row["text"],
            links=tuple(row["links"]),
        )
        for row in rows
    ]
    return posts, [row["statement"] for row in rows], [row["note"] for row in rows]


# --- baseline: same-language near-duplicates and shared article links; no cross-language ---

URL = re.compile(r"https?://\S+")
HANDLE = re.compile(r"[@#]\w+")
WORD = re.compile(r"\w+")
SHINGLE = 3
THRESHOLD = 0.25  # best same-language F1 on the tuning half (shingles of 2 or 3, 0.1-0.7)


def shingles(post: Post) -> frozenset[str]:
    text = unicodedata.normalize("NFC", f"{post.title or ''} {post.text}").lower()
    words = WORD.findall(HANDLE.sub(" ", URL.sub(" ", text)))
    if len(words) < SHINGLE:
        return frozenset(words)
    return frozenset(" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1))


def article_links(post: Post) -> set[str]:
    """Links that point at one document: a path beyond the site's home or a profile page."""
    out = set()
    for link in post.links:
        parts = urlsplit(link)
        if parts.netloc in {"t.me", "x.com", "twitter.com"}:
            continue
        if len([segment for segment in parts.path.split("/") if segment]) >= 2:
            out.add(link.rstrip("/"))
    return out


def baseline(posts: Sequence[Post], window: timedelta) -> list[str]:
    """Baseline: shingle Jaccard >= THRESHOLD or a shared article link, within one language."""
    out: list[str] = []
    recent: deque[int] = deque()  # indices of posts inside the window, oldest first
    by_shingle: dict[str, set[int]] = {}
    by_link: dict[str, set[int]] = {}
    sets: list[frozenset[str]] = []
    for index, post in enumerate(posts):
        while recent and posts[recent[0]].published_at < post.published_at - window:
            old = recent.popleft()
            for key in sets[old]:
                by_shingle[f"{posts[old].lang}:{key}"].discard(old)
            for link in article_links(posts[old]):
                by_link[f"{posts[old].lang}:{link}"].discard(old)
        mine = shingles(post)
        sets.append(mine)
        links = article_links(post)
        candidates: set[int] = set()
        for key in mine:
            candidates |= by_shingle.get(f"{post.lang}:{key}", set())
        best, best_score = -1, THRESHOLD
        for other in sorted(candidates):
            score = len(mine & sets[other]) / len(mine | sets[other])
            if score >= best_score:
                best, best_score = other, score
        if best < 0:
            shared = sorted(
                set().union(*(by_link.get(f"{post.lang}:{link}", set()) for link in links))
            )
            best = shared[-1] if shared else -1
        out.append(out[best] if best >= 0 else post.id)
        recent.append(index)
        for key in mine:
            by_shingle.setdefault(f"{post.lang}:{key}", set()).add(index)
        for link in links:
            by_link.setdefault(f"{post.lang}:{link}", set()).add(index)
    return out


# --- measuring ---


@dataclass(frozen=True)
class Pairs:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, gold: bool, predicted: bool) -> Pairs:
        return replace(
            self,
            tp=self.tp + (gold and predicted),
            fp=self.fp + (predicted and not gold),
            fn=self.fn + (gold and not predicted),
        )


def score(posts: Sequence[Post], gold: Sequence[str], got: Sequence[str]) -> dict[str, Pairs]:
    counts = {"same": Pairs(), "cross": Pairs()}
    for i, j in combinations(range(len(posts)), 2):
        kind = "same" if posts[i].lang == posts[j].lang else "cross"
        counts[kind] = counts[kind].add(gold[i] == gold[j], got[i] == got[j])
    return counts


def contract_errors(posts: Sequence[Post], got: Sequence[str]) -> list[str]:
    """A statement id must be the id of the first collected post of that statement."""
    if len(got) != len(posts):
        return [f"returned {len(got)} statement ids for {len(posts)} posts"]
    first: dict[str, str] = {}
    errors = []
    for post, statement in zip(posts, got, strict=True):
        first.setdefault(statement, post.id)
        if first[statement] != statement:
            errors.append(f"{post.id}: statement id {statement} is not its first post's id")
    return errors


def with_load(posts: Sequence[Post], week_posts: int, seed: int = 7) -> list[Post]:
    """The posts among filler at `week_posts` per 7 days, from a week before the first post.

    Filler posts are the same posts with their words shuffled, so they look like traffic
    (same languages, lengths, platforms) without being versions of the labelled statements.
    """
    start = posts[0].published_at - timedelta(days=7)
    span = posts[-1].published_at - start
    count = int(week_posts * span / timedelta(days=7))
    rng = random.Random(seed)
    filler = []
    for n in range(count):
        model = rng.choice(posts)
        words = model.text.split()
        rng.shuffle(words)
        at = start + span * (n / max(count, 1))
        filler.append(
            replace(model, id=f"filler:{n}", published_at=at, text=" ".join(words), links=())
        )
    return sorted([*filler, *posts], key=lambda post: (post.published_at, post.id))


def percent(numerator: int, denominator: int) -> str:
    return f"{numerator / denominator:.1%}" if denominator else "n/a"


def sizes(labels: Sequence[str]) -> str:
    histogram = Counter(Counter(labels).values())
    return " ".join(f"{size}:{histogram[size]}" for size in sorted(histogram))


def run_half(cluster: Clusterer, name: str, window: timedelta, week_posts: int) -> dict[str, str]:
    posts, gold, notes = load(DATA / f"{name}.jsonl")
    started = time.perf_counter()
    got = cluster(posts, window)
    elapsed = time.perf_counter() - started
    errors = contract_errors(posts, got)
    for error in errors[:5]:
        print(f"contract error ({name}): {error}", file=sys.stderr)
    counts = score(posts, gold, got)
    merged_negatives = sum(
        1
        for i, j in combinations(range(len(posts)), 2)
        if got[i] == got[j] and gold[i] != gold[j] and "hard-negative" in notes[i] + notes[j]
    )
    row = {"posts / statements": f"{len(posts)} / {len(set(gold))}"}
    for kind in ("same", "cross"):
        pairs = counts[kind]
        row[f"{kind}-lang gold pairs"] = str(pairs.tp + pairs.fn)
        row[f"{kind}-lang precision"] = percent(pairs.tp, pairs.tp + pairs.fp)
        row[f"{kind}-lang recall"] = percent(pairs.tp, pairs.tp + pairs.fn)
    row["false merges (hard-neg.)"] = (
        f"{counts['same'].fp + counts['cross'].fp} ({merged_negatives})"
    )
    met = [
        pairs.tp >= goal[0] * (pairs.tp + pairs.fp) and pairs.tp >= goal[1] * (pairs.tp + pairs.fn)
        for pairs, goal in ((counts[kind], GOALS[kind]) for kind in ("same", "cross"))
    ]
    row["ms per post"] = f"{elapsed * 1000 / len(posts):.2f}"
    per_post = elapsed * 1000 / len(posts)
    if week_posts:
        loaded = with_load(posts, week_posts)
        started = time.perf_counter()
        cluster(loaded, window)
        per_post = (time.perf_counter() - started) * 1000 / len(loaded)
        row[f"ms/post, {week_posts}/week"] = f"{per_post:.2f}"
    row["goals met (same/cross/ms)"] = "/".join(
        "yes" if ok else "no" for ok in (*met, per_post <= MS_GOAL)
    )
    row["statements found"] = str(len(set(got)))
    row["sizes found"] = sizes(got)
    row["sizes gold"] = sizes(gold)
    row["contract errors"] = str(len(errors))
    return row


def resolve(spec: str) -> Clusterer:
    if spec == "baseline":
        return baseline
    module, _, function = spec.partition(":")
    if not function:
        raise SystemExit(f"error: --clusterer wants MODULE:FUNCTION, got {spec!r}.")
    try:
        found: Clusterer = getattr(importlib.import_module(module), function)
    except (ImportError, AttributeError) as error:
        raise SystemExit(f"error: cannot load clusterer {spec!r}: {error}.") from None
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--clusterer", default=DEFAULT_CLUSTERER, help="MODULE:FUNCTION or baseline"
    )
    parser.add_argument(
        "--half", choices=("tuning", "heldout", "both"), default="both", help="which half to run"
    )
    parser.add_argument("--window-days", type=float, default=7.0, help="comparison window")
    parser.add_argument(
        "--week-posts", type=int, default=1000, help="filler posts per week for timing (0: off)"
    )
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    cluster = resolve(args.clusterer)
    window = timedelta(days=args.window_days)
    halves = HALVES if args.half == "both" else (args.half,)
    rows = {name: run_half(cluster, name, window, args.week_posts) for name in halves}
    label = "baseline (shingle Jaccard + shared link, no cross-language)"
    print(f"statements, clusterer: {label if args.clusterer == 'baseline' else args.clusterer}")
    print(f"window {args.window_days:g} days; pairs of posts within each half")
    print(f"{'':26}" + "".join(f"{name:>16}" for name in halves))
    for key in rows[halves[0]]:
        if key.startswith("sizes"):
            continue
        print(f"{key:26}" + "".join(f"{rows[name][key]:>16}" for name in halves))
    for key in ("sizes found", "sizes gold"):
        for name in halves:
            print(f"{key + ' (' + name + ')':26}  {rows[name][key]}   (size:count)")
    same, cross = GOALS["same"], GOALS["cross"]
    print(
        f"{'goals (held-out)':26}same-lang P >= {same[0]:.0%}, R >= {same[1]:.0%}; "
        f"cross-lang P >= {cross[0]:.0%}, R >= {cross[1]:.0%}; <= {MS_GOAL:g} ms per post "
        "with a week in the window"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
