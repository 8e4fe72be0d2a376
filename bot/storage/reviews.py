"""Stored reviews and their factor messages (the Review entity is bot/review/review.py).

Every read of a guild's review takes the guild id."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from bot.review.deadlines import deadline_after
from bot.review.factors import FACTOR_IDS
from bot.review.review import CreateResult, FactorMessageRef, OpenReviewExistsError, Review
from bot.sharding import ShardPlan, guild_clause
from bot.storage.database import Database, IntegrityError

__all__ = ["REVIEW_COLUMNS", "CreateResult", "FactorMessageRef", "OpenReviewExistsError", "Review", "ReviewsRepo"]

REVIEW_COLUMNS = (
    "id, guild_id, check_id, requester_id, origin_channel_id, channel_id, thread_id, summary_message_id, "
    "url, domain, target, keyword, note, status, bot_risk_level, bot_risk_score, community_risk, "
    "verdict_json, broken, created_at, deadline_at, closed_at, closed_by, close_reason, deleted_reason"
)

_SELECT = f"SELECT {REVIEW_COLUMNS} FROM reviews"  # noqa: S608 - a constant column list, no user input
_RETURNING = f" RETURNING {REVIEW_COLUMNS}"


def _review(row: Any) -> Review:
    return Review(*tuple(row))


class ReviewsRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self,
        *,
        guild_id: int,
        requester_id: int,
        origin_channel_id: int,
        url: str,
        domain: str,
        now: float,
        deadline_at: float,
        target: str | None = None,
        keyword: str | None = None,
        note: str | None = None,
        check_id: int | None = None,
        bot_risk_level: str | None = None,
        bot_risk_score: int | None = None,
    ) -> CreateResult:
        """Insert a review in status 'opening', or return the open one for the same URL and target.

        The partial unique index decides, so two members asking at once get the same review.
        """
        target = target or ""
        for _ in range(3):
            row = await self.db.fetchone(
                "INSERT INTO reviews (guild_id, check_id, requester_id, origin_channel_id, url, domain, target, "
                "keyword, note, status, bot_risk_level, bot_risk_score, created_at, deadline_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'opening', ?, ?, ?, ?) ON CONFLICT DO NOTHING" + _RETURNING,
                (
                    guild_id,
                    check_id,
                    requester_id,
                    origin_channel_id,
                    url,
                    domain,
                    target,
                    keyword,
                    note,
                    bot_risk_level,
                    bot_risk_score,
                    now,
                    deadline_at,
                ),
            )
            if row is not None:
                return CreateResult(_review(row), True)
            existing = await self.find_open(guild_id, url, target)
            if existing is not None:
                return CreateResult(existing, False)
            # The open one closed between the two statements: try the insert again.
        raise RuntimeError("could not create or find the open review")  # pragma: no cover

    async def find_open(self, guild_id: int, url: str, target: str | None) -> Review | None:
        """The review in 'opening' or 'open' status for this guild, URL and target."""
        row = await self.db.fetchone(
            _SELECT + " WHERE guild_id = ? AND url = ? AND target = ? "
            "AND status IN ('opening', 'open')",
            (guild_id, url, target or ""),
        )
        return _review(row) if row else None

    async def attach(
        self,
        review_id: int,
        guild_id: int,
        *,
        channel_id: int,
        thread_id: int,
        summary_message_id: int,
        factor_messages: Mapping[str, int],
    ) -> Review | None:
        """Record the thread and its messages and open the review for votes (one transaction).

        Returns None when the review was not 'opening' any more (abandoned meanwhile).
        """
        unknown = set(factor_messages) - set(FACTOR_IDS)
        if unknown:
            raise ValueError(f"unknown review factors: {', '.join(sorted(unknown))}")
        async with self.db.transaction() as db:
            cursor = await db.execute(
                "UPDATE reviews SET channel_id = ?, thread_id = ?, summary_message_id = ?, status = 'open' "
                "WHERE id = ? AND guild_id = ? AND status = 'opening'",
                (channel_id, thread_id, summary_message_id, review_id, guild_id),
            )
            if cursor.rowcount != 1:
                return None
            await db.executemany(
                "INSERT INTO review_factor_messages (review_id, factor, guild_id, message_id) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (review_id, factor) DO UPDATE SET message_id = excluded.message_id",
                [(review_id, f, guild_id, m) for f, m in factor_messages.items()],
            )
        return await self.get(review_id, guild_id)

    async def abandon(self, review_id: int, guild_id: int, reason: str) -> bool:
        """Give up a review stuck in 'opening' (posting the thread failed), freeing the URL."""
        cursor = await self.db.execute(
            "UPDATE reviews SET status = 'deleted', deleted_reason = ? "
            "WHERE id = ? AND guild_id = ? AND status = 'opening'",
            (reason, review_id, guild_id),
        )
        return cursor.rowcount == 1

    async def stale_openings(self, *, exclude: Collection[int] = ()) -> list[tuple[int, int]]:
        """(id, guild id) of every review in 'opening' except `exclude` (the ones being opened
        now): across guilds, for the start-up sweep."""
        rows = await self.db.fetchall("SELECT id, guild_id FROM reviews WHERE status = 'opening' ORDER BY id")
        return [(int(r[0]), int(r[1])) for r in rows if int(r[0]) not in exclude]

    async def get(self, review_id: int, guild_id: int) -> Review | None:
        row = await self.db.fetchone(
            _SELECT + " WHERE id = ? AND guild_id = ?",
            (review_id, guild_id),
        )
        return _review(row) if row else None

    async def by_thread(self, thread_id: int, guild_id: int) -> Review | None:
        row = await self.db.fetchone(
            _SELECT + " WHERE thread_id = ? AND guild_id = ?",
            (thread_id, guild_id),
        )
        return _review(row) if row else None

    async def factor_messages(self, review_id: int, guild_id: int) -> dict[str, int]:
        rows = await self.db.fetchall(
            "SELECT factor, message_id FROM review_factor_messages WHERE review_id = ? AND guild_id = ?",
            (review_id, guild_id),
        )
        return {r[0]: r[1] for r in rows}

    async def open_factor_messages(self) -> dict[int, FactorMessageRef]:
        """message id → (review, guild, factor) for every open review of every guild.

        The one cross-guild read: the cog loads it at start into memory so a reaction on any
        other message is dismissed without touching the database. Each entry carries its guild,
        and the cog still compares it with the event's guild.
        """
        rows = await self.db.fetchall(
            "SELECT m.message_id, m.review_id, m.guild_id, m.factor FROM review_factor_messages AS m "
            "JOIN reviews AS r ON r.id = m.review_id AND r.guild_id = m.guild_id WHERE r.status = 'open'"
        )
        return {r[0]: FactorMessageRef(r[1], r[2], r[3]) for r in rows}

    async def due_reviews(self, now: float, limit: int = 100, *, shards: ShardPlan | None = None) -> list[Review]:
        """Open reviews whose deadline has passed, in every guild, oldest deadline first.

        Cross-guild on purpose (the deadline sweeper serves all guilds); it uses reviews_due.
        `deadline_at <= now` is bot.review.deadlines.is_due, evaluated by the index.
        shards: only the guilds of this process's shards (each guild's deadlines are closed by
        the one process holding its shard).
        """
        mine, mine_params = guild_clause(shards)
        rows = await self.db.fetchall(
            _SELECT + " WHERE status = 'open' AND deadline_at <= ?" + mine + " ORDER BY deadline_at LIMIT ?",
            (now, *mine_params, limit),
        )
        return [_review(r) for r in rows]

    async def next_deadline(self, *, shards: ShardPlan | None = None) -> float | None:
        """The earliest deadline of any open review (of this process's shards), so the sweeper can
        sleep until then."""
        mine, mine_params = guild_clause(shards)
        row = await self.db.fetchone(
            "SELECT MIN(deadline_at) FROM reviews WHERE status = 'open'" + mine,  # noqa: S608 - constant clause
            mine_params,
        )
        return None if row is None or row[0] is None else float(row[0])

    async def close(
        self,
        review_id: int,
        guild_id: int,
        *,
        verdict_json: str,
        community_risk: str,
        closed_by: int | None,
        reason: str,
        now: float,
    ) -> bool:
        """Close an open review. Only one of several racing closers gets True; the others False."""
        cursor = await self.db.execute(
            "UPDATE reviews SET status = 'closed', verdict_json = ?, community_risk = ?, closed_by = ?, "
            "close_reason = ?, closed_at = ? WHERE id = ? AND guild_id = ? AND status = 'open'",
            (verdict_json, community_risk, closed_by, reason, now, review_id, guild_id),
        )
        return cursor.rowcount == 1

    async def reopen(self, review_id: int, guild_id: int, *, now: float, deadline_seconds: float) -> Review | None:
        """Moderator reopen: back to 'open', new deadline = now + deadline, votes kept.

        The verdict is cleared (a new one is computed at the next close; the audit log keeps the
        history). Returns None when the review is not closed or is broken; raises
        OpenReviewExistsError when another review for the same URL and target is open meanwhile.
        """
        try:
            cursor = await self.db.execute(
                "UPDATE reviews SET status = 'open', deadline_at = ?, closed_at = NULL, closed_by = NULL, "
                "close_reason = NULL, verdict_json = NULL, community_risk = NULL "
                "WHERE id = ? AND guild_id = ? AND status = 'closed' AND broken IS NULL",
                (deadline_after(now, deadline_seconds), review_id, guild_id),
            )
        except IntegrityError:
            current = await self.get(review_id, guild_id)
            other = await self.find_open(guild_id, current.url, current.target) if current else None
            raise OpenReviewExistsError(other.id if other else None) from None
        if cursor.rowcount != 1:
            return None
        return await self.get(review_id, guild_id)

    async def mark_broken(self, review_id: int, guild_id: int, reason: str) -> bool:
        """Record why the review can no longer take votes (its thread or a factor message is gone).

        The status is left alone: the deadline sweeper still closes it with the votes it has.
        """
        cursor = await self.db.execute(
            "UPDATE reviews SET broken = ? WHERE id = ? AND guild_id = ? AND broken IS NULL",
            (reason, review_id, guild_id),
        )
        return cursor.rowcount == 1

    async def soft_delete(self, review_id: int, guild_id: int, reason: str) -> bool:
        cursor = await self.db.execute(
            "UPDATE reviews SET status = 'deleted', deleted_reason = ? "
            "WHERE id = ? AND guild_id = ? AND status != 'deleted'",
            (reason, review_id, guild_id),
        )
        return cursor.rowcount == 1

    async def last_closed_for_domain(self, guild_id: int, domain: str) -> Review | None:
        """The guild's latest verdict on a domain: the latest closed review that reached an answer
        (low, medium or high), else the latest closed one. A review closed without consensus (say,
        by a site owner at once, with no votes) must not hide an earlier real answer."""
        row = await self.db.fetchone(
            _SELECT + " WHERE guild_id = ? AND domain = ? AND status = 'closed' AND verdict_json IS NOT NULL "
            "ORDER BY community_risk IN ('low', 'medium', 'high') DESC, closed_at DESC LIMIT 1",
            (guild_id, domain),
        )
        return _review(row) if row else None
