"""Watches and their observations. Every query names the guild: one guild never sees another's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.sharding import ShardPlan, guild_clause
from bot.storage.database import Database, IntegrityError
from bot.watch.rules import Observation


class DuplicateWatch(Exception):
    """The guild already watches this page for this target."""


@dataclass(frozen=True)
class Watch:
    id: int
    guild_id: int
    channel_id: int
    created_by: int
    created_by_name: str
    source_url: str
    domain: str
    target: str
    keyword: str | None
    review_id: int | None
    thread_id: int | None
    check_id: int | None
    created_at: float
    next_due_at: float
    failures: int
    last_checked_at: float | None


@dataclass(frozen=True)
class StoredObservation:
    id: int
    watch_id: int
    observation: Observation
    changes: tuple[str, ...]


_WATCH_COLUMNS = (
    "id, guild_id, channel_id, created_by, created_by_name, source_url, domain, target, keyword, review_id, "
    "thread_id, check_id, created_at, next_due_at, failures, last_checked_at"
)
_OBS_COLUMNS = (
    "id, watch_id, observed_at, status, http_status, final_url, found, rel, placement, anchor, noindex, "
    "canonical, robots_blocked, fingerprint, error, changes"
)


def _bool(value: object) -> bool | None:
    return None if value is None else bool(value)


def _int(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _watch(row: Any) -> Watch:
    return Watch(*tuple(row))


def _observation(row: Any) -> StoredObservation:
    obs = Observation(
        at=row["observed_at"], status=row["status"], http_status=row["http_status"], final_url=row["final_url"],
        found=_bool(row["found"]), rel=row["rel"], placement=row["placement"], anchor=row["anchor"],
        noindex=_bool(row["noindex"]), canonical=row["canonical"], robots_blocked=_bool(row["robots_blocked"]),
        fingerprint=row["fingerprint"], error=row["error"],
    )
    changes = tuple(c for c in (row["changes"] or "").split(",") if c)
    return StoredObservation(id=row["id"], watch_id=row["watch_id"], observation=obs, changes=changes)


class WatchRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(
        self,
        *,
        guild_id: int,
        channel_id: int,
        created_by: int,
        created_by_name: str,
        source_url: str,
        domain: str,
        target: str,
        keyword: str | None,
        review_id: int | None,
        thread_id: int | None,
        check_id: int | None,
        created_at: float,
        next_due_at: float,
        baseline: Observation,
        max_per_guild: int,
    ) -> Watch | None:
        """Store a watch with its first observation; None when the guild holds `max_per_guild` already.
        Raises DuplicateWatch when this page and target are watched in the guild."""
        async with self.db.transaction() as db:
            row = await db.fetchone("SELECT COUNT(*) FROM watches WHERE guild_id = ?", (guild_id,))
            if row is not None and int(row[0]) >= max_per_guild:
                return None
            try:
                inserted = await db.fetchone(
                    "INSERT INTO watches (guild_id, channel_id, created_by, created_by_name, source_url, domain, "
                    "target, keyword, review_id, thread_id, check_id, created_at, next_due_at, failures, "
                    "last_checked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?) RETURNING id",
                    (guild_id, channel_id, created_by, created_by_name, source_url, domain, target, keyword,
                     review_id, thread_id, check_id, created_at, next_due_at, baseline.at),
                )
            except IntegrityError:
                # watches_one (the page and target are watched already); the transaction rolls back.
                raise DuplicateWatch from None
            assert inserted is not None
            watch_id = int(inserted[0])
            await self._insert_observation(db, watch_id, guild_id, baseline, ())
        watch = await self.get(guild_id, watch_id)
        assert watch is not None
        return watch

    @staticmethod
    async def _insert_observation(
        db: Database, watch_id: int, guild_id: int, obs: Observation, changes: tuple[str, ...]
    ) -> None:
        await db.execute(
            "INSERT INTO watch_observations (watch_id, guild_id, observed_at, status, http_status, final_url, "
            "found, rel, placement, anchor, noindex, canonical, robots_blocked, fingerprint, error, changes) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (watch_id, guild_id, obs.at, obs.status, obs.http_status, obs.final_url, _int(obs.found), obs.rel,
             obs.placement, obs.anchor, _int(obs.noindex), obs.canonical, _int(obs.robots_blocked),
             obs.fingerprint, obs.error, ",".join(changes)),
        )

    async def record(
        self,
        guild_id: int,
        watch_id: int,
        obs: Observation,
        changes: tuple[str, ...],
        *,
        failures: int,
        next_due_at: float,
    ) -> bool:
        """Store an observation and the watch's new schedule together; False if the watch is gone."""
        async with self.db.transaction() as db:
            cursor = await db.execute(
                "UPDATE watches SET failures = ?, next_due_at = ?, last_checked_at = ? WHERE id = ? AND guild_id = ?",
                (failures, next_due_at, obs.at, watch_id, guild_id),
            )
            if cursor.rowcount == 0:
                return False
            await self._insert_observation(db, watch_id, guild_id, obs, changes)
        return True

    async def get(self, guild_id: int, watch_id: int) -> Watch | None:
        row = await self.db.fetchone(
            f"SELECT {_WATCH_COLUMNS} FROM watches WHERE id = ? AND guild_id = ?",  # noqa: S608
            (watch_id, guild_id),
        )
        return _watch(row) if row is not None else None

    async def in_guild(self, guild_id: int) -> list[Watch]:
        rows = await self.db.fetchall(
            f"SELECT {_WATCH_COLUMNS} FROM watches WHERE guild_id = ? ORDER BY id",  # noqa: S608
            (guild_id,),
        )
        return [_watch(r) for r in rows]

    async def for_domain(self, guild_id: int, domain: str) -> list[Watch]:
        rows = await self.db.fetchall(
            f"SELECT {_WATCH_COLUMNS} FROM watches WHERE guild_id = ? AND domain = ? ORDER BY id",  # noqa: S608
            (guild_id, domain),
        )
        return [_watch(r) for r in rows]

    async def due(self, guild_id: int, now: float, limit: int) -> list[Watch]:
        rows = await self.db.fetchall(
            f"SELECT {_WATCH_COLUMNS} FROM watches WHERE guild_id = ? AND next_due_at <= ? "  # noqa: S608
            "ORDER BY next_due_at, id LIMIT ?",
            (guild_id, now, limit),
        )
        return [_watch(r) for r in rows]

    async def guilds_due(self, now: float, *, shards: ShardPlan | None = None) -> list[int]:
        """Guilds with a due watch (cross-guild: for the CLI, which runs every guild one by one).
        shards: only the guilds of those shards (a process runs its own shards' guilds only)."""
        mine, mine_params = guild_clause(shards)
        rows = await self.db.fetchall(
            "SELECT DISTINCT guild_id FROM watches WHERE next_due_at <= ?" + mine + " ORDER BY guild_id",  # noqa: S608 - constant clause
            (now, *mine_params),
        )
        return [int(r[0]) for r in rows]

    async def remove(self, guild_id: int, watch_id: int) -> bool:
        cursor = await self.db.execute("DELETE FROM watches WHERE id = ? AND guild_id = ?", (watch_id, guild_id))
        return cursor.rowcount > 0

    async def last_success(self, guild_id: int, watch_id: int) -> Observation | None:
        row = await self.db.fetchone(
            f"SELECT {_OBS_COLUMNS} FROM watch_observations WHERE watch_id = ? AND guild_id = ? "  # noqa: S608
            "AND status = 'ok' ORDER BY observed_at DESC, id DESC LIMIT 1",
            (watch_id, guild_id),
        )
        return _observation(row).observation if row is not None else None

    async def latest(self, guild_id: int, watch_id: int) -> StoredObservation | None:
        row = await self.db.fetchone(
            f"SELECT {_OBS_COLUMNS} FROM watch_observations WHERE watch_id = ? AND guild_id = ? "  # noqa: S608
            "ORDER BY observed_at DESC, id DESC LIMIT 1",
            (watch_id, guild_id),
        )
        return _observation(row) if row is not None else None

    async def timeline(self, guild_id: int, watch_id: int, limit: int = 50) -> list[StoredObservation]:
        """The newest `limit` observations, oldest first."""
        rows = await self.db.fetchall(
            f"SELECT {_OBS_COLUMNS} FROM watch_observations WHERE watch_id = ? AND guild_id = ? "  # noqa: S608
            "ORDER BY observed_at DESC, id DESC LIMIT ?",
            (watch_id, guild_id, limit),
        )
        return [_observation(r) for r in reversed(rows)]
