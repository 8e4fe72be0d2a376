"""Voting by reaction: switching, withdrawing, other emoji, ineligible voters, tally edits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.e2e.review_helpers import BAD, GOOD, UNSURE, eventually, open_review, stored_votes, wait_votes
from tests.fakediscord import Perm


def _tally_field(message) -> str:
    return next(f["value"] for f in message.embeds[0]["fields"] if f["name"] == "Community tally")


async def test_votes_switches_withdrawals_and_other_emoji(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    await bot_process.start()
    review, _ = await open_review(fake_discord, bot_process, members[0], channel, page_site.url("/in-content"))
    relevance, overall = review.factors["relevance"], review.factors["overall"]
    a, b, c = members[1], members[2], members[3]
    await fake_discord.react(a, relevance, GOOD)
    await fake_discord.react(b, relevance, BAD)
    await fake_discord.react(c, overall, UNSURE)
    await wait_votes(bot_process, review.id, {("relevance", a.id): "good", ("relevance", b.id): "bad",
                                              ("overall", c.id): "unsure"})
    # Switching: the new reaction replaces the vote, and the bot removes the older reaction.
    await fake_discord.react(a, relevance, BAD)
    await wait_votes(bot_process, review.id, {("relevance", a.id): "bad", ("relevance", b.id): "bad",
                                              ("overall", c.id): "unsure"})
    await fake_discord.wait_for(lambda: a.id not in relevance.reactors(GOOD), timeout=5,
                                what="the superseded reaction removed")
    assert a.id in relevance.reactors(BAD)
    # Withdrawing: removing the reaction removes the vote.
    await fake_discord.unreact(b, relevance, BAD)
    await wait_votes(bot_process, review.id, {("relevance", a.id): "bad", ("overall", c.id): "unsure"})
    # Other emoji are not votes, and are tidied away (the bot has Manage Messages).
    await fake_discord.react(c, overall, "👍")
    await fake_discord.wait_for(lambda: not overall.reactors("👍"), timeout=5, what="the stray emoji removed")
    assert await stored_votes(bot_process, review.id) == {("relevance", a.id): "bad", ("overall", c.id): "unsure"}
    # The summary's tally follows.
    await fake_discord.wait_for(lambda: "🟢 0 🟡 0 🔴 1" in _tally_field(review.summary).split("\n")[0],
                                timeout=5, what="the tally edit")
    assert "**Overall risk** — 🟢 0 🟡 1 🔴 0" in _tally_field(review.summary)


async def test_without_manage_messages_the_vote_still_follows_the_latest_reaction(
    fake_discord, bot_process, world, page_site
):
    guild, channel, members = world
    guild.set_bot_permissions(int(guild.bot_role.permissions) & ~Perm.MANAGE_MESSAGES)
    await bot_process.start()
    review, _ = await open_review(fake_discord, bot_process, members[0], channel, page_site.url("/in-content"))
    anchor = review.factors["anchor_text"]
    voter = members[4]
    await fake_discord.react(voter, anchor, GOOD)
    await fake_discord.react(voter, anchor, UNSURE)
    await wait_votes(bot_process, review.id, {("anchor_text", voter.id): "unsure"})
    assert voter.id in anchor.reactors(GOOD)  # not permitted to tidy: left alone, not counted
    # Taking back the stale reaction leaves the current vote alone.
    await fake_discord.unreact(voter, anchor, GOOD)
    await fake_discord.react(voter, anchor, "🎉")
    await fake_discord.unreact(voter, anchor, UNSURE)
    await wait_votes(bot_process, review.id, {})
    assert not fake_discord.calls("DELETE", "/channels/*/messages/*/reactions/*/*")


async def test_ineligible_voters_are_not_counted(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    now = datetime.now(UTC)
    old = now - timedelta(days=400)
    young_member = guild.add_member("newcomer", account_created=old, joined_at=now - timedelta(hours=2))
    young_account = guild.add_member("fresh", account_created=now - timedelta(days=1),
                                     joined_at=now - timedelta(days=30))
    pending = guild.add_member("screening", account_created=old, joined_at=now - timedelta(days=30), pending=True)
    robot = guild.add_member("otherbot", account_created=old, joined_at=now - timedelta(days=30), bot=True)
    await bot_process.start()
    requester, voter = members[0], members[1]
    review, _ = await open_review(fake_discord, bot_process, requester, channel, page_site.url("/in-content"))
    trust = review.factors["content_quality"]
    for member in (requester, young_member, young_account, pending, robot):
        await fake_discord.react(member, trust, BAD)
    await fake_discord.react(voter, trust, GOOD)
    await wait_votes(bot_process, review.id, {("content_quality", voter.id): "good"})
    # Their reactions are removed (the bot may); the eligible one stays.
    await fake_discord.wait_for(lambda: trust.reactors(BAD) == [fake_discord.bot_user.id], timeout=8,
                                what="ineligible reactions removed")
    assert voter.id in trust.reactors(GOOD)
    # A guild that lets requesters vote counts theirs.
    await bot_process.services.guild_settings.update(guild.id, 0.0, requester_may_vote=True)
    await bot_process.restart()
    await fake_discord.react(requester, trust, UNSURE)
    await wait_votes(bot_process, review.id, {("content_quality", voter.id): "good",
                                              ("content_quality", requester.id): "unsure"})


async def test_a_storm_coalesces_summary_edits_within_rate_limits(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    old = datetime.now(UTC) - timedelta(days=400)
    voters = [guild.add_member(f"voter{i}", account_created=old, joined_at=old) for i in range(90)]
    await bot_process.start()
    review, _ = await open_review(fake_discord, bot_process, members[0], channel, page_site.url("/in-content"))
    await eventually(lambda: _settled(bot_process), what="the opening to settle")
    fake_discord.enable_rate_limits()
    edits_before = review.summary.edit_count
    patches_before = len(fake_discord.calls("PATCH", f"/channels/{review.thread.id}/messages/{review.summary.id}"))
    factors = list(review.factors.values())
    expected: dict[tuple[str, int], str] = {}
    names = {m.id: f for f, m in review.factors.items()}
    reactions = 0
    for i, voter in enumerate(voters):
        for j, message in enumerate(factors):
            emoji = (GOOD, UNSURE, BAD)[(i + j) % 3]
            fake_discord.add_reaction(message, voter.id, emoji)  # no flush between: a real burst
            expected[(names[message.id], voter.id)] = {GOOD: "good", UNSURE: "unsure", BAD: "bad"}[emoji]
            reactions += 1
    assert reactions >= 500
    await fake_discord.flush()
    await wait_votes(bot_process, review.id, expected, timeout=20)
    total = f"🟢 {sum(1 for v in expected.values() if v == 'good') // 6}"
    await fake_discord.wait_for(lambda: total in _tally_field(review.summary), timeout=10,
                                what="the final tally shown")
    patches = len(fake_discord.calls("PATCH", f"/channels/{review.thread.id}/messages/{review.summary.id}"))
    print(f"storm: {reactions} reactions, {patches - patches_before} summary edits")
    assert 1 <= patches - patches_before <= 12, patches - patches_before
    assert review.summary.edit_count - edits_before <= 12
    assert fake_discord.rate_limit_hits == []


async def _settled(bot_process) -> bool:
    cog = bot_process.bot.get_cog("Reviews").runtime
    return not cog.tasks and not any(cog.coalescer.is_pending(r) for r in (cog.desk.reviews or {}))


async def test_a_moderator_clearing_reactions_withdraws_those_votes(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    await bot_process.start()
    review, _ = await open_review(fake_discord, bot_process, members[0], channel, page_site.url("/in-content"))
    rel, overall = review.factors["relevance"], review.factors["overall"]
    await fake_discord.react(members[1], rel, GOOD)
    await fake_discord.react(members[2], rel, BAD)
    await fake_discord.react(members[1], overall, UNSURE)
    await wait_votes(bot_process, review.id, {("relevance", members[1].id): "good",
                                              ("relevance", members[2].id): "bad",
                                              ("overall", members[1].id): "unsure"})
    fake_discord.clear_reactions(rel, BAD)  # one emoji
    await fake_discord.flush()
    await wait_votes(bot_process, review.id, {("relevance", members[1].id): "good",
                                              ("overall", members[1].id): "unsure"})
    fake_discord.clear_reactions(rel, None)  # all of them
    await fake_discord.flush()
    await wait_votes(bot_process, review.id, {("overall", members[1].id): "unsure"})
    # The bot puts its vote reactions back so members can vote again.
    await fake_discord.wait_for(
        lambda: all(fake_discord.bot_user.id in rel.reactors(e) for e in (GOOD, UNSURE, BAD)), timeout=5,
        what="the vote reactions restored")
