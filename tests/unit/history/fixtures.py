"""Rows written straight with SQL, so these tests do not depend on the review repositories."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.history.cli import add_history_arguments
from bot.storage.database import Database

REPO = Path(__file__).resolve().parents[3]


def parse_history_args(*argv: str) -> argparse.Namespace:
    """`python -m bot history` arguments, parsed as the CLI parses them."""
    parser = argparse.ArgumentParser(prog="history")
    add_history_arguments(parser)
    return parser.parse_args(list(argv))

T0 = 1_750_000_000.0  # 2025-06-15T15:06:40Z
DAY = 86400.0


def verdict_json(community: str, **answers: str) -> str:
    """A verdict as a closed review stores it (Verdict.to_json), with these per-factor answers."""
    from bot.review.verdict import FactorOutcome, Verdict

    outcomes = tuple(
        FactorOutcome(factor=k, good=0, unsure=0, bad=0, answer=v, reason=None, bot=None) for k, v in answers.items()
    )
    return Verdict(factors=outcomes, community_risk=community, community_score=None, bot_risk=None,
                   disagreements=(), min_votes=3).to_json()


async def add_check(
    db: Database,
    *,
    guild_id: int,
    domain: str,
    risk: str = "medium",
    score: int = 50,
    created_at: float = T0,
    member_id: int = 7,
    url: str | None = None,
    report: dict[str, Any] | None = None,
) -> int:
    row = await db.fetchone(
        "INSERT INTO checks (guild_id, channel_id, member_id, url, domain, report_json, risk_level, risk_score, "
        "created_at) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            guild_id,
            member_id,
            url or f"https://{domain}/page",
            domain,
            json.dumps(report or {"risk": risk, "factors": []}),
            risk,
            score,
            created_at,
        ),
    )
    return int(row[0])


@dataclass
class Rev:
    guild_id: int
    domain: str
    created_at: float
    requester_id: int = 100
    url: str | None = None
    note: str | None = None
    status: str = "closed"
    bot_risk_level: str | None = "medium"
    community_risk: str | None = None
    verdict: str | None = None
    closed_at: float | None = None
    check_id: int | None = None
    thread_id: int | None = None
    target: str = ""
    keyword: str | None = None
    votes: list[tuple[str, int, str]] = field(default_factory=list)  # (factor, member, choice)


async def add_review(db: Database, rev: Rev) -> int:
    closed_at = rev.closed_at
    if rev.status == "closed" and closed_at is None:
        closed_at = rev.created_at + DAY
    row = await db.fetchone(
        "INSERT INTO reviews (guild_id, check_id, requester_id, origin_channel_id, channel_id, thread_id, url, "
        "domain, target, keyword, note, status, bot_risk_level, bot_risk_score, community_risk, verdict_json, "
        "created_at, deadline_at, closed_at, close_reason) VALUES (?, ?, ?, 1, 2, ?, ?, ?, ?, ?, ?, ?, ?, 50, ?, ?, "
        "?, ?, ?, ?) RETURNING id",
        (
            rev.guild_id,
            rev.check_id,
            rev.requester_id,
            rev.thread_id,
            rev.url or f"https://{rev.domain}/post-{rev.created_at:.0f}",
            rev.domain,
            rev.target,
            rev.keyword,
            rev.note,
            rev.status,
            rev.bot_risk_level,
            rev.community_risk,
            rev.verdict,
            rev.created_at,
            rev.created_at + 3 * DAY,
            closed_at if rev.status == "closed" else None,
            "deadline" if rev.status == "closed" else None,
        ),
    )
    review_id = int(row[0])
    for i, (factor, member, choice) in enumerate(rev.votes):
        await db.execute(
            "INSERT INTO votes (review_id, factor, member_id, choice, guild_id, voted_at) VALUES (?, ?, ?, ?, ?, ?)",
            (review_id, factor, member, choice, rev.guild_id, rev.created_at + 60 + i),
        )
    return review_id


async def add_audit(
    db: Database, *, guild_id: int, review_id: int, action: str, created_at: float, actor_id: int | None = None,
    detail: str | None = None,
) -> None:
    await db.execute(
        "INSERT INTO audit_log (guild_id, review_id, actor_id, action, detail, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (guild_id, review_id, actor_id, action, detail, created_at),
    )
