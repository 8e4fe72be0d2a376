from __future__ import annotations

import pytest

from bot.review.factors import Choice
from bot.review.votes import GuildKey, VoteEvent, VoteKey, VoteOps, VoteRow, collapse_events
from bot.storage.database import Database, IntegrityError
from bot.storage.reviews import ReviewsRepo
from bot.storage.votes import VotesRepo
from tests.unit.storage.helpers import NOW, apply_votes, open_review

G, B, U = Choice.GOOD, Choice.BAD, Choice.UNSURE


def ev(kind: str, review_id: int, member: int, choice: Choice, factor: str = "overall", guild: int = 1) -> VoteEvent:
    return VoteEvent(kind, guild, review_id, factor, member, choice, NOW)  # type: ignore[arg-type]


async def one_by_one(repo: VotesRepo, *events: VoteEvent) -> None:
    for e in events:
        await apply_votes(repo.db, collapse_events([e]))


async def stored(repo: VotesRepo, review_id: int) -> dict[tuple[str, int], Choice]:
    return {(v.factor, v.member_id): v.choice for v in await repo.votes_for_review(review_id, 1)}


async def test_switching_withdrawing_and_superseded_removal(db: Database) -> None:
    repo = VotesRepo(db)
    review = await open_review(db)
    await one_by_one(repo, ev("add", review.id, 1, G))
    assert await stored(repo, review.id) == {("overall", 1): G}
    # A new reaction replaces the vote...
    await one_by_one(repo, ev("add", review.id, 1, B))
    assert await stored(repo, review.id) == {("overall", 1): B}
    # ...and the bot's clean-up removing the superseded 🟢 must not withdraw the 🔴 vote.
    await one_by_one(repo, ev("remove", review.id, 1, G))
    assert await stored(repo, review.id) == {("overall", 1): B}
    # Removing the current reaction withdraws it.
    await one_by_one(repo, ev("remove", review.id, 1, B))
    assert await stored(repo, review.id) == {}
    tally = await repo.tally(review.id, 1)
    assert tally.total_votes == 0


async def test_tally_groups_stored_votes(db: Database) -> None:
    repo = VotesRepo(db)
    review = await open_review(db)
    events = [ev("add", review.id, m, G if m % 3 else B, factor="relevance") for m in range(1, 10)]
    events += [ev("add", review.id, m, U, factor="overall") for m in range(1, 5)]
    await apply_votes(repo.db, collapse_events(events))
    tally = await repo.tally(review.id, 1)
    assert tally.count("relevance", G) == 6 and tally.count("relevance", B) == 3
    assert tally.count("overall", U) == 4 and tally.total("overall") == 4
    assert tally.total("placement") == 0 and tally.total_votes == 13
    assert (await repo.tally(review.id, 2)).total_votes == 0  # another guild sees nothing
    # Stored once per vote, under the review's guild (a plain read of the table).
    counts = await db.fetchall("SELECT guild_id, review_id, COUNT(*) FROM votes GROUP BY guild_id, review_id")
    assert [tuple(r) for r in counts] == [(1, review.id, 13)]


async def test_votes_refused_unless_the_review_is_open(db: Database) -> None:
    repo, reviews = VotesRepo(db), ReviewsRepo(db)
    review = await open_review(db)
    await one_by_one(repo, ev("add", review.id, 1, G), ev("add", review.id, 2, B))
    assert await reviews.close(review.id, 1, verdict_json="{}", community_risk="low", closed_by=None,
                               reason="deadline", now=NOW)
    # After the close: new votes, switches and withdrawals all change nothing.
    await one_by_one(
        repo,
        ev("add", review.id, 3, G),
        ev("add", review.id, 1, B),
        ev("remove", review.id, 2, B),
    )
    await apply_votes(repo.db, VoteOps(deletes=(GuildKey(1, VoteKey(review.id, "overall", 1)),)))
    assert await stored(repo, review.id) == {("overall", 1): G, ("overall", 2): B}
    # A review id of another guild, or an 'opening' review, takes no votes either.
    await one_by_one(repo, ev("add", review.id, 4, G, guild=2))
    opening = await reviews.create(guild_id=1, requester_id=5, origin_channel_id=1, url="https://x.test/",
                                   domain="x.test", now=NOW, deadline_at=NOW + 10)
    await one_by_one(repo, ev("add", opening.review.id, 4, G))
    assert (await repo.tally(opening.review.id, 1)).total_votes == 0
    assert len(await repo.votes_for_review(review.id, 1)) == 2


async def test_conditional_writes_of_reconciliation(db: Database) -> None:
    repo = VotesRepo(db)
    review = await open_review(db)
    await one_by_one(repo, ev("add", review.id, 1, G), ev("add", review.id, 2, G))
    row = lambda m, c: VoteRow(1, review.id, "overall", m, c, NOW)  # noqa: E731
    await apply_votes(
        repo.db,
        VoteOps(
            inserts_if_absent=(row(1, B), row(3, U)),  # 1 has a vote: untouched; 3 gets one
            replaces=((row(2, B), U),),  # 2's stored choice is not U any more: untouched
        )
    )
    assert await stored(repo, review.id) == {("overall", 1): G, ("overall", 2): G, ("overall", 3): U}
    await apply_votes(repo.db, VoteOps(replaces=((row(2, B), G),)))
    assert (await stored(repo, review.id))[("overall", 2)] == B


async def test_unknown_factor_is_rejected_by_the_schema(db: Database) -> None:
    repo = VotesRepo(db)
    review = await open_review(db)
    with pytest.raises(IntegrityError):
        await apply_votes(repo.db, collapse_events([ev("add", review.id, 1, G, factor="made_up")]))
    assert (await repo.tally(review.id, 1)).total_votes == 0


async def test_reset_member_only_touches_open_reviews_of_the_guild(db: Database) -> None:
    repo, reviews = VotesRepo(db), ReviewsRepo(db)
    a = await open_review(db, url="https://a.test/")
    b = await open_review(db, url="https://b.test/")
    c = await open_review(db, url="https://c.test/")
    other = await open_review(db, url="https://a.test/", guild_id=2)
    for r in (a, b, c):
        await one_by_one(repo, ev("add", r.id, 7, B), ev("add", r.id, 8, G))
    await one_by_one(repo, ev("add", other.id, 7, B, guild=2))
    await reviews.close(c.id, 1, verdict_json="{}", community_risk="high", closed_by=None, reason="deadline", now=NOW)

    assert await repo.reset_member(1, 7, review_id=a.id, now=NOW) == {a.id}
    assert await stored(repo, a.id) == {("overall", 8): G}
    assert await repo.reset_members(a.id, 1) == {7}
    assert await repo.reset_members(b.id, 1) == set()
    assert await repo.reset_member(1, 7, now=NOW) == {b.id}
    assert await stored(repo, b.id) == {("overall", 8): G}
    assert (await stored(repo, c.id))[("overall", 7)] == B  # closed: kept
    kept = await db.fetchall("SELECT review_id FROM votes WHERE guild_id = ? AND member_id = ?", (2, 7))
    assert [r[0] for r in kept] == [other.id]  # other guild: kept
    # The resets are recorded for the open reviews of this guild only.
    assert [await repo.reset_members(r.id, 1) for r in (a, b, c)] == [{7}, {7}, set()]
    assert await repo.reset_members(other.id, 2) == set()
    assert await repo.reset_members(a.id, 2) == set()
