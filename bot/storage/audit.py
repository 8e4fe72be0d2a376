"""The audit log, which is also every review's timeline (read by bot.storage.history.review_detail)."""

from __future__ import annotations

from bot.storage.database import Database


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
