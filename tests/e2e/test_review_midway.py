"""What happens to an open review meanwhile: its thread archived, the rules changed, a reopen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.review_helpers import (
    BAD,
    GOOD,
    UNSURE,
    open_review,
    reconciliation_done,
    stored_votes,
    wait_votes,
)
from tests.fakediscord import Perm


@pytest.fixture
def manager(world):
    guild, _, _ = world
    role = guild.add_role("Managers", int(Perm.MANAGE_GUILD))
    return guild.add_member("boss", [role], account_created=datetime.now(UTC) - timedelta(days=500))


async def test_an_archived_thread_of_an_open_review_is_opened_again(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    await bot_process.start()
    review, _ = await open_review(fake_discord, bot_process, members[0], channel, page_site.url("/in-content"))
    # A moderator archives it, or Discord does after a week without messages (reactions do not count).
    await fake_discord.update_thread(review.thread, archived=True)
    await fake_discord.wait_for(lambda: not review.thread.archived, timeout=8, what="the thread unarchived")
    await fake_discord.react(members[1], review.factors["overall"], BAD)
    await wait_votes(bot_process, review.id, {("overall", members[1].id): "bad"})


async def test_rule_changes_apply_to_the_next_reaction(fake_discord, bot_process, world, page_site, manager):
    guild, channel, members = world
    await bot_process.start()
    requester = members[0]
    review, _ = await open_review(fake_discord, bot_process, requester, channel, page_site.url("/in-content"))
    overall = review.factors["overall"]
    # The summary says who counts: a reaction that does not is removed without a word.
    assert "the requester may not vote" in review.summary.embeds[0]["description"]
    await (await fake_discord.invoke_slash(manager, channel, "settings set", {"requester_may_vote": True})).wait_reply()
    await fake_discord.wait_for(lambda: "the requester may vote" in review.summary.embeds[0]["description"],
                                timeout=8, what="the summary showing the new rule")
    await fake_discord.react(requester, overall, GOOD)
    await wait_votes(bot_process, review.id, {("overall", requester.id): "good"})
    # Members joined 30 days ago; the bar goes up to 60 days: the next reaction is not counted.
    await (await fake_discord.invoke_slash(manager, channel, "settings set", {"member_age_hours": 1440})).wait_reply()
    await fake_discord.react(members[1], overall, BAD)
    await fake_discord.wait_for(lambda: members[1].id not in overall.reactors(BAD), timeout=8,
                                what="the ineligible reaction removed")
    assert await stored_votes(bot_process, review.id) == {("overall", requester.id): "good"}


async def test_a_switch_after_a_reopen_removes_the_older_reaction(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    await bot_process.start()
    review, _ = await open_review(fake_discord, bot_process, members[0], channel, page_site.url("/in-content"))
    relevance, voter = review.factors["relevance"], members[1]
    await fake_discord.react(voter, relevance, BAD)
    await wait_votes(bot_process, review.id, {("relevance", voter.id): "bad"})
    await (await fake_discord.click(guild.owner, review.summary, f"so:close:{review.id}")).wait_reply(timeout=10)
    await (await fake_discord.click(guild.owner, review.summary, f"so:reopen:{review.id}")).wait_reply(timeout=10)
    assert not review.thread.archived
    await fake_discord.react(voter, relevance, UNSURE)
    await wait_votes(bot_process, review.id, {("relevance", voter.id): "unsure"})
    await fake_discord.wait_for(lambda: voter.id not in relevance.reactors(BAD), timeout=8,
                                what="the superseded reaction removed")
    # Withdrawn, the vote is gone for good: no older reaction is left for a restart to count.
    await fake_discord.unreact(voter, relevance, UNSURE)
    await wait_votes(bot_process, review.id, {})
    await bot_process.restart()
    await reconciliation_done(bot_process)
    assert await stored_votes(bot_process, review.id) == {}


async def test_a_close_the_thread_refuses_in_part_is_told_to_the_closer(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    await bot_process.start()
    review, _ = await open_review(fake_discord, bot_process, members[0], channel, page_site.url("/in-content"))
    await fake_discord.react(members[1], review.factors["overall"], BAD)
    await wait_votes(bot_process, review.id, {("overall", members[1].id): "bad"})
    fake_discord.set_permission_overwrite(channel, guild.bot_role,
                                          deny=int(Perm.SEND_MESSAGES_IN_THREADS | Perm.MANAGE_THREADS))
    await fake_discord.flush()
    reply = await (await fake_discord.click(members[0], review.summary, f"so:close:{review.id}")).wait_reply(timeout=10)
    assert reply.ephemeral and reply.content.startswith("Closed. Community risk:")
    assert "I could not post the verdict" in reply.content and "check my permissions" in reply.content
    # The bot owns the thread: without Manage Threads it cannot lock it, but it still archives it.
    assert review.thread.archived
    assert (await bot_process.services.reviews.get(review.id, guild.id)).status == "closed"


async def test_a_thread_archived_while_the_bot_was_away_is_opened_at_start(
    fake_discord, bot_process, world, page_site
):
    guild, channel, members = world
    await bot_process.start()
    review, _ = await open_review(fake_discord, bot_process, members[0], channel, page_site.url("/in-content"))
    await bot_process.stop()
    await fake_discord.update_thread(review.thread, archived=True)
    await bot_process.start()
    await fake_discord.wait_for(lambda: not review.thread.archived, timeout=10, what="the thread unarchived")
    await fake_discord.react(members[1], review.factors["overall"], GOOD)
    await wait_votes(bot_process, review.id, {("overall", members[1].id): "good"})
