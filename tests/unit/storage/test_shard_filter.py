"""The deadline sweeper's cross-guild reads keep to this process's shards, on both engines."""

from __future__ import annotations

from bot.sharding import ShardPlan, shard_of
from bot.storage.database import Database
from bot.storage.reviews import ReviewsRepo
from tests.unit.storage.helpers import NOW, open_review

# Real-sized guild ids on shards 0 and 1 of 2 (the shard is (id >> 22) % 2).
ON_0 = (300_000_000_000 << 22) | 5
ON_1 = (300_000_000_001 << 22) | 5


async def test_due_reviews_and_next_deadline_keep_to_the_shards(db: Database) -> None:
    assert (shard_of(ON_0, 2), shard_of(ON_1, 2)) == (0, 1)
    first = await open_review(db, guild_id=ON_0, deadline_at=NOW + 10)
    second = await open_review(db, guild_id=ON_1, deadline_at=NOW + 20)
    repo = ReviewsRepo(db)
    assert [r.id for r in await repo.due_reviews(NOW + 100)] == [first.id, second.id]
    assert [r.id for r in await repo.due_reviews(NOW + 100, shards=ShardPlan(2, (0,)))] == [first.id]
    assert [r.id for r in await repo.due_reviews(NOW + 100, shards=ShardPlan(2, (1,)))] == [second.id]
    assert [r.id for r in await repo.due_reviews(NOW + 100, shards=ShardPlan(2))] == [first.id, second.id]
    assert await repo.next_deadline(shards=ShardPlan(2, (1,))) == NOW + 20
    assert await repo.next_deadline(shards=ShardPlan(4, (3,))) is None


async def test_guilds_with_due_watches_keep_to_the_shards(db: Database) -> None:
    # `watch run-due` beside shard processes runs the watches of its configured shards only.
    from bot.storage.watches import WatchRepo
    from bot.watch.rules import Observation

    repo = WatchRepo(db)
    for guild_id in (ON_0, ON_1):
        added = await repo.add(
            guild_id=guild_id, channel_id=1, created_by=2, created_by_name="m", source_url="https://a.example/p",
            domain="a.example", target="shop.example", keyword=None, review_id=None, thread_id=None,
            check_id=None, created_at=NOW, next_due_at=NOW + 10, max_per_guild=5,
            baseline=Observation(at=NOW, status="ok"),
        )
        assert added is not None
    assert await repo.guilds_due(NOW + 10) == [ON_0, ON_1]
    assert await repo.guilds_due(NOW + 10, shards=ShardPlan(2, (1,))) == [ON_1]
    assert await repo.guilds_due(NOW + 10, shards=ShardPlan(2, (0, 1))) == [ON_0, ON_1]
    assert await repo.guilds_due(NOW + 9) == []
