"""A moderator's vote reset, which neither the next reconciliation nor a restart may undo."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.review_helpers import BAD, GOOD, open_review, reconciliation_done, stored_votes, wait_votes
from tests.fakediscord import Perm


@pytest.fixture
def manager(world):
    guild, _, _ = world
    role = guild.add_role("Managers", int(Perm.MANAGE_GUILD))
    return guild.add_member("boss", [role], account_created=datetime.now(UTC) - timedelta(days=500))


async def test_a_vote_reset_removes_the_reaction_and_survives_reconciliation_and_restart(
    fake_discord, bot_process, world, page_site, manager
):
    guild, channel, members = world
    await bot_process.start()
    review, _ = await open_review(fake_discord, bot_process, members[0], channel, page_site.url("/in-content"))
    brigader, honest = members[1], members[2]
    overall, relevance = review.factors["overall"], review.factors["relevance"]
    await fake_discord.react(brigader, overall, BAD)
    await fake_discord.react(brigader, relevance, BAD)
    await fake_discord.react(honest, overall, GOOD)
    await wait_votes(bot_process, review.id, {("overall", brigader.id): "bad", ("relevance", brigader.id): "bad",
                                              ("overall", honest.id): "good"})

    rec = await fake_discord.invoke_slash(manager, channel, "moderate reset-votes", {"member": brigader})
    reply = await rec.wait_reply()
    assert reply.ephemeral and f"#{review.id}" in reply.content and "no longer count" in reply.content
    assert await stored_votes(bot_process, review.id) == {("overall", honest.id): "good"}
    # The bot manages messages here: it takes the member's reactions off too.
    await fake_discord.wait_for(
        lambda: brigader.id not in overall.reactors(BAD) and brigader.id not in relevance.reactors(BAD),
        timeout=8, what="the reset member's reactions removed")
    assert honest.id in overall.reactors(GOOD)
    await bot_process.restart()
    await reconciliation_done(bot_process)
    assert await stored_votes(bot_process, review.id) == {("overall", honest.id): "good"}
    # A vote the member casts after the reset counts.
    await fake_discord.react(brigader, overall, GOOD)
    await wait_votes(bot_process, review.id, {("overall", brigader.id): "good", ("overall", honest.id): "good"})


async def test_without_manage_messages_a_reset_members_reactions_stay_but_do_not_count(
    fake_discord, bot_process, world, page_site, manager
):
    guild, channel, members = world
    guild.set_bot_permissions(int(guild.bot_role.permissions) & ~Perm.MANAGE_MESSAGES)
    await bot_process.start()
    review, _ = await open_review(fake_discord, bot_process, members[0], channel, page_site.url("/in-content"))
    member, overall, anchor = members[3], review.factors["overall"], review.factors["anchor_text"]
    await fake_discord.react(member, overall, BAD)
    await wait_votes(bot_process, review.id, {("overall", member.id): "bad"})
    # A reaction added while the bot was offline is read back at the start.
    await bot_process.stop()
    await fake_discord.react(member, anchor, BAD)
    await bot_process.start()
    await wait_votes(bot_process, review.id, {("overall", member.id): "bad", ("anchor_text", member.id): "bad"})

    rec = await fake_discord.invoke_slash(manager, channel, "moderate reset-votes",
                                          {"member": member, "id": review.id})
    assert "no longer count" in (await rec.wait_reply()).content
    assert await stored_votes(bot_process, review.id) == {}
    for _ in range(2):  # a resume's pass, then a restart's
        cog = bot_process.bot.get_cog("Reviews").runtime
        await cog.service.reconcile(await bot_process.services.reviews.get(review.id, guild.id))
        await bot_process.restart()
        await reconciliation_done(bot_process)
        assert await stored_votes(bot_process, review.id) == {}
    assert member.id in overall.reactors(BAD) and member.id in anchor.reactors(BAD)
    assert not fake_discord.calls("DELETE", "/channels/*/messages/*/reactions/*/*")
    # Taking the old reaction back and voting again counts.
    await fake_discord.unreact(member, overall, BAD)
    await fake_discord.react(member, overall, GOOD)
    await wait_votes(bot_process, review.id, {("overall", member.id): "good"})
