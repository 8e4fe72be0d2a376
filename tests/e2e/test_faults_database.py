"""Another connection holds the database's write lock: /checklink answers with a clear ephemeral
error after a bounded wait, writes nothing, and works again once the lock is gone."""

from __future__ import annotations

import sqlite3

import pytest

from tests.e2e import botharness


@pytest.fixture
def bot_settings(tmp_path, fake_discord, page_site):
    # A short busy timeout so the bounded wait is short too.
    return botharness.settings_for_tests(tmp_path, fake_discord, page_site.port, storage={"busy_timeout_ms": 300})


async def test_locked_database_gives_a_clear_error_then_recovers(fake_discord, bot_process, world, page_site,
                                                                 bot_settings):
    guild, channel, members = world
    await bot_process.start()
    holder = sqlite3.connect(str(bot_settings.storage.path), isolation_level=None, timeout=0)
    holder.execute("BEGIN IMMEDIATE")  # the write lock, as a backup tool or a second bot would hold it
    try:
        rec = await fake_discord.invoke_slash(members[0], channel, "checklink", {"url": page_site.url("/in-content")})
        await fake_discord.wait_for(lambda: rec.followups, timeout=15)
        error = rec.followups[0]
        assert error.ephemeral
        assert error.content == "The database is busy; try again in a moment."
        # The public "thinking" message was replaced, not left behind with a half answer.
        assert not [m for m in fake_discord.messages_in(channel) if m.embeds]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    row = await bot_process.services.db.fetchone("SELECT COUNT(*) FROM checks")
    assert row[0] == 0  # nothing half-written
    rec = await fake_discord.invoke_slash(members[0], channel, "checklink", {"url": page_site.url("/in-content")})
    reply = await rec.wait_reply(timeout=10)
    assert reply.embeds and not reply.ephemeral
    row = await bot_process.services.db.fetchone("SELECT COUNT(*) FROM checks")
    assert row[0] == 1
    assert (await bot_process.services.db.integrity_check()) == "ok"
