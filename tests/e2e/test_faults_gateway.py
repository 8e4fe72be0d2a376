"""The gateway drops, stops acknowledging heartbeats, or invalidates the session: the bot resumes
or identifies again, and /checklink still works afterwards."""

from __future__ import annotations

import pytest

from tests.e2e import botharness


async def _checklink_works(fake, bot_process, channel, member, page_site) -> None:
    before = (await bot_process.services.db.fetchone("SELECT COUNT(*) FROM checks"))[0]
    rec = await fake.invoke_slash(member, channel, "checklink", {"url": page_site.url("/in-content")})
    reply = await rec.wait_reply(timeout=10)
    assert reply.embeds and "Overall risk" in str(reply.embeds[0])
    after = (await bot_process.services.db.fetchone("SELECT COUNT(*) FROM checks"))[0]
    assert after == before + 1


async def test_dropped_socket_resumes(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    await bot_process.start()
    identifies, resumes = fake_discord.identify_count, fake_discord.resume_count
    await fake_discord.drop_gateway()
    await fake_discord.wait_for(lambda: fake_discord.resume_count > resumes, timeout=15)
    assert fake_discord.identify_count == identifies  # resumed, not a new session
    await _checklink_works(fake_discord, bot_process, channel, members[0], page_site)


async def test_invalid_session_identifies_again(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    bot = await bot_process.start()
    readies: list[None] = []

    async def on_ready() -> None:
        readies.append(None)

    bot.add_listener(on_ready)
    identifies = fake_discord.identify_count
    fake_discord.invalidate_session(resumable=False)
    await fake_discord.wait_for(lambda: fake_discord.identify_count > identifies, timeout=15)
    # is_ready() stays true across a new session: wait for the new session's own ready (dispatched
    # once its guilds have come), or the test ends with discord.py's delayed ready still pending
    # and the bot closed under it.
    await fake_discord.wait_for(lambda: readies and bot.get_guild(guild.id) is not None, timeout=15)
    await _checklink_works(fake_discord, bot_process, channel, members[1], page_site)


@pytest.fixture
def quick_heartbeat_timeout(monkeypatch):
    """discord.py closes a silent socket after `heartbeat_timeout` (60 s by default): make it 1 s."""
    original = botharness.create_bot

    def create_bot(*args, **kwargs):
        bot = original(*args, **kwargs)
        bot._connection.heartbeat_timeout = 1.0
        return bot

    monkeypatch.setattr(botharness, "create_bot", create_bot)


async def test_missed_heartbeat_acks_reconnect(fake_discord, quick_heartbeat_timeout, bot_process, world, page_site):
    guild, channel, members = world
    fake_discord.heartbeat_interval_ms = 200
    await bot_process.start()
    identifies, resumes = fake_discord.identify_count, fake_discord.resume_count
    fake_discord.stop_acking_heartbeats()
    await fake_discord.wait_for(
        lambda: fake_discord.resume_count > resumes or fake_discord.identify_count > identifies, timeout=15
    )
    fake_discord.resume_acking_heartbeats()
    await fake_discord.wait_until_connected(timeout=10)
    await _checklink_works(fake_discord, bot_process, channel, members[2], page_site)
