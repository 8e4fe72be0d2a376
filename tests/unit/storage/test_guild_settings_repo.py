from __future__ import annotations

import pytest

from bot.review.factors import Choice
from bot.review.votes import VoteEvent, collapse_events
from bot.settings import ChecksSettings, ReviewDefaults
from bot.storage.audit import AuditRepo
from bot.storage.database import Database
from bot.storage.guild_settings import GuildSettingsError, GuildSettingsRepo
from bot.storage.reviews import ReviewsRepo
from bot.storage.votes import VotesRepo
from tests.unit.storage.helpers import NOW, apply_votes, open_review

DAY = 86400.0


async def test_defaults_are_merged_with_overrides(db: Database) -> None:
    repo = GuildSettingsRepo(db, ReviewDefaults(min_votes=4, tally_edit_interval=3.0), ChecksSettings(cooldown_seconds=9))
    s = await repo.get(1)
    assert (s.min_votes, s.deadline_hours, s.requester_may_vote, s.check_cooldown_seconds) == (4, 72.0, False, 9)
    assert s.updated_at is None and s.overridden == frozenset()
    s = await repo.update(1, NOW, min_votes=5, requester_may_vote=True, review_channel_id=1234)
    assert (s.min_votes, s.requester_may_vote, s.review_channel_id) == (5, True, 1234)
    assert s.overridden == {"min_votes", "requester_may_vote", "review_channel_id"}
    rules = await repo.rules(1)
    assert rules.min_votes == 5 and rules.requester_may_vote and rules.tally_edit_interval == 3.0
    # None puts a setting back to the default; other guilds are untouched.
    s = await repo.update(1, NOW + 1, min_votes=None)
    assert s.min_votes == 4 and s.requester_may_vote is True and s.updated_at == NOW + 1
    assert (await repo.get(2)).requester_may_vote is False


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("min_votes", 0, "min_votes: must be between 1 and 100"),
        ("min_votes", 2.5, "min_votes: must be a whole number"),
        ("min_votes", True, "min_votes: must be a whole number"),
        ("deadline_hours", 10_000, "deadline_hours: must be between"),
        ("deadline_hours", "72", "deadline_hours: must be a number"),
        ("requester_may_vote", 1, "requester_may_vote: must be true or false"),
        ("review_channel_id", -5, "review_channel_id: must be a Discord id"),
        ("colour", "red", "colour: unknown setting"),
    ],
)
async def test_update_validation_names_the_field(db: Database, field: str, value: object, message: str) -> None:
    repo = GuildSettingsRepo(db)
    with pytest.raises(GuildSettingsError, match=message) as info:
        await repo.update(1, NOW, **{"deadline_hours": 12.0, "min_votes": 7, field: value})
    assert info.value.field == field
    unchanged = await repo.get(1)  # nothing was written, not even the valid fields
    assert (unchanged.min_votes, unchanged.deadline_hours, unchanged.updated_at) == (3, 72.0, None)


async def test_purge_after_retention_removes_only_that_guild(db: Database) -> None:
    repo = GuildSettingsRepo(db)
    gone = await open_review(db, guild_id=1)
    kept = await open_review(db, guild_id=2)
    for review in (gone, kept):
        await apply_votes(
            db,
            collapse_events([VoteEvent("add", review.guild_id, review.id, "overall", 5, Choice.GOOD, NOW)])
        )
        await AuditRepo(db).append(review.guild_id, review.id, 5, "opened", None, NOW)
    await db.execute(
        "INSERT INTO checks (guild_id, channel_id, member_id, url, domain, report_json, risk_level, risk_score, "
        "created_at) VALUES (1, 1, 1, 'u', 'd', '{}', 'low', 1, ?)",
        (NOW,),
    )
    await repo.update(1, NOW, min_votes=4)
    await repo.mark_left(1, NOW)
    await repo.mark_left(2, NOW + 20 * DAY)

    assert await repo.guilds_to_purge(NOW + 29 * DAY, 30) == []
    assert await repo.guilds_to_purge(NOW + 31 * DAY, 30) == [1]
    assert await repo.purge_guild(1, left_before=NOW + 1 * DAY)
    for table in ("reviews", "votes", "review_factor_messages", "audit_log", "checks", "guild_settings"):
        row = await db.fetchone(f"SELECT COUNT(*) FROM {table} WHERE guild_id = 1")  # noqa: S608
        assert row[0] == 0, table
    assert await ReviewsRepo(db).get(kept.id, 2) is not None
    assert (await VotesRepo(db).tally(kept.id, 2)).total_votes == 1


async def test_rejoined_guild_is_not_purged(db: Database) -> None:
    repo = GuildSettingsRepo(db)
    review = await open_review(db, guild_id=1)
    await repo.mark_left(1, NOW)
    due = await repo.guilds_to_purge(NOW + 40 * DAY, 30)
    assert due == [1]
    await repo.mark_rejoined(1, NOW + 40 * DAY)  # came back between listing and purging
    assert not await repo.purge_guild(1, left_before=NOW + 10 * DAY)
    assert await ReviewsRepo(db).get(review.id, 1) is not None
    assert (await repo.get(1)).left_at is None
