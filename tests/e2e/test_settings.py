"""/settings and /moderate through the fake Discord, and the guild lifecycle (leave, rejoin, purge)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.history_seed import DAY, T0, audit_entries, seed_review, unanimous
from tests.fakediscord import Perm


@pytest.fixture
def manager(world):
    guild, _, _ = world
    role = guild.add_role("Managers", int(Perm.MANAGE_GUILD))
    return guild.add_member("boss", [role], account_created=datetime.now(UTC) - timedelta(days=500))


def fields(embed: dict) -> dict[str, str]:
    return {f["name"]: f["value"] for f in embed["fields"]}


async def reply_to(fake, who, channel, command, options=None):
    rec = await fake.invoke_slash(who, channel, command, options or {})
    reply = await rec.wait_reply()
    assert reply.ephemeral, command
    return reply


async def test_managers_change_settings_and_see_them(fake_discord, bot_process, world, manager):
    guild, channel, members = world
    forum = guild.add_forum_channel("reviews", tags=["pending"])
    mods = guild.add_role("Link mods")
    await bot_process.start()
    repo = bot_process.services.guild_settings

    shown = fields((await reply_to(fake_discord, manager, channel, "settings show")).embeds[0])
    assert shown["Quorum (votes per factor)"] == "3\n*default*"

    reply = await reply_to(fake_discord, manager, channel, "settings set", {
        "review_channel": forum, "moderator_role": mods, "min_votes": 5, "deadline_hours": 48,
        "member_age_hours": 12, "account_age_days": 3.5, "requester_may_vote": True,
        "check_cooldown": 30, "review_cooldown": 90,
    })
    shown = fields(reply.embeds[0])
    assert shown["Review channel"].startswith(f"<#{forum.id}>") and "set here" in shown["Review channel"]
    assert shown["Moderator role"].startswith(f"<@&{mods.id}>")
    assert shown["Quorum (votes per factor)"] == "5\n*set here*"
    assert shown["Voting deadline"].startswith("48 h")
    assert shown["Account age to vote"].startswith("3.5 days")
    assert shown["Requester may vote"].startswith("yes")
    assert shown["/checklink cooldown"].startswith("30 s")
    stored = await repo.get(guild.id)
    assert (stored.review_channel_id, stored.moderator_role_id, stored.min_votes) == (forum.id, mods.id, 5)
    assert (stored.deadline_hours, stored.min_member_age_hours, stored.min_account_age_days) == (48.0, 12.0, 3.5)
    assert stored.requester_may_vote is True
    assert (stored.check_cooldown_seconds, stored.review_cooldown_seconds) == (30.0, 90.0)
    # The checklink cog can ask for the guild's cooldown.
    assert (await bot_process.services.guild_settings.get(guild.id)).check_cooldown_seconds == 30.0

    # A bad value names the field and changes nothing, even beside a good one.
    reply = await reply_to(fake_discord, manager, channel, "settings set", {"min_votes": 0, "deadline_hours": 10})
    assert "min_votes" in reply.content and "between 1 and 100" in reply.content and "Nothing was changed" in reply.content
    assert (await repo.get(guild.id)).deadline_hours == 48.0
    reply = await reply_to(fake_discord, manager, channel, "settings set", {})
    assert "at least one setting" in reply.content

    reply = await reply_to(fake_discord, manager, channel, "settings reset", {"setting": "min_votes"})
    assert fields(reply.embeds[0])["Quorum (votes per factor)"] == "3\n*default*"
    assert (await repo.get(guild.id)).min_votes == 3
    audit = await audit_entries(bot_process.services, guild.id)
    assert [action for action, _, _ in audit][:2] == ["settings_reset", "settings_changed"]
    assert all(actor_id == manager.id for _, actor_id, _ in audit[:2])

    # A review channel the bot cannot post in is accepted, with a warning.
    hidden = guild.add_text_channel("hidden")
    fake_discord.set_permission_overwrite(hidden, guild.bot_role, deny=int(Perm.SEND_MESSAGES))
    await fake_discord.wait_for(lambda: getattr(bot_process.bot.get_channel(hidden.id), "overwrites", None))
    reply = await reply_to(fake_discord, manager, channel, "settings set", {"review_channel": hidden})
    assert "missing permissions" in reply.embeds[0]["description"] and "send messages" in reply.embeds[0]["description"]


async def test_settings_and_moderation_are_refused_without_the_right(fake_discord, bot_process, world):
    guild, channel, members = world
    await bot_process.start()
    review_id = await seed_review(bot_process.services, guild.id, domain="spam-farm.test", created_at=T0,
                                  requester_id=members[1].id, votes=unanimous([members[2].id], "bad"), close=False)
    commands = {c.name: c.definition for c in fake_discord.commands_in(None)}
    manage_guild = int(Perm.MANAGE_GUILD)
    assert int(commands["settings"]["default_member_permissions"]) == manage_guild
    assert int(commands["moderate"]["default_member_permissions"]) == manage_guild
    attempts = [
        ("settings show", {}), ("settings set", {"min_votes": 1}), ("settings reset", {"setting": "min_votes"}),
        ("moderate delete", {"id": review_id, "reason": "spam"}),
        ("moderate reset-votes", {"member": members[2]}), ("moderate reopen", {"id": review_id}),
    ]
    for command, options in attempts:
        reply = await reply_to(fake_discord, members[0], channel, command, options)
        assert reply.content.startswith("Only "), (command, reply.content)
    stored = await bot_process.services.reviews.get(review_id, guild.id)
    assert stored.status == "open"
    assert len(await bot_process.services.votes.votes_for_review(review_id, guild.id)) == 2
    assert (await bot_process.services.guild_settings.get(guild.id)).overridden == frozenset()
    audit = await audit_entries(bot_process.services, guild.id)
    assert audit == [e for e in audit if e[0] == "opened"]


async def test_moderators_delete_reset_votes_and_reopen(fake_discord, bot_process, world, manager):
    guild, channel, members = world
    await bot_process.start()
    services = bot_process.services
    a, b, c = (m.id for m in members[:3])
    doomed = await seed_review(services, guild.id, domain="spam-farm.test", created_at=T0, requester_id=a,
                               votes=unanimous([b, c], "bad"))
    open_one = await seed_review(services, guild.id, domain="garden-blog.test", created_at=T0 + DAY,
                                 requester_id=a, votes=unanimous([b, c], "good"), close=False)
    closed_one = await seed_review(services, guild.id, domain="news-site.test", created_at=T0 + 2 * DAY,
                                   requester_id=a, votes=unanimous([b, c], "good"))

    reply = await reply_to(fake_discord, manager, channel, "moderate delete", {"id": doomed, "reason": "posted by a spammer"})
    assert f"Review #{doomed}" in reply.content and "deleted" in reply.content
    listing = await reply_to(fake_discord, members[3], channel, "history search")
    assert f"#{doomed}" not in listing.embeds[0]["description"]
    gone = await reply_to(fake_discord, members[3], channel, "history review", {"id": doomed})
    assert "no review" in gone.content
    entry = next(e for e in await audit_entries(services, guild.id, doomed) if e[0] == "deleted")
    assert entry[1:] == (manager.id, "posted by a spammer")
    again = await reply_to(fake_discord, manager, channel, "moderate delete", {"id": doomed, "reason": "twice"})
    assert "no review" in again.content

    # Resetting b's votes withdraws them from the open review only; closed verdicts keep theirs.
    rec = await fake_discord.invoke_slash(manager, channel, "moderate reset-votes", {"member": members[1]})
    reply = await rec.wait_reply()
    assert reply.ephemeral and f"#{open_one}" in reply.content and f"#{closed_one}" not in reply.content
    assert {v.member_id for v in await services.votes.votes_for_review(open_one, guild.id)} == {c}
    assert {v.member_id for v in await services.votes.votes_for_review(closed_one, guild.id)} == {b, c}
    detail = await reply_to(fake_discord, manager, channel, "history review", {"id": open_one})
    timeline = next(f["value"] for f in detail.embeds[0]["fields"] if f["name"] == "Timeline")
    assert "votes reset by moderator" in timeline and f"<@{manager.id}>" in timeline
    votes = next(f["value"] for f in detail.embeds[0]["fields"] if f["name"] == "Votes per factor")
    assert "**Overall risk**: 🟢 1 · 🟡 0 · 🔴 0" in votes

    # Reopening is the Reviews cog's job (thread, deadline, vote tracking); /moderate hands it over.
    # The seeded review's thread never existed on Discord, as if deleted after the close: no reopen.
    rec = await fake_discord.invoke_slash(manager, channel, "moderate reopen", {"id": closed_one})
    reply = await rec.wait_reply(timeout=10)
    assert reply.ephemeral and "its thread was deleted" in reply.content
    assert (await services.reviews.get(closed_one, guild.id)).status == "closed"
    # With its thread there, it reopens.
    thread = fake_discord.create_thread(channel, "news-site.test", owner=fake_discord.bot_user)
    await services.db.execute("UPDATE reviews SET thread_id = ?, broken = NULL WHERE id = ?", (thread.id, closed_one))
    rec = await fake_discord.invoke_slash(manager, channel, "moderate reopen", {"id": closed_one})
    reply = await rec.wait_reply(timeout=10)
    assert reply.ephemeral and "Reopened" in reply.content
    assert (await services.reviews.get(closed_one, guild.id)).status == "open"
    detail = await reply_to(fake_discord, manager, channel, "history review", {"id": closed_one})
    timeline = next(f["value"] for f in detail.embeds[0]["fields"] if f["name"] == "Timeline")
    assert f"reopened by <@{manager.id}>" in timeline
    missing = await reply_to(fake_discord, manager, channel, "moderate reopen", {"id": closed_one + 999})
    assert "no review" in missing.content


async def test_leaving_marks_the_guild_and_the_purge_removes_it(fake_discord, bot_process, world):
    guild, channel, members = world
    other = fake_discord.add_guild("Other")
    bot_process.settings = replace(bot_process.settings,
                                   storage=replace(bot_process.settings.storage, retention_days_after_leave=0))
    await bot_process.start()
    services = bot_process.services
    kept = await seed_review(services, other.id, domain="kept.test", created_at=T0, requester_id=members[0].id)
    await seed_review(services, guild.id, domain="spam-farm.test", created_at=T0, requester_id=members[0].id,
                      votes=unanimous([members[1].id], "bad"))
    await services.guild_settings.update(guild.id, T0, min_votes=4)
    cog = bot_process.bot.get_cog("GuildSettings")

    fake_discord.remove_bot_from_guild(guild)
    await fake_discord.wait_for(lambda: bot_process.bot.get_guild(guild.id) is None)
    settings = await _wait_left(fake_discord, services, guild.id)
    assert settings.left_at is not None

    fake_discord.add_bot_to_guild(guild)  # back: nothing is purged
    await fake_discord.wait_for(lambda: bot_process.bot.get_guild(guild.id) is not None)
    settings = await _wait_for_settings(fake_discord, services, guild.id, lambda s: s.left_at is None)
    assert await cog.purge_departed_guilds() == []

    fake_discord.remove_bot_from_guild(guild)
    await _wait_left(fake_discord, services, guild.id)
    assert await cog.purge_departed_guilds() == [guild.id]
    for table in ("checks", "reviews", "votes", "audit_log", "review_factor_messages", "guild_settings"):
        row = await services.db.fetchone(f"SELECT COUNT(*) FROM {table} WHERE guild_id = ?", (guild.id,))  # noqa: S608
        assert row[0] == 0, table
    assert (await services.reviews.get(kept, other.id)) is not None


async def _wait_for_settings(fake, services, guild_id, predicate):
    found = {}

    async def poll():
        found["s"] = await services.guild_settings.get(guild_id)
        return predicate(found["s"])

    for _ in range(200):
        if await poll():
            return found["s"]
        await fake.flush()
        await asyncio.sleep(0.01)
    raise AssertionError(f"settings of {guild_id} never matched: {found.get('s')}")


async def _wait_left(fake, services, guild_id):
    return await _wait_for_settings(fake, services, guild_id, lambda s: s.left_at is not None)



async def test_a_guild_left_while_the_bot_was_offline_is_found_and_purged(fake_discord, bot_process, world):
    guild, channel, members = world
    gone_guild_id = 4242424242  # the bot holds data for it, but Discord no longer lists it
    bot_process.settings = replace(bot_process.settings,
                                   storage=replace(bot_process.settings.storage, retention_days_after_leave=30))
    await bot_process.start()
    services = bot_process.services
    await seed_review(services, gone_guild_id, domain="gone.test", created_at=T0, requester_id=members[0].id)
    await seed_review(services, guild.id, domain="here.test", created_at=T0, requester_id=members[0].id)
    cog = bot_process.bot.get_cog("GuildSettings")
    assert await cog.purge_departed_guilds() == []  # retention starts now: nothing purged yet
    first = await services.guild_settings.get(gone_guild_id)
    assert first.left_at is not None
    assert (await services.guild_settings.get(guild.id)).left_at is None
    await cog.purge_departed_guilds()  # marking again keeps the first departure time
    assert (await services.guild_settings.get(gone_guild_id)).left_at == first.left_at
    row = await services.db.fetchone("SELECT COUNT(*) FROM reviews WHERE guild_id = ?", (gone_guild_id,))
    assert row[0] == 1


async def test_show_warns_when_the_review_channel_is_gone(fake_discord, bot_process, world, manager):
    guild, channel, _ = world
    reviews = guild.add_text_channel("reviews")
    await bot_process.start()
    await reply_to(fake_discord, manager, channel, "settings set", {"review_channel": reviews})
    assert "no longer exists" not in str((await reply_to(fake_discord, manager, channel, "settings show")).embeds[0])
    fake_discord.delete_channel(reviews)
    await fake_discord.flush()
    shown = (await reply_to(fake_discord, manager, channel, "settings show")).embeds[0]
    assert "The review channel no longer exists" in shown["description"]
