from __future__ import annotations

import asyncio
import json

import pytest

from bot.review.factors import FACTOR_IDS, Choice
from bot.review.votes import VoteEvent, collapse_events
from bot.storage.database import Database
from bot.storage.reviews import OpenReviewExistsError, ReviewsRepo
from bot.storage.votes import VotesRepo
from tests.unit.storage.helpers import NOW, apply_votes, open_review


async def _create(repo: ReviewsRepo, **overrides):
    args = dict(
        guild_id=1,
        requester_id=500,
        origin_channel_id=77,
        url="https://example.com/a",
        domain="example.com",
        target="https://mysite.test/",
        now=NOW,
        deadline_at=NOW + 3600,
    )
    args.update(overrides)
    return await repo.create(**args)


async def test_one_open_review_per_guild_url_target(db: Database) -> None:
    repo = ReviewsRepo(db)
    first = await _create(repo)
    again = await _create(repo, requester_id=501)
    assert first.created and not again.created
    assert again.review.id == first.review.id and again.review.requester_id == 500
    # Another target, another guild, or no target at all are different reviews.
    other_target = await _create(repo, target="https://other.test/")
    other_guild = await _create(repo, guild_id=2)
    no_target = await _create(repo, target=None)
    ids = {first.review.id, other_target.review.id, other_guild.review.id, no_target.review.id}
    assert len(ids) == 4
    assert no_target.review.target == ""
    assert (await _create(repo, target="")).review.id == no_target.review.id


async def test_concurrent_creates_yield_one_review(db: Database) -> None:
    repo = ReviewsRepo(db)
    results = await asyncio.gather(*(_create(repo, requester_id=600 + i) for i in range(10)))
    assert sum(r.created for r in results) == 1
    assert len({r.review.id for r in results}) == 1


async def test_closed_review_frees_the_url_for_a_new_one(db: Database) -> None:
    repo = ReviewsRepo(db)
    review = await open_review(db)
    assert await repo.close(
        review.id, 1, verdict_json="{}", community_risk="low", closed_by=None, reason="deadline", now=NOW + 1
    )
    again = await _create(repo, url=review.url, target=review.target)
    assert again.created and again.review.id != review.id


async def test_attach_opens_and_indexes_factor_messages(db: Database) -> None:
    repo = ReviewsRepo(db)
    created = await _create(repo)
    assert created.review.status == "opening"
    msgs = {f: 900 + i for i, f in enumerate(FACTOR_IDS)}
    review = await repo.attach(
        created.review.id, 1, channel_id=5, thread_id=6, summary_message_id=7, factor_messages=msgs
    )
    assert review is not None and review.status == "open" and review.thread_id == 6
    assert await repo.factor_messages(review.id, 1) == msgs
    assert (await repo.by_thread(6, 1)).id == review.id
    index = await repo.open_factor_messages()
    assert {m: r.factor for m, r in index.items()} == {m: f for f, m in msgs.items()}
    # Each message names its review and guild (the cog compares the guild with the event's).
    ref = index[902]
    assert (ref.review_id, ref.guild_id, ref.factor) == (review.id, 1, FACTOR_IDS[2])
    # Attaching twice does nothing: the review is no longer 'opening'.
    assert await repo.attach(review.id, 1, channel_id=5, thread_id=6, summary_message_id=7, factor_messages={}) is None
    with pytest.raises(ValueError, match="unknown review factors"):
        await repo.attach(review.id, 1, channel_id=5, thread_id=6, summary_message_id=7, factor_messages={"x": 1})


async def test_open_factor_messages_only_lists_open_reviews(db: Database) -> None:
    repo = ReviewsRepo(db)
    a = await open_review(db, url="https://a.test/")
    b = await open_review(db, url="https://b.test/", guild_id=2)
    await repo.close(a.id, 1, verdict_json="{}", community_risk="low", closed_by=1, reason="moderator", now=NOW)
    index = await repo.open_factor_messages()
    assert {ref.review_id for ref in index.values()} == {b.id}
    assert all(ref.guild_id == 2 for ref in index.values())
    assert len(index) == len(FACTOR_IDS)


