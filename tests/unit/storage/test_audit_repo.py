from __future__ import annotations

from bot.storage.audit import AuditRepo
from bot.storage.database import Database
from tests.unit.storage.helpers import NOW, open_review


async def test_timeline_is_ordered_and_guild_scoped(db: Database) -> None:
    repo = AuditRepo(db)
    review = await open_review(db, guild_id=1)
    other = await open_review(db, guild_id=2)
    await repo.append(1, review.id, None, "closed", "deadline", NOW + 20)
    await repo.append(1, review.id, 500, "opened", None, NOW)
    await repo.append(1, review.id, 9, "reopened", "more votes wanted", NOW + 30)
    await repo.append(2, other.id, 9, "opened", None, NOW)
    timeline = await repo.timeline(review.id, 1)
    assert [(e.action, e.actor_id) for e in timeline] == [("opened", 500), ("closed", None), ("reopened", 9)]
    assert timeline[2].detail == "more votes wanted"
    assert await repo.timeline(review.id, 2) == []
    assert [e.action for e in await repo.recent(1, limit=2)] == ["reopened", "closed"]
