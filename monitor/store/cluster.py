"""Instances sharing one store: membership, leases on singleton jobs, sources claimed for a
poll, posts claimed for translation.

Every time here is the database's clock (`Dialect.now`, Unix seconds): instances on hosts
whose clocks disagree still agree on when a lease ends. A lease is renewed by its holder's
heartbeat and ends `lease` seconds after the last one, so a holder that dies (kill -9, power
loss) hands its work on within one lease period, while a short stall keeps it.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from monitor.record import format_time
from monitor.store.backends import Connection
from monitor.store.db import StoreBase, marks
from monitor.store.posts import POST_COLUMNS, StoredPost, stored_post

STOPPED_KEPT = 86400.0  # seconds an ended instance stays listed


@dataclass(frozen=True, slots=True)
class InstanceInfo:
    id: str
    host: str
    pid: int
    roles: tuple[str, ...]
    models: tuple[str, ...] = ()  # translation pairs it has, as "es-en"
    # Which kernel and process namespace its pid means something in ("" unknown): only there
    # can another instance tell from the pid that it is gone.
    node: str = ""


@dataclass(frozen=True, slots=True)
class InstanceView:
    """One instance as `monitor instances` shows it."""

    info: InstanceInfo
    started_at: datetime
    heartbeat_age: float  # seconds since its last heartbeat
    alive: bool
    stopped: bool
    leases: tuple[str, ...]  # singleton jobs it holds: publisher, digest, ...
    sources: int  # sources it is polling now
    posts: int  # posts it has claimed for translation


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a source is polled: every `every` seconds plus up to `jitter` more."""

    platform: str
    host: str
    every: float
    jitter: float


@dataclass(frozen=True, slots=True)
class SourceClaim:
    name: str
    due_at: float  # Unix seconds: its next poll, whoever makes it


