"""Votes: written as guarded upserts/deletes in one transaction, tallied with GROUP BY."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from bot.review.factors import Choice
from bot.review.votes import GuildKey, Tally, VoteOps, VoteRow
from bot.storage.database import Database
from bot.storage.dialect import Dialect


@dataclass(frozen=True)
class _Writes:
    upsert: str
    insert_if_absent: str
    replace: str
    delete: str
    delete_if: str


@cache
def _writes(dialect: Dialect) -> _Writes:
    """The five guarded vote writes, for one engine.

    Every write carries the guard: a vote (or a withdrawal) for a review that is not open — closed
    while the event was queued, or never opened — changes nothing. It runs inside the write
    transaction, so a vote racing a close either lands before the close or not at all. On
    PostgreSQL the guard takes a share lock on the review row, so a close (an UPDATE of that row)
    waits for the vote's transaction, or the vote waits for the close and then sees it closed.
    """
    _OPEN = f"EXISTS (SELECT 1 FROM reviews WHERE id = ? AND guild_id = ? AND status = 'open'{dialect.for_share})"  # noqa: S608
    return _Writes(
        upsert=f"""
INSERT INTO votes (review_id, factor, member_id, choice, guild_id, voted_at)
SELECT ?, ?, ?, ?, ?, ? WHERE {_OPEN}
ON CONFLICT (review_id, factor, member_id) DO UPDATE
    SET choice = excluded.choice, voted_at = excluded.voted_at
    WHERE votes.guild_id = excluded.guild_id
""",  # noqa: S608 - the interpolated text is the constant guard above, never user input
        insert_if_absent=f"""
INSERT INTO votes (review_id, factor, member_id, choice, guild_id, voted_at)
SELECT ?, ?, ?, ?, ?, ? WHERE {_OPEN}
ON CONFLICT (review_id, factor, member_id) DO NOTHING
""",  # noqa: S608
        replace=f"""
UPDATE votes SET choice = ?, voted_at = ?
WHERE review_id = ? AND factor = ? AND member_id = ? AND guild_id = ? AND choice = ? AND {_OPEN}
""",  # noqa: S608
        delete=f"""
DELETE FROM votes
WHERE review_id = ? AND factor = ? AND member_id = ? AND guild_id = ? AND {_OPEN}
""",  # noqa: S608
        delete_if=f"""
DELETE FROM votes
WHERE review_id = ? AND factor = ? AND member_id = ? AND guild_id = ? AND choice = ? AND {_OPEN}
""",  # noqa: S608
    )


def _row_params(r: VoteRow) -> tuple[object, ...]:
    return (r.review_id, r.factor, r.member_id, r.choice.value, r.guild_id, r.voted_at, r.review_id, r.guild_id)


def _key_params(g: GuildKey) -> tuple[object, ...]:
    return (g.key.review_id, g.key.factor, g.key.member_id, g.guild_id)


class VotesRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    async def apply_in_transaction(db: Database, ops: VoteOps) -> None:
        """A batch of vote writes (one executemany per kind), inside the caller's transaction: the
        vote writer (bot.review_runtime.ingest) holds one around each batch."""
        sql = _writes(db.dialect)
        if ops.deletes:
            await db.executemany(sql.delete, [(*_key_params(g), g.key.review_id, g.guild_id) for g in ops.deletes])
        if ops.deletes_if:
            await db.executemany(
                sql.delete_if, [(*_key_params(g), c.value, g.key.review_id, g.guild_id) for g, c in ops.deletes_if]
            )
        if ops.upserts:
            await db.executemany(sql.upsert, [_row_params(r) for r in ops.upserts])
        if ops.inserts_if_absent:
            await db.executemany(sql.insert_if_absent, [_row_params(r) for r in ops.inserts_if_absent])
        if ops.replaces:
            await db.executemany(
                sql.replace,
                [
                    (
                        r.choice.value,
                        r.voted_at,
                        r.review_id,
                        r.factor,
                        r.member_id,
                        r.guild_id,
                        old.value,
                        r.review_id,
                        r.guild_id,
                    )
                    for r, old in ops.replaces
                ],
            )

    async def tally(self, review_id: int, guild_id: int) -> Tally:
        rows = await self.db.fetchall(
            "SELECT factor, choice, COUNT(*) FROM votes WHERE review_id = ? AND guild_id = ? GROUP BY factor, choice",
            (review_id, guild_id),
        )
        return Tally.from_rows(review_id, ((r[0], r[1], r[2]) for r in rows))

    async def votes_for_review(self, review_id: int, guild_id: int) -> list[VoteRow]:
        rows = await self.db.fetchall(
            "SELECT guild_id, review_id, factor, member_id, choice, voted_at FROM votes "
            "WHERE review_id = ? AND guild_id = ? ORDER BY factor, member_id",
            (review_id, guild_id),
        )
        return [VoteRow(r[0], r[1], r[2], r[3], Choice(r[4]), r[5]) for r in rows]

    async def reset_member(
        self, guild_id: int, member_id: int, review_id: int | None = None, *, now: float
    ) -> set[int]:
        """Withdraw a member's votes on open reviews (one review, or all in the guild), and record
        the reset so that reconciliation does not count the member's standing reactions again.

        Closed reviews keep their votes: their verdict was computed from them. Returns the ids of
        the reviews whose tally changed.
        """
        open_only = "review_id IN (SELECT id FROM reviews WHERE guild_id = votes.guild_id AND status = 'open')"
        if review_id is None:
            where, params = "guild_id = ? AND member_id = ?", (guild_id, member_id)
        else:
            where, params = "guild_id = ? AND member_id = ? AND review_id = ?", (guild_id, member_id, review_id)
        async with self.db.transaction() as db:
            rows = await db.fetchall(
                "SELECT DISTINCT review_id FROM votes WHERE " + where + " AND " + open_only, params  # noqa: S608
            )
            await db.execute("DELETE FROM votes WHERE " + where + " AND " + open_only, params)  # noqa: S608
            await db.execute(
                "INSERT INTO vote_resets (review_id, member_id, guild_id, reset_at) "
                "SELECT id, ?, guild_id, ? FROM reviews WHERE guild_id = ? AND status = 'open' "
                "AND (CAST(? AS BIGINT) IS NULL OR id = ?) "
                "ON CONFLICT (review_id, member_id) DO UPDATE SET reset_at = excluded.reset_at",
                (member_id, now, guild_id, review_id, review_id),
            )
        return {int(r[0]) for r in rows}

    async def reset_members(self, review_id: int, guild_id: int) -> set[int]:
        """Members whose votes on this review a moderator reset."""
        rows = await self.db.fetchall(
            "SELECT member_id FROM vote_resets WHERE review_id = ? AND guild_id = ?", (review_id, guild_id)
        )
        return {int(r[0]) for r in rows}