async def test_guild_scoping(db: Database) -> None:
    repo = ReviewsRepo(db)
    review = await open_review(db, guild_id=1)
    assert await repo.get(review.id, 1) is not None
    assert await repo.get(review.id, 2) is None
    assert await repo.by_thread(review.thread_id, 2) is None
    assert {ref.guild_id for ref in (await repo.open_factor_messages()).values()} == {1}
    open_in = await db.fetchall("SELECT guild_id FROM reviews WHERE status = 'open'")
    assert [r[0] for r in open_in] == [1]
    assert not await repo.close(
        review.id, 2, verdict_json="{}", community_risk="low", closed_by=9, reason="moderator", now=NOW
    )
    assert not await repo.soft_delete(review.id, 2, "nope")
    assert (await repo.get(review.id, 1)).status == "open"


async def test_close_race_has_exactly_one_winner(tmp_path) -> None:
    # Two connections, as two processes or the ingestor's own connection would be.
    path = tmp_path / "race.sqlite3"
    db1 = await Database.open(path)
    db2 = await Database.open(path)
    try:
        review = await open_review(db1)
        repos = [ReviewsRepo(db1), ReviewsRepo(db2)] * 4
        results = await asyncio.gather(
            *(
                r.close(
                    review.id, 1, verdict_json=json.dumps({"by": i}), community_risk="low",
                    closed_by=i, reason="moderator", now=NOW + i,
                )
                for i, r in enumerate(repos)
            )
        )
        assert results.count(True) == 1
        winner = results.index(True)
        closed = await ReviewsRepo(db2).get(review.id, 1)
        assert closed.status == "closed" and closed.closed_by == winner
        assert json.loads(closed.verdict_json) == {"by": winner}
    finally:
        await db1.close()
        await db2.close()


async def test_reopen_keeps_votes_and_sets_a_new_deadline(db: Database) -> None:
    repo, votes = ReviewsRepo(db), VotesRepo(db)
    review = await open_review(db)
    await apply_votes(
        db,
        collapse_events(
            [VoteEvent("add", 1, review.id, "overall", m, Choice.BAD, NOW) for m in (1, 2, 3)]
        )
    )
    assert await repo.close(review.id, 1, verdict_json="{}", community_risk="high", closed_by=9,
                            reason="moderator", now=NOW + 10)
    assert await repo.reopen(review.id, 1, now=NOW + 10, deadline_seconds=60) is not None
    reopened = await repo.get(review.id, 1)
    assert reopened.status == "open" and reopened.deadline_at == NOW + 70
    assert reopened.verdict_json is None and reopened.closed_at is None and reopened.community_risk is None
    assert (await votes.tally(review.id, 1)).count("overall", Choice.BAD) == 3
    # Only a closed review reopens.
    assert await repo.reopen(review.id, 1, now=NOW, deadline_seconds=60) is None


async def test_reopen_refused_when_another_review_of_the_url_is_open(db: Database) -> None:
    repo = ReviewsRepo(db)
    review = await open_review(db)
    await repo.close(review.id, 1, verdict_json="{}", community_risk="low", closed_by=None, reason="deadline", now=NOW)
    newer = await open_review(db, url=review.url, target=review.target)
    with pytest.raises(OpenReviewExistsError) as info:
        await repo.reopen(review.id, 1, now=NOW, deadline_seconds=60)
    assert info.value.existing_id == newer.id
    assert (await repo.get(review.id, 1)).status == "closed"


