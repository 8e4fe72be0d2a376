"""The audit log, which is also every review's timeline."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.database import Database


@dataclass(frozen=True)
class AuditEntry:
    id: int
    guild_id: int
    review_id: int | None
    actor_id: int | None  # None: the bot itself (deadline, reconciliation)
    action: str
    detail: str | None
    created_at: float


_COLUMNS = "id, guild_id, review_id, actor_id, action, detail, created_at"


class AuditRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def append(
        self,
        guild_id: int,
        review_id: int | None,
        actor_id: int | None,
        action: str,
        detail: str | None,
        at: float,
    ) -> int:
        row = await self.db.fetchone(
            "INSERT INTO audit_log (guild_id, review_id, actor_id, action, detail, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (guild_id, review_id, actor_id, action, detail, at),
        )
        return int(row[0]) if row is not None else 0

    async def timeline(self, review_id: int, guild_id: int) -> list[AuditEntry]:
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM audit_log WHERE review_id = ? AND guild_id = ? "  # noqa: S608
            "ORDER BY created_at, id",
            (review_id, guild_id),
        )
        return [AuditEntry(*tuple(r)) for r in rows]

    async def recent(self, guild_id: int, limit: int = 50) -> list[AuditEntry]:
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM audit_log WHERE guild_id = ? ORDER BY created_at DESC, id DESC LIMIT ?",  # noqa: S608
            (guild_id, limit),
        )
        return [AuditEntry(*tuple(r)) for r in rows]
