"""Bulk audits (/audit) and their rows, per guild. (AuditRepo is the review audit log; this is not it.)"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

from bot.audit.rows import AuditRow
from bot.storage.database import Database, IntegrityError

ROW_BATCH = 500


class AuditAlreadyRunning(Exception):
    """The guild has an unfinished audit; one at a time per guild."""

    def __init__(self, audit_id: int | None) -> None:
        super().__init__(f"audit {audit_id} is running")
        self.audit_id = audit_id


@dataclass(frozen=True)
class StoredAudit:
    id: int
    guild_id: int
    channel_id: int
    member_id: int
    filename: str
    target: str
    keyword: str | None
    total: int
    status: str
    progress_message_id: int | None
    summary_json: str | None
    created_at: float
    finished_at: float | None

    @property
    def summary(self) -> dict[str, Any] | None:
        return json.loads(self.summary_json) if self.summary_json else None


_COLUMNS = ("id, guild_id, channel_id, member_id, filename, target, keyword, total, status, progress_message_id, "
            "summary_json, created_at, finished_at")


class BulkAuditsRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, *, guild_id: int, channel_id: int, member_id: int, filename: str, target: str,
                     keyword: str | None, total: int, export: bytes, now: float) -> StoredAudit:
        try:
            row = await self.db.fetchone(
                "INSERT INTO bulk_audits (guild_id, channel_id, member_id, filename, target, keyword, total, "  # noqa: S608
                f"status, export, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?) RETURNING {_COLUMNS}",
                (guild_id, channel_id, member_id, filename, target, keyword, total, export, now),
            )
        except IntegrityError:
            # bulk_audits_one_running: the guild's other audit has not ended.
            running = await self.running(guild_id)
            raise AuditAlreadyRunning(running.id if running else None) from None
        assert row is not None
        return StoredAudit(*tuple(row))

    async def get(self, guild_id: int, audit_id: int) -> StoredAudit | None:
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM bulk_audits WHERE guild_id = ? AND id = ?", (guild_id, audit_id)  # noqa: S608
        )
        return StoredAudit(*tuple(row)) if row else None

    async def running(self, guild_id: int) -> StoredAudit | None:
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM bulk_audits WHERE guild_id = ? AND status = 'running'", (guild_id,)  # noqa: S608
        )
        return StoredAudit(*tuple(row)) if row else None

    async def running_in(self, guild_ids: Iterable[int]) -> list[StoredAudit]:
        """Unfinished audits of the given guilds (the ones this process owns), for resuming."""
        ids = list(guild_ids)
        found: list[StoredAudit] = []
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ", ".join("?" * len(chunk))
            rows = await self.db.fetchall(
                f"SELECT {_COLUMNS} FROM bulk_audits WHERE status = 'running' AND guild_id IN ({marks}) "  # noqa: S608
                "ORDER BY id",
                chunk,
            )
            found += [StoredAudit(*tuple(r)) for r in rows]
        return found

    async def export_of(self, guild_id: int, audit_id: int) -> bytes | None:
        row = await self.db.fetchone("SELECT export FROM bulk_audits WHERE guild_id = ? AND id = ?", (guild_id, audit_id))
        return bytes(row[0]) if row and row[0] is not None else None

    async def set_progress_message(self, guild_id: int, audit_id: int, message_id: int | None) -> None:
        await self.db.execute("UPDATE bulk_audits SET progress_message_id = ? WHERE guild_id = ? AND id = ?",
                              (message_id, guild_id, audit_id))

    async def add_rows(self, guild_id: int, audit_id: int, rows: list[AuditRow]) -> None:
        """Rows as they finish; a row stored twice (a resume re-running one) keeps the first."""
        await self.db.executemany(
            "INSERT INTO bulk_audit_rows (audit_id, guild_id, idx, source_url, outcome, risk_level, "
            "risk_score, row_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (audit_id, idx) DO NOTHING",
            [(audit_id, guild_id, r.index, r.source_url, r.outcome, r.risk_level or None, r.risk_score,
              json.dumps(r.to_storage(), ensure_ascii=False)) for r in rows],
        )

    async def done_indexes(self, guild_id: int, audit_id: int) -> set[int]:
        rows = await self.db.fetchall("SELECT idx FROM bulk_audit_rows WHERE guild_id = ? AND audit_id = ?",
                                      (guild_id, audit_id))
        return {int(r[0]) for r in rows}

    async def iter_rows(self, guild_id: int, audit_id: int, batch: int = ROW_BATCH) -> AsyncIterator[list[AuditRow]]:
        """The rows in input order, a batch at a time (keyset paging: flat memory)."""
        after = -1
        while True:
            rows = await self.db.fetchall(
                "SELECT idx, row_json FROM bulk_audit_rows WHERE guild_id = ? AND audit_id = ? AND idx > ? "
                "ORDER BY idx LIMIT ?",
                (guild_id, audit_id, after, batch),
            )
            if not rows:
                return
            yield [AuditRow.from_storage(json.loads(r[1])) for r in rows]
            after = int(rows[-1][0])

    async def finish(self, guild_id: int, audit_id: int, status: str, summary: dict[str, Any] | None,
                     now: float) -> bool:
        """Ends a running audit (and drops its export); False when it had already ended."""
        cursor = await self.db.execute(
            "UPDATE bulk_audits SET status = ?, summary_json = ?, finished_at = ?, export = NULL "
            "WHERE guild_id = ? AND id = ? AND status = 'running'",
            (status, json.dumps(summary, ensure_ascii=False) if summary is not None else None, now, guild_id,
             audit_id),
        )
        return bool(cursor.rowcount)

    async def iter_guild_rows(self, guild_id: int, batch: int = ROW_BATCH) -> AsyncIterator[list[tuple[StoredAudit, AuditRow]]]:
        """Every audit row of the guild, audit by audit, for the history export."""
        audits = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM bulk_audits WHERE guild_id = ? ORDER BY id", (guild_id,)  # noqa: S608
        )
        for raw in audits:
            audit = StoredAudit(*tuple(raw))
            async for rows in self.iter_rows(guild_id, audit.id, batch):
                yield [(audit, row) for row in rows]

    async def is_open_to_all(self, guild_id: int) -> bool:
        row = await self.db.fetchone("SELECT open_to_all FROM audit_access WHERE guild_id = ?", (guild_id,))
        return bool(row and row[0])

    async def set_open_to_all(self, guild_id: int, value: bool) -> None:
        await self.db.execute(
            "INSERT INTO audit_access (guild_id, open_to_all) VALUES (?, ?) "
            "ON CONFLICT (guild_id) DO UPDATE SET open_to_all = excluded.open_to_all",
            (guild_id, int(value)),
        )


async def riskiest_rows(db: Database, guild_id: int, audit_id: int, limit: int) -> list[AuditRow]:
    """The analysed rows with the highest risk score (ties: input order)."""
    rows = await db.fetchall(
        "SELECT row_json FROM bulk_audit_rows WHERE guild_id = ? AND audit_id = ? AND outcome = 'analysed' "
        "ORDER BY risk_score DESC, idx LIMIT ?",
        (guild_id, audit_id, limit),
    )
    return [AuditRow.from_storage(json.loads(r[0])) for r in rows]


async def row_at(db: Database, guild_id: int, audit_id: int, index: int) -> AuditRow | None:
    row = await db.fetchone(
        "SELECT row_json FROM bulk_audit_rows WHERE guild_id = ? AND audit_id = ? AND idx = ?",
        (guild_id, audit_id, index),
    )
    return AuditRow.from_storage(json.loads(row[0])) if row else None
