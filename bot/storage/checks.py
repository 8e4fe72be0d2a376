"""Stored /checklink analyses: one row per check run in Discord."""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.analysis.report import Report
from bot.analysis.urls import host_of, registrable_domain
from bot.storage.database import Database


@dataclass(frozen=True)
class StoredCheck:
    id: int
    guild_id: int
    channel_id: int
    member_id: int
    url: str
    final_url: str | None
    domain: str
    target: str | None
    keyword: str | None
    report_json: str
    risk_level: str
    risk_score: int
    created_at: float

    def report(self) -> Report:
        return Report.from_dict(json.loads(self.report_json))


def check_domain(report: Report, url: str) -> str:
    """The domain a check is filed under: where the page ends up (after redirects), as its
    registrable domain; a host without one (an address, a single-label name) is filed as itself."""
    return registrable_domain(host_of(report.final_url or url)) or host_of(url) or ""


@dataclass(frozen=True)
class DomainCheckHistory:
    count: int
    last_risk_level: str
    last_checked_at: float


_COLUMNS = (
    "id, guild_id, channel_id, member_id, url, final_url, domain, target, keyword, "
    "report_json, risk_level, risk_score, created_at"
)


class ChecksRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(
        self,
        *,
        guild_id: int,
        channel_id: int,
        member_id: int,
        url: str,
        final_url: str | None,
        domain: str,
        target: str | None,
        keyword: str | None,
        report_json: str,
        risk_level: str,
        risk_score: int,
        created_at: float,
    ) -> int:
        row = await self.db.fetchone(
            "INSERT INTO checks (guild_id, channel_id, member_id, url, final_url, domain, target, keyword,"
            " report_json, risk_level, risk_score, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
            (guild_id, channel_id, member_id, url, final_url, domain, target, keyword,
             report_json, risk_level, risk_score, created_at),
        )
        assert row is not None
        return int(row[0])

    async def add_report(
        self,
        report: Report,
        *,
        guild_id: int,
        channel_id: int,
        member_id: int,
        url: str,
        target: str | None,
        keyword: str | None,
        created_at: float,
    ) -> int:
        """Store an analysis run in Discord, filed under `check_domain`."""
        return await self.add(
            guild_id=guild_id, channel_id=channel_id, member_id=member_id, url=url, final_url=report.final_url,
            domain=check_domain(report, url), target=target, keyword=keyword,
            report_json=json.dumps(report.to_dict(), ensure_ascii=False), risk_level=report.risk.level,
            risk_score=int(report.risk.score), created_at=created_at,
        )

    async def report(self, guild_id: int, check_id: int) -> Report | None:
        """The analysis of a stored check, as the typed Report."""
        stored = await self.get(guild_id, check_id)
        return stored.report() if stored is not None else None

    async def get(self, guild_id: int, check_id: int) -> StoredCheck | None:
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM checks WHERE guild_id = ? AND id = ?",  # noqa: S608 (columns are a constant)
            (guild_id, check_id),
        )
        return StoredCheck(*row) if row else None

    async def latest_for_url(
        self, guild_id: int, url: str, target: str | None, keyword: str | None, newer_than: float
    ) -> StoredCheck | None:
        """A fresh stored analysis of the same question, reused when a review is opened."""
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM checks WHERE guild_id = ? AND url = ? AND created_at >= ?"  # noqa: S608
            " AND target IS NOT DISTINCT FROM ? AND keyword IS NOT DISTINCT FROM ? ORDER BY created_at DESC LIMIT 1",
            (guild_id, url, newer_than, target, keyword),
        )
        return StoredCheck(*row) if row else None

    async def domain_history(self, guild_id: int, domain: str) -> DomainCheckHistory | None:
        row = await self.db.fetchone(
            "SELECT COUNT(*), (SELECT risk_level FROM checks WHERE guild_id = ?1 AND domain = ?2"
            " ORDER BY created_at DESC LIMIT 1), MAX(created_at) FROM checks WHERE guild_id = ?1 AND domain = ?2",
            (guild_id, domain),
        )
        if not row or not row[0]:
            return None
        return DomainCheckHistory(count=int(row[0]), last_risk_level=row[1], last_checked_at=float(row[2]))
