"""The project's bot run as one shard of two, in process: an AutoShardedBot that identifies with its
shard, sees only its guilds, leaves the command sync to shard 0 and the other shard's guilds alone."""

from __future__ import annotations

import discord

from bot.client import SecondOpinionBot, ShardedSecondOpinionBot
from tests.e2e.botharness import BotProcess, settings_for_tests
from tests.e2e.history_seed import T0, seed_review


def _sharded(tmp_path, fake, page_site, *shard_ids: int):
    return settings_for_tests(tmp_path, fake, page_site.port, discord={"shard_count": 2, "shard_ids": shard_ids})


async def test_shard_one_of_two_sees_its_guild_and_does_not_sync(tmp_path, fake_discord, make_client, page_site):
    fake_discord.max_concurrency = 2
    mine = fake_discord.add_guild("on shard 1", shard=(1, 2))
    theirs = fake_discord.add_guild("on shard 0", shard=(0, 2))
    process = BotProcess(make_client, _sharded(tmp_path, fake_discord, page_site, 1))
    try:
        bot = await process.start()
        assert isinstance(bot, ShardedSecondOpinionBot) and isinstance(bot, discord.AutoShardedClient)
        assert fake_discord.identified_shards == [(1, 2)]
        assert [g.id for g in bot.guilds] == [mine.id]
        assert bot.owns_guild(mine.id) and not bot.owns_guild(theirs.id)
        assert bot.identify_buckets == 2  # read from /gateway/bot
        assert fake_discord.command_syncs == [] and not bot.synced_commands
    finally:
        await process.stop()


async def test_shard_zero_syncs_the_commands(tmp_path, fake_discord, make_client, page_site):
    fake_discord.add_guild("on shard 0", shard=(0, 2))
    process = BotProcess(make_client, _sharded(tmp_path, fake_discord, page_site, 0))
    try:
        bot = await process.start()
        assert bot.synced_commands and len(fake_discord.syncs(None)) == 1
    finally:
        await process.stop()


async def test_an_unsharded_bot_is_a_plain_bot_that_owns_every_guild(bot_process, fake_discord):
    guild = fake_discord.add_guild("any", shard=(1, 2))
    bot = await bot_process.start()
    assert type(bot) is SecondOpinionBot and not isinstance(bot, discord.AutoShardedClient)
    assert fake_discord.identified_shards == [(0, 1)]
    assert bot.owns_guild(guild.id) and bot.owns_guild(guild.id + (1 << 22))


async def test_the_purge_leaves_the_other_shards_guilds_alone(tmp_path, fake_discord, make_client, page_site):
    mine = fake_discord.add_guild("on shard 0", shard=(0, 2))
    member = mine.add_member("alice")
    theirs = fake_discord.add_guild("on shard 1", shard=(1, 2))
    settings = _sharded(tmp_path, fake_discord, page_site, 0)
    process = BotProcess(make_client, settings)
    try:
        await process.start()
        services = process.services
        departed = theirs.id + (1 << 22)  # one ms later: shard 0, a guild the bot left while offline
        assert (departed >> 22) % 2 == 0
        for guild_id, domain in ((mine.id, "mine.test"), (theirs.id, "theirs.test"), (departed, "gone.test")):
            await seed_review(services, guild_id, domain=domain, created_at=T0, requester_id=member.id)
        cog = process.bot.get_cog("GuildSettings")
        assert await cog.purge_departed_guilds() == []
        # Shard 1's guild is not in this process's cache, but it was not left: it is not marked.
        assert (await services.guild_settings.get(theirs.id)).left_at is None
        assert (await services.guild_settings.get(mine.id)).left_at is None
        assert (await services.guild_settings.get(departed)).left_at is not None
    finally:
        await process.stop()
