"""Two bot processes, shards 0 and 1 of 2, sharing one PostgreSQL database, against the fake Discord
that delivers each guild's events only on its shard's connection."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from bot.client import ShardedSecondOpinionBot
from tests.e2e.botharness import BotProcess, settings_for_tests
from tests.e2e.review_helpers import BAD, GOOD, eventually, open_review, wait_votes


def _guild(fake, name: str, shard: int):
    guild = fake.add_guild(name, shard=(shard, 2))
    channel = guild.add_text_channel("link-offers")
    old = datetime.now(UTC) - timedelta(days=400)
    joined = datetime.now(UTC) - timedelta(days=30)
    members = [guild.add_member(f"{name}-member{i}", account_created=old, joined_at=joined) for i in range(4)]
    return guild, channel, members


async def test_two_shard_processes_share_one_database(fake_discord, make_client, page_site, pg_url, tmp_path,
                                                      monkeypatch):
    # The processes take IDENTIFY turns through the database; the fake has no 5 s limit to respect.
    monkeypatch.setattr(ShardedSecondOpinionBot, "IDENTIFY_INTERVAL_SECONDS", 0.1)
    worlds = [_guild(fake_discord, f"shard{shard}", shard) for shard in (0, 1)]
    processes = []
    for shard in (0, 1):
        settings = settings_for_tests(tmp_path, fake_discord, page_site.port,
                                      discord={"shard_count": 2, "shard_ids": (shard,)}, storage={"url": pg_url})
        processes.append(BotProcess(make_client, settings))
    try:
        for process in processes:
            await process.start()
        # IDENTIFY carried [shard, 2], and READY gave each process only its shard's guild.
        assert sorted(s.shard for s in fake_discord.gateway.sessions.values()) == [[0, 2], [1, 2]]
        for process, (guild, _, _) in zip(processes, worlds, strict=True):
            assert [g.id for g in process.bot.guilds] == [guild.id]
        # The commands were synced once, by the process holding shard 0.
        assert len(fake_discord.syncs(None)) == 1

        reviews = []
        for process, (_guild_, channel, members) in zip(processes, worlds, strict=True):
            url = page_site.url("/in-content") + f"?guild={_guild_.id}"
            review, _ = await open_review(fake_discord, process, members[0], channel, url)
            await fake_discord.react(members[1], review.factors["overall"], GOOD)
            await fake_discord.react(members[2], review.factors["overall"], BAD)
            await wait_votes(process, review.id, {("overall", members[1].id): "good",
                                                  ("overall", members[2].id): "bad"})
            reviews.append(review)

        # Both deadlines pass; each process closes its own guild's review, and only that one.
        db = processes[0].services.db
        await db.execute("UPDATE reviews SET deadline_at = ?", (time.time() - 5,))
        for process in processes:
            process.bot.get_cog("Reviews").runtime.wake()

        async def both_closed() -> bool:
            row = await db.fetchone("SELECT COUNT(*) FROM reviews WHERE status = 'closed'")
            return row is not None and row[0] == 2

        await eventually(both_closed, what="both reviews closed by their deadlines")
        # Each review was closed once (one 'closed' entry each), by the deadline.
        closes = await db.fetchall(
            "SELECT review_id, COUNT(*) FROM audit_log WHERE action = 'closed' GROUP BY review_id ORDER BY review_id")
        assert [tuple(r) for r in closes] == [(r.id, 1) for r in reviews]

        # Purging departed guilds: neither process takes the other shard's guild for one it left.
        for process in processes:
            assert await process.bot.get_cog("GuildSettings").purge_departed_guilds() == []
        left = await db.fetchone("SELECT COUNT(*) FROM guild_settings WHERE left_at IS NOT NULL")
        assert left is not None and left[0] == 0
    finally:
        for process in processes:
            await process.stop()
