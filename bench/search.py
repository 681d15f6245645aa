"""Benchmark: full-text search over a store of N posts (default 1,000,000).

The posts are made from the shared sentences (es, ru and en lines of the langid test data,
1-3 sentences per post; es and ru posts get an "English translation" made of English lines)
and written through the store's own write path in batches of 1,000 posts of one source:
`save_fetch`, `mark_detected` for the posts that need translating, `mark_ready` with the
records. Then:

- writing: the first `--compare` posts written into a store without the search index
  (the baseline: the same store class with its index hooks turned off and the index table
  dropped) and into the real store, in the same process; the ratio is what indexing adds
  to the first pass of writing (`save_fetch` alone, and the whole write path);
- size: both stores' files at that point, and the index's share of the full store (dbstat);
- search: p50/p95 of `Store.search` (parse, count, first page of 20 records) for one-word,
  two-word, phrase and filtered queries drawn from the same sentences, with, as the baseline
  measured in the same process, a SQL LIKE scan over the posts' text (how FreshRSS searches)
  on a few one-word queries; and the worst case, the 10 most frequent words of each
  language, which match a large share of the posts.

    .venv/bin/python bench/search.py [--posts 1000000] [--compare 100000] [--queries 200]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.record import (  # noqa: E402
    Author,
    Item,
    Language,
    PostRecord,
    Translation,
    build_record,
)
from monitor.search import parse_query  # noqa: E402
from monitor.state import SourceState  # noqa: E402
from monitor.store import Store  # noqa: E402
from tests.support.shared_data import LANGID_DATA  # noqa: E402

LANGUAGES = ("es", "ru", "en")
PLATFORMS = ("telegram", "x", "rss", "mastodon", "bluesky")
SOURCES = 200
BATCH = 1000
START = datetime(2025, 1, 1, tzinfo=UTC)
SPAN = timedelta(days=730)
WORD = re.compile(r"[^\W\d_]{4,}")
GOALS = "goals: p50 <= 20 ms, p95 <= 100 ms per query type; indexing <= +25%; size <= 2x"


class PlainStore(Store):
    """The store without its search index: the baseline for writing and size."""

    def _index_collected(self, *args: object, **kwargs: object) -> None:
        pass

    def _index_detected(self, *args: object, **kwargs: object) -> None:
        pass

    def _index_ready(self, *args: object, **kwargs: object) -> None:
        pass

    def _unindex_posts(self, *args: object, **kwargs: object) -> None:
        pass

    def drop_index(self) -> None:
        with self.transaction() as db:
            db.execute("DROP TABLE post_search")
            db.execute("DROP INDEX posts_search_doc")
            db.execute("ALTER TABLE posts DROP COLUMN search_doc")


def load(data: Path) -> dict[str, list[str]]:
    return {
        lang: [
            line
            for line in (data / "sentences" / f"{lang}.txt").read_text("utf-8").splitlines()
            if line.strip()
        ]
        for lang in LANGUAGES
    }


def batches(
    sentences: dict[str, list[str]], total: int, seed: int
) -> Iterator[tuple[str, str, list[tuple[Item, PostRecord]]]]:
    """(source, platform, [(item, ready record)]) per batch of one source, oldest first."""
    rng = random.Random(seed)
    step = SPAN / max(1, total)
    number = 0
    while number < total:
        source_number = (number // BATCH) % SOURCES
        platform = PLATFORMS[source_number % len(PLATFORMS)]
        source = f"{platform}-{source_number}"
        batch = []
        for _ in range(min(BATCH, total - number)):
            lang = LANGUAGES[rng.randrange(3)]
            count = rng.randint(1, 3)
            text = " ".join(rng.choice(sentences[lang]) for _ in range(count))
            published = START + step * number + timedelta(seconds=rng.randrange(600))
            item = Item(
                platform=platform,
                native_id=f"{source}/{number}",
                author=Author(source),
                text=text,
                url=f"https://example.org/{source}/{number}",
                published_at=published.replace(microsecond=0),
            )
            if lang == "en":
                translation = Translation("not_needed", source="en")
            else:
                english = " ".join(rng.choice(sentences["en"]) for _ in range(count))
                translation = Translation("translated", english, lang, "en", "bench", "bench-1")
            record = build_record(
                item,
                source=source,
                revision=1,
                collected_at=published + timedelta(minutes=5),
                language=Language(lang, 0.99),
                translation=translation,
            )
            batch.append((item, record))
            number += 1
        yield source, platform, batch


def write(
    store: Store, source: str, platform: str, batch: list[tuple[Item, PostRecord]]
) -> tuple[float, float]:
    """Write one batch as the pipeline does; (seconds in save_fetch, in the whole path)."""
    started = time.perf_counter()
    store.save_fetch(source, platform, [item for item, _ in batch], SourceState())
    saved = time.perf_counter()
    store.mark_detected(
        [
            ("translating", r.id, 1, r.language.code, 0.99)
            for _, r in batch
            if r.language.code != "en"
        ]
    )
    store.mark_ready([record for _, record in batch])
    return saved - started, time.perf_counter() - started


def file_size(store: Store) -> int:
    store._query("PRAGMA wal_checkpoint(TRUNCATE)")
    return store.path.stat().st_size


def index_bytes(store: Store) -> int:
    """Bytes of the search index in the store: the FTS5 tables and the row-id index."""
    rows = store._query(
        "SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'post_search%' OR name = 'posts_search_doc'"
    )
    return int(rows[0][0] or 0)


def sample_queries(sentences: dict[str, list[str]], count: int, seed: int) -> dict[str, list[str]]:
    rng = random.Random(seed)

    def words(lang: str | None = None) -> list[str]:
        while True:
            found = WORD.findall(rng.choice(sentences[lang or LANGUAGES[rng.randrange(3)]]))
            if len(found) >= 2:
                return found

    def one() -> str:
        return rng.choice(words())

    def two() -> str:
        found = words()
        first, second = rng.sample(range(len(found)), 2)
        return f"{found[first]} {found[second]}"

    def phrase() -> str:
        found = words()
        at = rng.randrange(len(found) - 1)
        return f'"{found[at]} {found[at + 1]}"'

    def filtered() -> str:
        lang = LANGUAGES[rng.randrange(3)]
        day = (START + timedelta(days=rng.randrange(640))).date()
        return f"{rng.choice(words(lang))} lang:{lang} since:{day} until:{day + timedelta(days=90)}"

    makers: dict[str, Callable[[], str]] = {
        "one word": one,
        "two words": two,
        "phrase": phrase,
        "filtered (word, lang:, 90 days)": filtered,
    }
    queries = {name: [make() for _ in range(count)] for name, make in makers.items()}
    # The worst case: the most frequent words of each language ("de", "the", "и"), which
    # match a large share of the store, so counting them walks long lists.
    frequent = []
    for lang in LANGUAGES:
        counts = Counter(w.lower() for line in sentences[lang] for w in re.findall(r"\w+", line))
        frequent += [word for word, _ in counts.most_common(10)]
    queries["most frequent words (worst case)"] = frequent
    return queries


def timed(store: Store, queries: Sequence[str]) -> tuple[list[float], list[int]]:
    times, totals = [], []
    for text in queries:
        started = time.perf_counter()
        found = store.search(parse_query(text), limit=20)
        times.append((time.perf_counter() - started) * 1000)
        totals.append(found.total)
    return times, totals


def like_baseline(store: Store, words: Sequence[str]) -> list[float]:
    """What a LIKE search costs on the same store: count and first page of the matches."""
    times = []
    for word in words:
        pattern = f"%{word}%"
        started = time.perf_counter()
        store._query(
            "SELECT count(*) FROM posts WHERE item LIKE ? OR translation LIKE ?", (pattern, pattern)
        )
        store._query(
            "SELECT id FROM posts WHERE item LIKE ? OR translation LIKE ? ORDER BY published_at DESC LIMIT 20",
            (pattern, pattern),
        )
        times.append((time.perf_counter() - started) * 1000)
    return times


TIMELINE_PAGES = {
    "timeline, page 1": "/",
    "timeline, page 50": "/?page=50",
    "timeline, one platform": "/?platform=telegram",
    "timeline, one language": "/?lang=ru",
    "timeline, a week": "/?since=2026-06-01&until=2026-06-07",
    "stylesheet (baseline: the stack alone)": "/static/web.css",
    "timeline, translated only": "/?translated=yes",
    "timeline, edited only": "/?edited=yes",
}


def timeline_pages(store: Store, data_dir: Path, count: int) -> dict[str, list[float]]:
    """Each timeline page rendered `count` times through the web view's ASGI app (HTML,
    status checked), in milliseconds."""
    from starlette.testclient import TestClient

    from monitor.config import Settings
    from monitor.web.app import build_app

    settings = Settings.model_validate({"monitor": {"data_dir": str(data_dir), "health": ""}})
    times: dict[str, list[float]] = {}
    with TestClient(build_app(settings, store)) as client:
        for name, path in TIMELINE_PAGES.items():
            client.get(path)  # warm
            found = []
            for _ in range(count):
                started = time.perf_counter()
                response = client.get(path)
                found.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (path, response.status_code)
            times[name] = found
    return times


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--compare", type=int, default=100_000, help="posts written both ways")
    parser.add_argument("--queries", type=int, default=200, help="queries per type")
    parser.add_argument("--like", type=int, default=5, help="LIKE baseline queries")
    parser.add_argument("--data", type=Path, default=LANGID_DATA, help="langid test data directory")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--pages", type=int, default=30, help="renders per timeline page")
    args = parser.parse_args()
    if not (args.data / "sentences" / "es.txt").is_file():
        raise SystemExit(f"error: no langid test data under {args.data}; pass --data DIR")
    sentences = load(args.data)
    compare = min(args.compare, args.posts)

    with tempfile.TemporaryDirectory() as plain_dir, tempfile.TemporaryDirectory() as data_dir:
        plain = PlainStore.open(Path(plain_dir))
        plain.drop_index()
        store = Store.open(Path(data_dir))
        # The first `compare` posts go into both stores batch by batch, alternately, so both
        # see the same machine (these machines are shared and noisy).
        plain_fetch = plain_whole = fetch = whole = build = 0.0
        for number, (source, platform, batch) in enumerate(
            batches(sentences, args.posts, args.seed)
        ):
            if number * BATCH < compare:
                plain_times = write(plain, source, platform, batch)
                plain_fetch, plain_whole = (
                    plain_fetch + plain_times[0],
                    plain_whole + plain_times[1],
                )
                times = write(store, source, platform, batch)
                fetch, whole = fetch + times[0], whole + times[1]
                build += times[1]
                if (number + 1) * BATCH >= compare:
                    plain_size, size_compare = file_size(plain), file_size(store)
            else:
                build += write(store, source, platform, batch)[1]
        plain.close()
        size = file_size(store)
        index = index_bytes(store)

        queries = sample_queries(sentences, args.queries, args.seed)
        timed(store, queries["one word"][:20])  # warm the page cache
        results = {name: timed(store, texts) for name, texts in queries.items()}
        like = like_baseline(store, [q for q in queries["one word"][: args.like]])
        pages = timeline_pages(store, Path(data_dir), args.pages)
        store.close()

    print(
        f"search benchmark: {args.posts:,} posts (es/ru/en from the shared sentences, es/ru translated), {SOURCES} sources"
    )
    print(
        f"store written in {build:.0f} s ({args.posts / build:,.0f} posts/s through save_fetch, mark_detected, mark_ready)"
    )
    print()
    print(
        f"writing the first {compare:,} posts      {'no index s':>11} {'index s':>9} {'ratio':>7}"
    )
    print(
        f"{'  save_fetch (collection pass)':<38} {plain_fetch:>11.1f} {fetch:>9.1f} {fetch / plain_fetch:>7.2f}"
    )
    print(
        f"{'  whole write path':<38} {plain_whole:>11.1f} {whole:>9.1f} {whole / plain_whole:>7.2f}"
    )
    print(
        f"store size at {compare:,} posts: {plain_size / 2**20:.0f} MB without the index, "
        f"{size_compare / 2**20:.0f} MB with it: {size_compare / plain_size:.2f}x"
    )
    print(
        f"store size at {args.posts:,} posts: {size / 2**20:.0f} MB, of which the index "
        f"{index / 2**20:.0f} MB: {size / (size - index):.2f}x the store without it"
    )
    print()
    like_p50 = statistics.median(like)
    print(
        f"{'query (limit 20, with total)':<40} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'median hits':>12} {'p50 vs LIKE':>12}"
    )
    print(
        f"{'LIKE scan, one word (baseline)':<40} {like_p50:>8.1f} {percentile(like, 0.95):>8.1f} {max(like):>8.1f} {'':>12} {1.0:>12.3f}"
    )
    for name, (times, totals) in results.items():
        p50 = statistics.median(times)
        print(
            f"{name:<40} {p50:>8.2f} {percentile(times, 0.95):>8.2f} {max(times):>8.1f}"
            f" {statistics.median(totals):>12,.0f} {p50 / like_p50:>12.4f}"
        )
    base = statistics.median(pages["stylesheet (baseline: the stack alone)"])
    print()
    print(
        f"{'web view (HTML, 30 per page)':<40} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'p50 vs baseline':>16}"
    )
    for name, found in pages.items():
        print(
            f"{name:<40} {statistics.median(found):>8.2f} {percentile(found, 0.95):>8.2f}"
            f" {max(found):>8.1f} {statistics.median(found) / base:>16.1f}"
        )
    print(GOALS + "; timeline p95 <= 100 ms")


if __name__ == "__main__":
    main()
