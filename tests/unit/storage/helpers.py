"""Shared helpers for the storage and review tests: a real SQLite file and open reviews."""

from __future__ import annotations

import itertools

from bot.review.factors import FACTOR_IDS
from bot.review.votes import VoteOps
from bot.storage.database import Database
from bot.storage.reviews import Review, ReviewsRepo
from bot.storage.votes import VotesRepo

_message_ids = itertools.count(10_000)
NOW = 1_800_000_000.0


async def open_review(
    db: Database,
    *,
    guild_id: int = 1,
    url: str = "https://example.com/post",
    target: str | None = "https://mysite.test/",
    requester_id: int = 500,
    now: float = NOW,
    deadline_at: float | None = None,
    domain: str = "example.com",
) -> Review:
    repo = ReviewsRepo(db)
    created = await repo.create(
        guild_id=guild_id,
        requester_id=requester_id,
        origin_channel_id=77,
        url=url,
        domain=domain,
        target=target,
        now=now,
        deadline_at=deadline_at if deadline_at is not None else now + 72 * 3600,
    )
    assert created.created
    base = next(_message_ids) * 10
    review = await repo.attach(
        created.review.id,
        guild_id,
        channel_id=88,
        thread_id=base,
        summary_message_id=base + 1,
        factor_messages={f: base + 2 + i for i, f in enumerate(FACTOR_IDS)},
    )
    assert review is not None and review.status == "open"
    return review


async def apply_votes(db: Database, ops: VoteOps) -> None:
    """Vote writes as the bot makes them (bot.review_runtime.ingest): one transaction around
    VotesRepo.apply_in_transaction."""
    async with db.transaction() as tx:
        await VotesRepo.apply_in_transaction(tx, ops)
