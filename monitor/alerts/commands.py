"""`monitor alerts test NAME|QUERY [--since 7d]`: what an alert would have matched, unsent."""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

from monitor.config import Settings
from monitor.errors import QueryError
from monitor.record import utcnow
from monitor.search.commands import result_lines
from monitor.search.query import parse_query

EXIT_OK, EXIT_USAGE = 0, 2
LIMIT = 10_000  # posts looked at; more means the query is far too broad for an alert


def alerts_test(settings: Settings, name_or_query: str, since: float) -> int:
    from monitor.store import open_store

    named = {alert.name: alert for alert in settings.alerts}
    alert = named.get(name_or_query)
    text = alert.query if alert is not None else name_or_query
    try:
        query = parse_query(text)
    except QueryError as error:
        known = ", ".join(named) or "none configured"
        print(
            f"monitor: error: {name_or_query!r} is neither an alert ({known}) nor a query: {error}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    zone = ZoneInfo(settings.monitor.timezone)
    start = (utcnow() - timedelta(seconds=since)).astimezone(zone).date()
    if query.filters.since is None or query.filters.since < start:
        query = replace(query, filters=replace(query.filters, since=start))
    store = open_store(settings)
    try:
        found = store.search(query, limit=LIMIT, zone=zone)
    finally:
        store.close()
    statements: dict[str, int] = {}
    for record in reversed(found.records):  # oldest first: the version that would alert
        if record.statement_id in statements:
            statements[record.statement_id] += 1
            continue
        statements[record.statement_id] = 1
        print("\n".join(result_lines(record, found.terms, zone)))
    label = f"alert {alert.name}" if alert is not None else "the query"
    print(
        f"{label}: {found.total} post(s) in {len(statements)} statement(s) matched since"
        f" {start.isoformat()}; it would have sent {len(statements)} alert(s) for new"
        " statements (edits and deletions alert on top, as `on` says)",
        file=sys.stderr,
    )
    return EXIT_OK
