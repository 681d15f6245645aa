"""Mastodon accounts through the public REST API of their instance.

A poll asks for the statuses above `extra["floor"]`, the id just below the ten
newest statuses already seen (`min_id`, following `Link: rel="prev"` while pages
are full). That one request shows both new statuses and edits of recent ones
(`edited_at`), so an edit becomes a new revision without an extra request.
Status ids are strings: compared by length, then lexically.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from monitor.config import SourceSettings, secret_from_env
from monitor.errors import AuthError, ConfigError, NotFound, ParseError
from monitor.record import Item
from monitor.sources.base import FetchResult, KnownPost, RecheckResult, Source, SourceState
from monitor.sources.common import (
    MAX_PAGES,
    as_dict,
    as_str,
    id_key,
    json_body,
    json_object,
    link_params,
    newer,
    newest,
    oldest_allowed,
    parse_time,
    too_old,
)
from monitor.sources.entries import map_entries, off_loop
from monitor.sources.http import HttpClient, Response
from monitor.sources.mastodon_recheck import recheck_statuses
from monitor.sources.mastodon_status import status_item

log = logging.getLogger("monitor.sources.mastodon")

PAGE = 40  # the API's maximum `limit` for account statuses
EDIT_WINDOW = 10  # how many of the newest seen statuses each poll re-reads for edits
_HANDLE = re.compile(r"@?([A-Za-z0-9_.-]+)@([A-Za-z0-9.-]+\.[A-Za-z]{2,}|localhost)(?::\d+)?")
_PROFILE_URL = re.compile(r"https?://([^/\s]+)/@([A-Za-z0-9_.-]+)/?")


def parse_handle(handle: str) -> tuple[str, str]:
    """`user@instance`, `@user@instance` or `https://instance/@user` -> (user, instance)."""
    text = handle.strip()
    match = _PROFILE_URL.fullmatch(text)
    if match:
        return match.group(2), match.group(1).lower()
    match = _HANDLE.fullmatch(text)
    if not match:
        raise ConfigError(
            f'"{handle}" is not a Mastodon handle',
            remedy='write it as "user@instance", e.g. "CancilleriaVE@mastodon.social"',
        )
    return match.group(1), match.group(2).lower()


class MastodonSource(Source):
    platform = "mastodon"

    def __init__(self, settings: SourceSettings, http: HttpClient) -> None:
        super().__init__(settings, http)
        self.user, self.instance = parse_handle(settings.handle)
        self.base = (settings.base_url or f"https://{self.instance}").rstrip("/")
        self.acct = f"{self.user}@{self.instance}"

    async def fetch(self, state: SourceState) -> FetchResult:
        headers = self._headers()
        extra = dict(state.extra)
        requests = 0
        if "account_id" not in extra:
            extra["account_id"] = await self._lookup(headers)
            requests += 1
        path = f"/api/v1/accounts/{extra['account_id']}/statuses"
        cursor = state.cursor
        statuses: dict[str, Mapping[str, Any]] = {}
        if cursor is None:
            requests += await self._backfill(path, headers, statuses)
        else:
            requests += await self._forward(path, headers, extra.get("floor") or cursor, statuses)
        # Turning each status's HTML into text is what costs: weigh by it.
        html = sum(len(str(status.get("content") or "")) for status in statuses.values())
        items, extra, skipped = await off_loop(
            f"{self.base}{path}", html, self._select, statuses, cursor, extra
        )
        return FetchResult(
            items=items,
            state=SourceState(state.etag, state.last_modified, newest(statuses, cursor), extra),
            requests=requests,
            skipped=skipped,
        )

    async def recheck(self, posts: Sequence[KnownPost]) -> RecheckResult:
        return await recheck_statuses(self.http, self.base, self._headers(), posts)

    def _select(
        self, statuses: Mapping[str, Mapping[str, Any]], cursor: str | None, extra: dict[str, str]
    ) -> tuple[list[Item], dict[str, str], int]:
        """The new statuses and the re-read ones edited since the last poll; the next floor."""
        watermark = parse_time(extra.get("edited"))
        cutoff = oldest_allowed(self.settings)
        chosen: list[Mapping[str, Any]] = []
        latest_edit = watermark
        ids = sorted(statuses, key=id_key, reverse=True)
        for status_id in ids:
            status = statuses[status_id]
            edited = parse_time(status.get("edited_at"))
            if edited is not None and (latest_edit is None or edited > latest_edit):
                latest_edit = edited
            is_new = newer(status_id, cursor)
            is_edit = edited is not None and (watermark is None or edited > watermark)
            if is_new or is_edit:
                chosen.append(status)
        mapped, skipped = map_entries(
            self.name, chosen, lambda status: status_item(status, self.instance, self.acct)
        )
        items = [item for item in mapped if not too_old(item, cutoff)]
        if cursor is None:
            items = items[: self.settings.backfill]
        if len(ids) > EDIT_WINDOW:
            extra["floor"] = ids[EDIT_WINDOW]
        elif ids and "floor" not in extra:
            extra["floor"] = ids[-1]
        if latest_edit is not None:
            extra["edited"] = latest_edit.isoformat()
        return items, extra, skipped

    async def _backfill(
        self, path: str, headers: Mapping[str, str], out: dict[str, Mapping[str, Any]]
    ) -> int:
        """First run: newest first, following `rel="next"` back to the backfill limit or age."""
        want = self.settings.backfill
        cutoff = oldest_allowed(self.settings)
        params: dict[str, str | int] = {"limit": min(max(want, 1), PAGE)}
        for page in range(1, MAX_PAGES + 1):
            statuses, response = await self._statuses(path, params, headers)
            for status in statuses:
                out.setdefault(status["id"], status)
            older = link_params(response.headers.get("link")).get("next", {}).get("max_id")
            oldest = parse_time(statuses[-1].get("created_at")) if statuses else None
            if (
                not statuses
                or not older
                or len(out) >= want
                or (cutoff is not None and oldest is not None and oldest < cutoff)
                or _budget_spent(response)
            ):
                return page
            params = {"limit": min(want - len(out), PAGE), "max_id": older}
        return MAX_PAGES

    async def _forward(
        self,
        path: str,
        headers: Mapping[str, str],
        floor: str,
        out: dict[str, Mapping[str, Any]],
    ) -> int:
        """Later runs: everything above `floor`, following `rel="prev"` while pages are full."""
        params: dict[str, str | int] = {"limit": PAGE, "min_id": floor}
        for page in range(1, MAX_PAGES + 1):
            statuses, response = await self._statuses(path, params, headers)
            for status in statuses:
                out.setdefault(status["id"], status)
            newer_page = link_params(response.headers.get("link")).get("prev", {}).get("min_id")
            if len(statuses) < PAGE or _budget_spent(response):
                return page
            top = max((s["id"] for s in statuses), key=id_key)
            params = {"limit": PAGE, "min_id": newer_page or top}
        log.warning(
            "mastodon %s: over %d pages of new statuses; the rest waits", self.acct, MAX_PAGES
        )
        return MAX_PAGES

    async def _statuses(
        self, path: str, params: Mapping[str, str | int], headers: Mapping[str, str]
    ) -> tuple[list[Mapping[str, Any]], Response]:
        response = await self._get(path, params, headers)
        body = await off_loop(
            path, len(response.content), json_body, response, f"{self.base}{path}"
        )
        if not isinstance(body, list):
            raise ParseError(f"{self.base}{path}: expected a JSON array of statuses")
        statuses: list[Mapping[str, Any]] = [
            s for s in body if isinstance(s, dict) and as_str(s.get("id"))
        ]
        return statuses, response

    async def _lookup(self, headers: Mapping[str, str]) -> str:
        path = "/api/v1/accounts/lookup"
        try:
            response = await self._get(path, {"acct": self.acct}, headers)
        except NotFound:
            raise NotFound(
                f"Mastodon account @{self.acct} was not found on {self.base}",
                remedy="check the handle (user@instance) and base_url",
            ) from None
        account = await off_loop(
            path, len(response.content), json_object, response, f"{self.base}{path}"
        )
        if not as_str(account.get("id")):
            raise ParseError(f"{self.base}{path}: the account has no id")
        moved = as_dict(account.get("moved"))
        if moved:
            log.warning(
                "mastodon %s: the account has moved to @%s", self.acct, as_str(moved.get("acct"))
            )
        return str(account["id"])

    async def _get(
        self, path: str, params: Mapping[str, str | int], headers: Mapping[str, str]
    ) -> Response:
        try:
            return await self.http.get(self.base + path, params=params, headers=headers)
        except AuthError as error:
            status = error.status or 401
            raise AuthError(
                f"{self.base} refused to show @{self.acct} without a valid token (HTTP {status})",
                remedy="set token_env to a variable holding an access token with read:statuses",
            ) from None

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        variable = self.settings.token_env
        if variable:
            token = secret_from_env(variable)
            if token is None:
                raise AuthError(
                    f"{variable} is not set; export it with an access token for {self.instance}",
                    remedy="or remove token_env if the instance serves public statuses",
                )
            headers["Authorization"] = f"Bearer {token}"
        return headers


def _budget_spent(response: Response) -> bool:
    return response.headers.get("x-ratelimit-remaining", "").strip() == "0"