class ClusterMixin(StoreBase):
    def _now(self, db: Connection) -> float:
        return float(db.execute(f"SELECT {self.dialect.now}").fetchone()[0])

    def join_cluster(self, me: InstanceInfo) -> None:
        """Record `me` as alive, holding nothing yet (what an earlier process under the same
        id held is free); instances that ended a day ago are forgotten."""
        self.leave_cluster(me.id)
        with self.transaction() as db:
            now = self._now(db)
            db.execute(
                "DELETE FROM instances WHERE COALESCE(stopped_at, heartbeat_at) < ?",
                (now - STOPPED_KEPT,),
            )
            db.execute(
                "INSERT INTO instances (id, host, pid, roles, models, node, started_at,"
                " heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
                " host = excluded.host, pid = excluded.pid, roles = excluded.roles,"
                " models = excluded.models, node = excluded.node,"
                " started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at,"
                " stopped_at = NULL",
                (
                    me.id,
                    me.host,
                    me.pid,
                    ",".join(me.roles),
                    ",".join(me.models),
                    me.node,
                    now,
                    now,
                ),
            )

    def heartbeat(self, owner: str, lease: float, models: tuple[str, ...] = ()) -> None:
        """`owner` is alive (with these translation models): everything it holds is renewed
        for `lease` seconds."""
        with self.transaction() as db:
            until = self._now(db) + lease
            db.execute(
                "UPDATE instances SET heartbeat_at = ?, models = ?, stopped_at = NULL WHERE id = ?",
                (until - lease, ",".join(models), owner),
            )
            db.execute("UPDATE leases SET expires_at = ? WHERE owner = ?", (until, owner))
            db.execute("UPDATE sources SET lease_until = ? WHERE lease_owner = ?", (until, owner))
            db.execute("UPDATE posts SET claimed_until = ? WHERE claimed_by = ?", (until, owner))

    def leave_cluster(self, owner: str) -> None:
        """`owner` stops: what it holds is free at once, not after a lease period."""
        with self.transaction() as db:
            db.execute(
                f"UPDATE instances SET stopped_at = {self.dialect.now} WHERE id = ?", (owner,)
            )
            db.execute("DELETE FROM leases WHERE owner = ?", (owner,))
            db.execute(
                "UPDATE sources SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?",
                (owner,),
            )
            db.execute(
                "UPDATE posts SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = ?",
                (owner,),
            )

    def try_lease(self, name: str, owner: str, seconds: float) -> bool:
        """Hold the singleton job `name` for `seconds` more: True when `owner` has it (it did
        already, or the last holder's lease ran out)."""
        with self.transaction() as db:
            now = self._now(db)
            rows = db.execute(
                "INSERT INTO leases (name, owner, expires_at) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET owner = excluded.owner,"
                " expires_at = excluded.expires_at"
                " WHERE leases.owner = excluded.owner OR leases.expires_at < ? RETURNING owner",
                (name, owner, now + seconds, now),
            ).fetchall()
        return bool(rows)

    def release_lease(self, name: str, owner: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM leases WHERE name = ? AND owner = ?", (name, owner))

    def schedule_sources(self, schedules: Mapping[str, Schedule]) -> None:
        """Make these sources the ones polled. A source already scheduled keeps its due time
        (another instance may have polled it a moment ago); a new one is due within seconds;
        one no longer configured is no longer due."""
        with self.transaction() as db:
            now = self._now(db)
            db.executemany(
                "INSERT INTO sources (name, platform, host, due_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET platform = excluded.platform,"
                " host = excluded.host, due_at = COALESCE(sources.due_at, excluded.due_at)",
                [
                    (name, s.platform, s.host, now + random.uniform(0, min(s.jitter, 5.0)))
                    for name, s in schedules.items()
                ],
            )
            scheduled = db.execute("SELECT name FROM sources WHERE due_at IS NOT NULL").fetchall()
            db.executemany(
                "UPDATE sources SET due_at = NULL WHERE name = ?",
                [(row[0],) for row in scheduled if row[0] not in schedules],
            )

    def claim_sources(
        self,
        owner: str,
        schedules: Mapping[str, Schedule],
        *,
        limit: int,
        lease: float,
        per_host: int,
    ) -> list[SourceClaim]:
        """Claim up to `limit` due sources for `owner` to poll, oldest due first, never more
        than `per_host` polls of one host at once across all instances.

        `finish_poll` sets when a source is due next; should the claimant die first, it is due
        one interval plus one lease after the claim: its poll may have started as late as the
        lease allowed, and the next must still be an interval after it."""
        if limit <= 0:
            return []
        with self.transaction() as db:
            if self.dialect.claim_lock:
                db.execute(self.dialect.claim_lock)
            now = self._now(db)
            busy = {
                str(row[0]): int(row[1])
                for row in db.execute(
                    "SELECT host, COUNT(*) FROM sources WHERE lease_until >= ? GROUP BY host",
                    (now,),
                ).fetchall()
            }
            rows = db.execute(
                "SELECT name, host FROM sources WHERE due_at <= ?"
                " AND (lease_until IS NULL OR lease_until < ?)"
                f" ORDER BY due_at LIMIT ?{self.dialect.skip_locked}",
                (now, now, min(1000, limit * 4)),
            ).fetchall()
            claims: list[SourceClaim] = []
            for name, host in rows:
                schedule = schedules.get(name)
                if schedule is None or busy.get(host, 0) >= per_host:
                    continue
                busy[host] = busy.get(host, 0) + 1
                due = now + schedule.every + random.uniform(0, schedule.jitter) + lease
                claims.append(SourceClaim(name, due))
                if len(claims) == limit:
                    break
            db.executemany(
                "UPDATE sources SET lease_owner = ?, lease_until = ?, due_at = ?, next_poll = ?"
                " WHERE name = ?",
                [
                    (owner, now + lease, c.due_at, format_time(_moment(c.due_at)), c.name)
                    for c in claims
                ],
            )
        return claims

    def finish_poll(self, name: str, owner: str, *, next_in: float) -> None:
        """`owner` is done polling `name`, which is due again in `next_in` seconds (its
        interval, or the backoff after a failure): counted from now, the end of the poll, so
        polls are an interval apart however long one took to start."""
        with self.transaction() as db:
            due = self._now(db) + next_in
            db.execute(
                "UPDATE sources SET lease_owner = NULL, lease_until = NULL, due_at = ?,"
                " next_poll = ? WHERE name = ? AND lease_owner = ?",
                (due, format_time(_moment(due)), name, owner),
            )

    def claim_posts(
        self,
        stage: str,
        owner: str,
        *,
        limit: int,
        lease: float,
        languages: tuple[str, ...] | None = None,
    ) -> list[StoredPost]:
        """Claim up to `limit` posts in `stage` (in one of `languages`, when given) for
        `owner`, oldest first, passing over those another live instance has claimed."""
        if languages is not None and not languages:
            return []
        among = f" AND language IN ({marks(len(languages))})" if languages else ""
        with self.transaction() as db:
            now = self._now(db)
            ids = [
                str(row[0])
                for row in db.execute(
                    f"SELECT id FROM posts WHERE stage = ?{among}"
                    " AND (claimed_until IS NULL OR claimed_until < ?)"
                    f" ORDER BY updated_at, rowid LIMIT ?{self.dialect.skip_locked}",
                    (stage, *(languages or ()), now, limit),
                ).fetchall()
            ]
            if not ids:
                return []
            db.executemany(
                "UPDATE posts SET claimed_by = ?, claimed_until = ? WHERE id = ?",
                [(owner, now + lease, post_id) for post_id in ids],
            )
            rows = db.execute(
                f"SELECT {POST_COLUMNS} FROM posts WHERE id IN ({marks(len(ids))})"
                " ORDER BY updated_at, rowid",
                ids,
            ).fetchall()
        return [stored_post(row) for row in rows]

    def cluster_instances(self, lease: float) -> list[InstanceView]:
        """Every instance seen in the last day, live ones first; alive means a heartbeat within
        `lease` seconds. Reads only: `monitor instances` opens the store read-only."""
        now = float(self._query(f"SELECT {self.dialect.now}")[0][0])
        leases: dict[str, list[str]] = {}
        for row in self._query(
            "SELECT owner, name FROM leases WHERE expires_at >= ? ORDER BY name", (now,)
        ):
            leases.setdefault(str(row[0]), []).append(str(row[1]))
        sources = self._counts(
            "SELECT lease_owner, COUNT(*) FROM sources WHERE lease_until >= ? GROUP BY lease_owner",
            now,
        )
        posts = self._counts(
            "SELECT claimed_by, COUNT(*) FROM posts WHERE claimed_by IS NOT NULL"
            " AND claimed_until >= ? GROUP BY claimed_by",
            now,
        )
        views = []
        for row in self._query(
            "SELECT id, host, pid, roles, models, started_at, heartbeat_at, stopped_at, node"
            " FROM instances ORDER BY started_at, id"
        ):
            ident = str(row[0])
            stopped = row[7] is not None
            age = max(0.0, now - float(row[6]))
            views.append(
                InstanceView(
                    InstanceInfo(
                        ident,
                        str(row[1]),
                        int(row[2]),
                        _names(row[3]),
                        _names(row[4]),
                        str(row[8]),
                    ),
                    _moment(float(row[5])),
                    age,
                    alive=not stopped and age <= lease,
                    stopped=stopped,
                    leases=tuple(leases.get(ident, ())),
                    sources=sources.get(ident, 0),
                    posts=posts.get(ident, 0),
                )
            )
        return sorted(views, key=lambda view: not view.alive)

    def _counts(self, sql: str, now: float) -> dict[str, int]:
        return {str(row[0]): int(row[1]) for row in self._query(sql, (now,))}


def _names(text: str) -> tuple[str, ...]:
    return tuple(name for name in text.split(",") if name)


def _moment(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
