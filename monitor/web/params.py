"""Query parameters of the pages and the API, checked: a bad one is a 400 naming it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from starlette.datastructures import QueryParams

from monitor.store import TimelineFilter

LANGUAGE = re.compile(r"[a-z]{2,3}")
MAX_PAGE = 10_000
MAX_LIMIT = 500


class BadRequest(Exception):
    """A parameter is malformed; the message says which and how to write it."""


@dataclass(frozen=True, slots=True)
class TimelineForm:
    """The timeline's filters as the form shows them, and as the store reads them."""

    account: str = ""
    platform: str = ""
    lang: str = ""
    since: str = ""
    until: str = ""
    translated: str = ""
    edited: str = ""
    deleted: str = ""

    def values(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def _choice(params: QueryParams, name: str) -> bool | None:
    value = params.get(name, "").strip().lower()
    if value in ("", "any"):
        return None
    if value in ("yes", "true", "1"):
        return True
    if value in ("no", "false", "0"):
        return False
    raise BadRequest(f'{name}: "{value}" is not yes, no or any')


def _day(params: QueryParams, name: str) -> date | None:
    value = params.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f'{name}: "{value}" is not a date like 2026-10-01') from None


def number(params: QueryParams, name: str, default: int, low: int, high: int) -> int:
    value = params.get(name, "").strip()
    if not value:
        return default
    if not value.isdecimal() or not low <= int(value) <= high:
        raise BadRequest(f'{name}: "{value[:40]}" is not a whole number from {low} to {high}')
    return int(value)


def page(params: QueryParams) -> int:
    return number(params, "page", 1, 1, MAX_PAGE)


def timeline_filter(
    params: QueryParams, zone: tzinfo, accounts: set[str], platforms: set[str]
) -> tuple[TimelineForm, TimelineFilter]:
    """The timeline's filters; dates are whole days in the monitor's time zone, inclusive."""
    form = TimelineForm(**{name: params.get(name, "").strip() for name in TimelineForm().values()})
    if form.account and form.account not in accounts:
        raise BadRequest(f'account: no source is named "{form.account[:80]}"')
    if form.platform and form.platform not in platforms:
        raise BadRequest(
            f'platform: "{form.platform[:40]}" is not one of {", ".join(sorted(platforms))}'
        )
    if form.lang and not LANGUAGE.fullmatch(form.lang):
        raise BadRequest(f'lang: "{form.lang[:40]}" is not a language code like es or ru')
    since, until = _day(params, "since"), _day(params, "until")
    if since and until and until < since:
        raise BadRequest("until: the date range ends before it starts")
    wanted = TimelineFilter(
        accounts=(form.account,) if form.account else (),
        platforms=(form.platform,) if form.platform else (),
        languages=(form.lang,) if form.lang else (),
        since=_start_of(since, zone) if since else None,
        until=_start_of(until + timedelta(days=1), zone) if until else None,
        translated=_choice(params, "translated"),
        edited=_choice(params, "edited"),
        deleted=_choice(params, "deleted"),
    )
    return form, wanted


def _start_of(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)
