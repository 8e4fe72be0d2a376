"""Two `python -m bot run` processes, shards 0 and 1 of 2, on one PostgreSQL database: a review with
votes in a guild on each shard, kill -9 of one process while its guild's members vote, restart,
exact tallies, and each guild's deadline closing its review exactly once."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from bot.review.factors import CHOICE_EMOJI, FACTOR_IDS
from tests.e2e.process_helpers import BotSubprocess, expected_from_reactions, reactions_on_fake
from tests.e2e.review_helpers import OpenedReview, eventually

VoteMap = dict[tuple[str, int], str]


def _guild(fake: Any, shard: int) -> tuple[Any, Any, list[Any]]:
    guild = fake.add_guild(f"shard{shard}", shard=(shard, 2))
    channel = guild.add_text_channel("link-offers")
    old = datetime.now(UTC) - timedelta(days=400)
    joined = datetime.now(UTC) - timedelta(days=30)
    members = [guild.add_member(f"s{shard}-member{i}", account_created=old, joined_at=joined) for i in range(12)]
    return guild, channel, members


def _process(tmp_path: Path, fake: Any, page_port: int, shard: int, url: str) -> BotSubprocess:
    folder = tmp_path / f"shard{shard}"
    folder.mkdir()
    process = BotSubprocess(folder, fake, page_port)
    text = process.config.read_text()
    text = text.replace("[discord]\n", f"[discord]\nshard_count = 2\nshard_ids = [{shard}]\n", 1)
    text = text.replace("[storage]\n", f'[storage]\nurl = "{url}"\n', 1)
    process.config.write_text(text)
    return process


async def _fetch(url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


async def _votes(url: str, review_id: int) -> VoteMap:
    rows = await _fetch(url, "SELECT factor, member_id, choice FROM votes WHERE review_id = $1", review_id)
    return {(r[0], r[1]): r[2] for r in rows}


async def _open(fake: Any, url: str, member: Any, channel: Any, page: str) -> OpenedReview:
    rec = await fake.invoke_slash(member, channel, "secondopinion", {"url": page})
    reply = await rec.wait_reply(timeout=20)
    assert not reply.ephemeral, reply.content

    async def probe() -> list[asyncpg.Record]:
        return await _fetch(url, "SELECT id, thread_id, summary_message_id FROM reviews "
                                 "WHERE url = $1 AND status = 'open' AND thread_id IS NOT NULL", page)

    row = (await eventually(probe, timeout=15, what="the review to open"))[0]
    rows = await _fetch(url, "SELECT factor, message_id FROM review_factor_messages WHERE review_id = $1", row[0])
    opened = OpenedReview(fake, row[0], row[1], row[2], {r[0]: r[1] for r in rows})
    assert set(opened.factors) == set(FACTOR_IDS)
    await fake.wait_for(
        lambda: all(fake.bot_user.id in m.reactors(e) for m in opened.factors.values() for e in CHOICE_EMOJI.values()),
        timeout=15, what="the bot's vote reactions",
    )
    return opened


async def _vote(fake: Any, review: OpenedReview, members: list[Any], rng: random.Random, count: int) -> None:
    """One reaction per (member, factor): the live bot stores it as that member's vote."""
    emojis = list(CHOICE_EMOJI.values())
    for _ in range(count):
        member = rng.choice(members)
        factor = rng.choice(list(review.factors))
        message = review.factors[factor]
        if any(member.id in message.reactors(e) for e in emojis):
            continue  # a switch would leave it to the bot's tidying; keep the expectation simple
        await fake.react(member, message, rng.choice(emojis))


async def _matches(url: str, fake: Any, review: OpenedReview, voters: set[int]) -> bool:
    expected = expected_from_reactions(reactions_on_fake(fake, review, voters))
    return await _votes(url, review.id) == expected


async def test_two_processes_kill_one_mid_vote_restart_and_close_once(fake_discord, page_site, pg_url, tmp_path):
    worlds = [_guild(fake_discord, shard) for shard in (0, 1)]
    processes = [_process(tmp_path, fake_discord, page_site.port, shard, pg_url) for shard in (0, 1)]
    try:
        for process in processes:
            await process.start()
        reviews = []
        for shard, (guild, channel, members) in enumerate(worlds):
            page = page_site.url("/in-content", host="127.0.0.1") + f"?shard={shard}&guild={guild.id}"
            reviews.append(await _open(fake_discord, pg_url, members[0], channel, page))
        voters = [{m.id for m in members[1:]} for _, _, members in worlds]
        rng = random.Random(5)

        # Both guilds vote; each process stores its own guild's votes.
        for shard, (_, _, members) in enumerate(worlds):
            await _vote(fake_discord, reviews[shard], members[1:], rng, 25)
        for shard in (0, 1):
            await eventually(lambda s=shard: _matches(pg_url, fake_discord, reviews[s], voters[s]), timeout=15,
                             what=f"shard {shard}'s votes stored")

        # kill -9 the process of shard 0 while its guild's members go on voting.
        await processes[0].kill()
        await _vote(fake_discord, reviews[0], worlds[0][2][1:], rng, 25)
        await _vote(fake_discord, reviews[1], worlds[1][2][1:], rng, 10)  # shard 1 carries on alone
        await eventually(lambda: _matches(pg_url, fake_discord, reviews[1], voters[1]), timeout=15,
                         what="shard 1's votes stored while shard 0 is down")
        assert not await _matches(pg_url, fake_discord, reviews[0], voters[0])  # the gap is real
        await processes[0].start()
        await eventually(lambda: _matches(pg_url, fake_discord, reviews[0], voters[0]), timeout=20,
                         what="shard 0's restart reconciling the votes cast while it was down")

        # Both deadlines pass; each process, restarted, closes its own guild's review once.
        await _fetch(pg_url, "UPDATE reviews SET deadline_at = $1", datetime.now(UTC).timestamp() - 5)
        for process in processes:
            assert await process.stop() == 0
        for process in processes:
            await process.start()

        async def closed() -> bool:
            rows = await _fetch(pg_url, "SELECT COUNT(*) FROM reviews WHERE status = 'closed' AND close_reason = 'deadline'")
            return rows[0][0] == 2

        await eventually(closed, timeout=20, what="both reviews closed by their deadlines")
        rows = await _fetch(pg_url, "SELECT review_id, COUNT(*) FROM audit_log WHERE action = 'closed' "
                                    "GROUP BY review_id ORDER BY review_id")
        assert [tuple(r) for r in rows] == [(r.id, 1) for r in reviews]
        for process in processes:
            assert not process.problems(), process.output()
    finally:
        for process in processes:
            if process.proc is not None and process.proc.returncode is None:
                await process.stop()
