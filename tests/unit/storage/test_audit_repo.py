from __future__ import annotations

from bot.storage import history
from bot.storage.audit import AuditRepo
from bot.storage.database import Database
from tests.unit.storage.helpers import NOW, open_review


async def test_timeline_is_ordered_and_guild_scoped(db: Database) -> None:
    # Appended through the repository, read where the bot reads it: a review's detail (/history review).
    repo = AuditRepo(db)
    review = await open_review(db, guild_id=1)
    other = await open_review(db, guild_id=2)
    await repo.append(1, review.id, None, "closed", "deadline", NOW + 20)
    await repo.append(1, review.id, 500, "opened", None, NOW)
    await repo.append(1, review.id, 9, "reopened", "more votes wanted", NOW + 30)
    await repo.append(2, other.id, 9, "opened", None, NOW)
    await repo.append(2, review.id, 9, "settings_changed", None, NOW + 10)  # another guild's entry
    detail = await history.review_detail(db, 1, review.id)
    assert detail is not None
    timeline = detail.timeline
    assert [(e.action, e.actor_id) for e in timeline] == [("opened", 500), ("closed", None), ("reopened", 9)]
    assert timeline[2].detail == "more votes wanted"
    assert await history.review_detail(db, 2, review.id) is None
    assert [e.action for e in (await history.review_detail(db, 2, other.id)).timeline] == ["opened"]  # type: ignore[union-attr]
    # Newest first within the guild (a plain read of the table).
    rows = await db.fetchall(
        "SELECT action FROM audit_log WHERE guild_id = ? ORDER BY created_at DESC, id DESC LIMIT 2", (1,))
    assert [r[0] for r in rows] == ["reopened", "closed"]
