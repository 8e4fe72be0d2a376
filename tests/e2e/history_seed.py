"""Realistic review history written through the bot's own repositories (ChecksRepo, ReviewsRepo,
VotesRepo) and its verdict rule, for the history, settings and isolation e2e tests."""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence

from bot.app import Services
from bot.review.factors import FACTOR_IDS, Choice
from bot.review.verdict import BotReportSummary, compute_verdict
from bot.review.votes import VoteOps, VoteRow
from bot.storage.reviews import REVIEW_COLUMNS, Review
from bot.storage.votes import VotesRepo

T0 = 1_750_000_000.0  # 2025-06-15T15:06:40Z
DAY = 86400.0
_ids = itertools.count(9_000_000_000_000_000)


def fake_snowflake() -> int:
    """Ids for threads and messages the seeded reviews point at (never looked up in Discord)."""
    return next(_ids)


def report_for(url: str, risk: str, score: int) -> dict:
    return {
        "url": url,
        "final_url": url,
        "title": "Seeded page",
        "risk": {"level": risk, "score": score, "flags": []},
        "factors": [
            {"id": "relevance", "verdict": "good", "score": 80, "evidence": ["Topic matches the target"]},
            {"id": "placement", "verdict": "bad" if risk == "high" else "good", "score": 40,
             "evidence": ["Link sits in the footer" if risk == "high" else "Link sits in the main content"]},
        ],
    }


async def seed_review(
    services: Services,
    guild_id: int,
    *,
    domain: str,
    created_at: float,
    requester_id: int,
    votes: Sequence[tuple[int, str, str]] = (),
    bot_risk: str = "medium",
    close: bool = True,
    url: str | None = None,
    note: str | None = None,
    channel_id: int = 1,
) -> int:
    """A review with its check, thread, votes (member, factor, choice) and, if `close`, its verdict."""
    url = url or f"https://{domain}/post-{int(created_at)}"
    report = report_for(url, bot_risk, {"low": 15, "medium": 50, "high": 85}[bot_risk])
    check_id = await services.checks.add(
        guild_id=guild_id, channel_id=channel_id, member_id=requester_id, url=url, final_url=url, domain=domain,
        target=None, keyword=None, report_json=json.dumps(report), risk_level=bot_risk,
        risk_score=report["risk"]["score"], created_at=created_at - 60,
    )
    created = await services.reviews.create(
        guild_id=guild_id, requester_id=requester_id, origin_channel_id=channel_id, url=url, domain=domain,
        now=created_at, deadline_at=created_at + 3 * DAY, note=note, check_id=check_id,
        bot_risk_level=bot_risk, bot_risk_score=report["risk"]["score"],
    )
    review = created.review
    await services.reviews.attach(
        review.id, guild_id, channel_id=channel_id, thread_id=fake_snowflake(), summary_message_id=fake_snowflake(),
        factor_messages={f: fake_snowflake() for f in FACTOR_IDS},
    )
    await services.audit.append(guild_id, review.id, requester_id, "opened", None, created_at)
    rows = tuple(
        VoteRow(guild_id, review.id, factor, member, Choice(choice), created_at + 60 + i)
        for i, (member, factor, choice) in enumerate(votes)
    )
    async with services.db.transaction() as tx:  # as the vote writer stores them
        await VotesRepo.apply_in_transaction(tx, VoteOps(upserts=rows))
    if close:
        tally = await services.votes.tally(review.id, guild_id)
        rules = await services.guild_settings.rules(guild_id)
        verdict = compute_verdict(tally, BotReportSummary(risk_level=bot_risk), rules)
        closed_at = created_at + DAY
        await services.reviews.close(
            review.id, guild_id, verdict_json=verdict.to_json(), community_risk=verdict.community_risk,
            closed_by=None, reason="deadline", now=closed_at,
        )
        await services.audit.append(guild_id, review.id, None, "closed", "deadline", closed_at)
    return review.id


def unanimous(members: Sequence[int], choice: str, factors: Sequence[str] = ("overall", "relevance")) -> list:
    return [(m, f, choice) for m in members for f in factors]


async def stored_reviews(services: Services, guild_id: int) -> dict[int, Review]:
    """The guild's reviews that are not deleted, read straight from the table, newest first."""
    rows = await services.db.fetchall(
        f"SELECT {REVIEW_COLUMNS} FROM reviews WHERE guild_id = ? AND status != 'deleted' "  # noqa: S608
        "ORDER BY created_at DESC, id DESC",
        (guild_id,),
    )
    return {int(r[0]): Review(*tuple(r)) for r in rows}


async def audit_entries(services: Services, guild_id: int, review_id: int | None = None) -> list[tuple]:
    """(action, actor_id, detail) of the guild's audit log, newest first (of one review when given)."""
    rows = await services.db.fetchall(
        "SELECT action, actor_id, detail FROM audit_log WHERE guild_id = ? "
        "AND (CAST(? AS BIGINT) IS NULL OR review_id = ?) ORDER BY created_at DESC, id DESC",
        (guild_id, review_id, review_id),
    )
    return [tuple(r) for r in rows]