async def test_due_reviews_and_next_deadline(db: Database) -> None:
    repo = ReviewsRepo(db)
    early = await open_review(db, url="https://a.test/", deadline_at=NOW + 10)
    late = await open_review(db, url="https://b.test/", deadline_at=NOW + 100, guild_id=3)
    closed = await open_review(db, url="https://c.test/", deadline_at=NOW + 5)
    await repo.close(closed.id, 1, verdict_json="{}", community_risk="low", closed_by=None, reason="deadline", now=NOW)
    assert await repo.next_deadline() == NOW + 10
    assert [r.id for r in await repo.due_reviews(NOW + 9)] == []
    assert [r.id for r in await repo.due_reviews(NOW + 10)] == [early.id]
    assert [r.id for r in await repo.due_reviews(NOW + 1000)] == [early.id, late.id]
    if db.engine == "sqlite":
        # PostgreSQL's planner rightly scans a table of two rows; its plans are judged at scale in bench/.
        plan = await db.fetchall(
            "EXPLAIN QUERY PLAN SELECT id FROM reviews WHERE status = 'open' AND deadline_at <= ? ORDER BY deadline_at",
            (NOW,),
        )
        assert any("reviews_due" in str(tuple(row)) for row in plan)


async def test_broken_deleted_abandoned_and_last_closed_verdict(db: Database) -> None:
    repo = ReviewsRepo(db)
    review = await open_review(db)
    assert await repo.mark_broken(review.id, 1, "thread deleted")
    assert not await repo.mark_broken(review.id, 1, "again")
    assert (await repo.get(review.id, 1)).broken == "thread deleted"
    await repo.close(review.id, 1, verdict_json='{"v":1}', community_risk="medium", closed_by=None,
                     reason="deadline", now=NOW + 5)
    assert await repo.reopen(review.id, 1, now=NOW, deadline_seconds=60) is None  # broken: no reopen

    newer = await open_review(db, url="https://example.com/other")
    await repo.close(newer.id, 1, verdict_json='{"v":2}', community_risk="high", closed_by=None,
                     reason="deadline", now=NOW + 50)
    last = await repo.last_closed_for_domain(1, "example.com")
    assert last is not None and last.id == newer.id and last.community_risk == "high"
    assert await repo.last_closed_for_domain(2, "example.com") is None

    assert await repo.soft_delete(newer.id, 1, "spam")
    assert (await repo.get(newer.id, 1)).deleted_reason == "spam"
    assert (await repo.last_closed_for_domain(1, "example.com")).id == review.id

    stuck = await _create(repo, url="https://stuck.test/")
    assert await repo.abandon(stuck.review.id, 1, "thread could not be created")
    assert (await _create(repo, url="https://stuck.test/")).created


async def test_a_close_without_consensus_does_not_hide_the_last_answer(db: Database) -> None:
    repo = ReviewsRepo(db)
    first = await open_review(db, url="https://example.com/a")
    await repo.close(first.id, 1, verdict_json='{"v":1}', community_risk="no_consensus", closed_by=None,
                     reason="deadline", now=NOW + 1)
    # With nothing better, the guild still remembers that it looked.
    assert (await repo.last_closed_for_domain(1, "example.com")).id == first.id
    judged = await open_review(db, url="https://example.com/b")
    await repo.close(judged.id, 1, verdict_json='{"v":2}', community_risk="high", closed_by=None,
                     reason="deadline", now=NOW + 2)
    # A site owner opens another review of the domain and closes it at once, with no votes.
    emptied = await open_review(db, url="https://example.com/c")
    await repo.close(emptied.id, 1, verdict_json='{"v":3}', community_risk="no_consensus", closed_by=500,
                     reason="requester", now=NOW + 3)
    last = await repo.last_closed_for_domain(1, "example.com")
    assert last.id == judged.id and last.community_risk == "high"
    # A later answer, whatever it says, is the one shown.
    later = await open_review(db, url="https://example.com/d")
    await repo.close(later.id, 1, verdict_json='{"v":4}', community_risk="low", closed_by=None,
                     reason="deadline", now=NOW + 4)
    assert (await repo.last_closed_for_domain(1, "example.com")).id == later.id
