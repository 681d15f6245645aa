"""`monitor search QUERY [--limit N] [--json]`: the store's search from the command line."""

from __future__ import annotations

import json
import sys
from collections.abc import Collection
from datetime import tzinfo
from zoneinfo import ZoneInfo

from monitor.config import Settings
from monitor.errors import QueryError
from monitor.record import PostRecord
from monitor.search.highlight import highlight
from monitor.search.query import parse_query

HELP = """\
query language:
  venezuela sanciones         every word (any inflection, in the original or the translation)
  "unión europea"             the words in this order
  sanciones OR санкции        either (OR binds tighter than the implicit AND)
  -eeuu   NOT eeuu            without the word
  (a OR b) c                  grouping
  lang:ru  platform:telegram  account:SOURCE_NAME  since:2026-10-01  until:2026-10-31
                              filters for the whole query; a repeated one allows any value
Results are newest first; dates are in [monitor] timezone. Quote the query for the shell,
and put a query that starts with "-" after --: monitor search -- '-eeuu sanciones'."""

EXIT_OK, EXIT_USAGE = 0, 2
WIDTH = 110  # characters of text shown per line


def run_search(settings: Settings, text: str, *, limit: int, as_json: bool) -> int:
    from monitor.store import open_store  # the store is a higher layer than this package's core

    try:
        query = parse_query(text)
    except QueryError as error:
        print(f"monitor: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    zone = ZoneInfo(settings.monitor.timezone)
    store = open_store(settings)
    try:
        found = store.search(query, limit=limit, zone=zone)
    finally:
        store.close()
    if as_json:
        results = [record.as_dict() for record in found.records]
        print(json.dumps({"total": found.total, "results": results}, ensure_ascii=False))
        return EXIT_OK
    for record in found.records:
        print("\n".join(result_lines(record, found.terms, zone)))
    shown = len(found.records)
    more = f"; --limit {found.total} shows them all" if found.total > shown else ""
    print(f"{found.total} post(s) match, {shown} shown{more}", file=sys.stderr)
    return EXIT_OK


def result_lines(record: PostRecord, terms: Collection[str], zone: tzinfo) -> list[str]:
    """A line of the post (its first with a match) with the matches in [brackets], and the
    same of its translation beneath."""
    when = record.published_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    head = f"{when}  {record.source}  {record.platform}  {record.language.code}"
    deleted = "  (deleted)" if record.deleted_at else ""
    original = f"{record.title}\n{record.text}" if record.title else record.text
    lines = [f"{head}{deleted}  {excerpt(original, record.language.code, terms)}"]
    translation = record.translation
    if translation.status == "translated" and translation.text:
        pad = " " * (len(head) - len(translation.target or "") - 2)
        lines.append(
            f"{pad}->{translation.target}  {excerpt(translation.text, translation.target, terms)}"
        )
    return lines


def excerpt(text: str, language: str | None, terms: Collection[str], width: int = WIDTH) -> str:
    """The first line of `text` with a match (else its first line), at most `width`
    characters around its first match, matches marked [like this]."""
    lines = [part.strip() for part in text.splitlines() if part.strip()] or [""]
    marked = [highlight(line, language, terms) for line in lines]
    chosen = next((i for i, parts in enumerate(marked) if any(m for _, m in parts)), 0)
    line, segments = lines[chosen], marked[chosen]
    first, offset = 0, 0
    for segment, matched in segments:
        if matched:
            first = offset
            break
        offset += len(segment)
    start = 0 if first < width // 2 else first - width // 4
    end = start + width
    shown, offset = [], 0
    for segment, matched in segments:
        piece = segment[max(0, start - offset) : max(0, end - offset)]
        offset += len(segment)
        if piece:
            shown.append(f"[{piece}]" if matched else piece)
    return ("…" if start > 0 else "") + "".join(shown) + ("…" if end < len(line) else "")
