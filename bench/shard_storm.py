"""The reaction storm split over two guilds on different shards: one bot process running both
shards against two processes (shards 0 and 1 of 2), all on one PostgreSQL database.

Run by hand from the repository root:
    python -m bench.shard_storm --postgres URL [--members 200] [--rounds 2] [--chunk 50]

Each run starts real `python -m bot run --config ...` processes (as tests/e2e/test_shard_processes.py
does) against the fake Discord, which runs in THIS process (with its page site) and puts guild A on
shard 0 and guild B on shard 1 of 2. Either one process gets `--shard-count 2` and both shards,
or two processes get `--shards 0` and `--shards 1`. A review is opened in each guild; then the
storm of bench/storm_events.py is replayed in each guild (members x 6 factors, votes, switches
with the removal of the superseded reaction, withdrawals), the two guilds' events interleaved, as
member reactions dispatched over the gateway with Discord's rate limits on.

The bot processes cannot be instrumented from here, so the bench polls the database (every 20 ms,
one small GROUP BY per guild) and takes, per guild, the first moment after the whole storm was
dispatched at which the stored tally equals the tally of the event model. Printed per run:
events/s = both guilds' events / (slowest exact tally - first dispatch), each guild's time to its
exact tally, and whether both were exact. One and two processes alternate round by round; the
ratio two/one is taken per round. The database's public schema is emptied before each run.

Costs to keep in mind: the machine's cores are shared by the fake (this process), the bot
process(es) and PostgreSQL; with two cores, two bot processes cannot each have a core of their own.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from bench.reaction_storm import empty_postgres
from bench.storm_events import expected_tally, storm_events
from bot.review.factors import CHOICE_EMOJI, FACTOR_IDS, Choice
from bot.review.votes import VoteEvent
from tests.e2e.pages import PageSite
from tests.e2e.process_helpers import BotSubprocess
from tests.fakediscord import FakeDiscord

VOTE_EMOJI = {CHOICE_EMOJI[c]: c for c in Choice}
FIRST_MEMBER = (1_000, 100_000)  # guild A's voters, guild B's voters (distinct users)


class World:
    def __init__(self, fake: FakeDiscord, shard: int, members: int) -> None:
        old = datetime.now(UTC) - timedelta(days=400)
        self.guild = fake.add_guild(f"shard{shard}", shard=(shard, 2))
        self.channel = self.guild.add_text_channel("link-offers")
        self.requester = self.guild.add_member(f"requester{shard}", account_created=old, joined_at=old)
        self.first_member = FIRST_MEMBER[shard]
        for i in range(members):
            self.guild.add_member(f"s{shard}-voter{i}", user_id=self.first_member + i, joined_at=old)
        self.review_id = 0
        self.factors: dict[str, int] = {}


def _process(tmp: Path, fake: FakeDiscord, page_port: int, name: str, url: str, shards: str) -> BotSubprocess:
    folder = tmp / name
    folder.mkdir()
    process = BotSubprocess(folder, fake, page_port)
    text = process.config.read_text()
    text = text.replace("[discord]\n", f"[discord]\nshard_count = 2\nshard_ids = [{shards}]\n", 1)
    text = text.replace("[storage]\n", f'[storage]\nurl = "{url}"\n', 1)
    # As the fake-gateway storm bench: the summary is edited at most every 2 s during a storm.
    text = text.replace("tally_edit_interval = 0.2", "tally_edit_interval = 2.0")
    process.config.write_text(text)
    return process


async def _open(fake: FakeDiscord, conn: asyncpg.Connection, world: World, page: str) -> None:
    rec = await fake.invoke_slash(world.requester, world.channel, "secondopinion", {"url": page})
    reply = await rec.wait_reply(timeout=30)
    assert not reply.ephemeral, reply.content
    row = None
    for _ in range(1000):
        row = await conn.fetchrow("SELECT id FROM reviews WHERE url = $1 AND status = 'open' AND thread_id IS NOT NULL",
                                  page)
        if row is not None:
            break
        await asyncio.sleep(0.03)
    assert row is not None, "the review did not open"
    world.review_id = int(row[0])
    rows = await conn.fetch("SELECT factor, message_id FROM review_factor_messages WHERE review_id = $1", row[0])
    world.factors = {r[0]: int(r[1]) for r in rows}
    assert set(world.factors) == set(FACTOR_IDS)
    ids = list(world.factors.values())
    await fake.wait_for(
        lambda: all(fake.bot_user.id in fake.messages[m].reactors(e) for m in ids for e in VOTE_EMOJI),
        timeout=30, what="the bot's vote reactions",
    )


async def _tally(conn: asyncpg.Connection, review_id: int) -> dict[str, dict[str, int]]:
    rows = await conn.fetch("SELECT factor, choice, COUNT(*) FROM votes WHERE review_id = $1 GROUP BY factor, choice",
                            review_id)
    out = {f: {c.value: 0 for c in Choice} for f in FACTOR_IDS}
    for factor, choice, n in rows:
        out[factor][choice] = n
    return out


def _interleave(a: Sequence[VoteEvent], b: Sequence[VoteEvent]) -> list[tuple[int, VoteEvent]]:
    """Both guilds' storms merged by their event times (each guild's own order kept)."""
    merged = [(e.at, 0, i, e) for i, e in enumerate(a)] + [(e.at, 1, i, e) for i, e in enumerate(b)]
    merged.sort(key=lambda t: (t[0], t[1], t[2]))
    return [(which, e) for _, which, _, e in merged]


async def run(url: str, members: int, chunk: int, processes: int, tmp: Path) -> dict[str, Any]:
    await empty_postgres(url)
    fake = FakeDiscord()
    site = PageSite()
    await fake.start()
    await site.start()
    worlds = [World(fake, shard, members) for shard in (0, 1)]
    if processes == 1:
        bots = [_process(tmp, fake, site.port, "both", url, "0, 1")]
    else:
        bots = [_process(tmp, fake, site.port, f"shard{s}", url, str(s)) for s in (0, 1)]
    conn = await asyncpg.connect(url)
    try:
        t_start = time.monotonic()
        for bot in bots:
            await bot.start()
        await fake.wait_for(
            lambda: sum(1 for r in fake.gateway.log if r.direction == "out" and r.event == "GUILD_CREATE") >= 2,
            timeout=60, what="both shards' guilds sent")
        startup = time.monotonic() - t_start
        for shard, world in enumerate(worlds):
            await _open(fake, conn, world, site.url("/in-content", host="127.0.0.1") + f"?shard={shard}")
        await asyncio.sleep(0.5)  # let the openings' own edits finish
        storms = [storm_events(w.review_id, w.guild.id, members=members, first_member_id=w.first_member, seed=42 + s)
                  for s, w in enumerate(worlds)]
        messages = [{f: fake.messages[m] for f, m in w.factors.items()} for w in worlds]
        delivered: list[list[VoteEvent]] = [[], []]
        fake.enable_rate_limits()
        first = time.monotonic()
        for i, (which, event) in enumerate(_interleave(*storms)):
            emoji = CHOICE_EMOJI[event.choice]
            target = messages[which][event.factor]
            if event.kind == "add":
                happened = fake.add_reaction(target, event.member_id, emoji)
            else:
                happened = fake.remove_reaction(target, event.member_id, emoji)
            if happened:
                delivered[which].append(event)
            if i % chunk == chunk - 1:
                await asyncio.sleep(0)
        dispatched = time.monotonic() - first
        await fake.gateway.flush()
        expected = [expected_tally(d) for d in delivered]
        exact_at: list[float | None] = [None, None]
        deadline = time.monotonic() + 120
        while None in exact_at and time.monotonic() < deadline:
            for g, world in enumerate(worlds):
                if exact_at[g] is None and await _tally(conn, world.review_id) == expected[g]:
                    exact_at[g] = time.monotonic() - first
            await asyncio.sleep(0.02)
        problems = [p for bot in bots for p in bot.problems()]
        events = sum(len(d) for d in delivered)
        slowest = max((t for t in exact_at if t is not None), default=float("nan"))
        return {
            "processes": processes, "events": events, "dispatch_s": dispatched, "startup_s": startup,
            "exact_at": exact_at, "slowest": slowest,
            "rate": events / slowest if None not in exact_at else float("nan"),
            "exact": None not in exact_at, "rate_limit_hits": len(fake.rate_limit_hits), "problems": problems,
        }
    finally:
        await conn.close()
        for bot in bots:
            if bot.proc is not None and bot.proc.returncode is None:
                await bot.stop()
        await site.stop()
        await fake.stop()


def _spread(values: list[float], fmt: str) -> str:
    return f"{format(statistics.median(values), fmt)} [{format(min(values), fmt)}-{format(max(values), fmt)}]"


async def main(url: str, members: int, chunk: int, rounds: int) -> None:
    from bench._pg import settings

    print(await settings(url))
    print(f"storm: {members} members x {len(FACTOR_IDS)} factors in each of 2 guilds (shard 0 and shard 1 of 2); "
          f"{rounds} rounds, one process and two processes alternating")
    results: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(rounds):
            for processes in (1, 2) if r % 2 == 0 else (2, 1):
                where = Path(tmp) / f"r{r}p{processes}"
                where.mkdir()
                res = await run(url, members, chunk, processes, where)
                results[processes].append(res)
                times = ", ".join("-" if t is None else f"{t * 1000:.0f} ms" for t in res["exact_at"])
                print(f"round {r + 1} {processes} process{'es' if processes > 1 else ''}: {res['events']} events, "
                      f"{res['rate']:6.0f} ev/s, exact tally at [{times}] (guild A, guild B) from the first "
                      f"dispatch; dispatch loop {res['dispatch_s'] * 1000:.0f} ms; 429s {res['rate_limit_hits']}; "
                      f"start-up {res['startup_s']:.1f} s; exact {res['exact']}", flush=True)
                for problem in res["problems"][:5]:
                    print("  bot problem:", problem)
    for processes, runs in results.items():
        print(f"{processes} process{'es' if processes > 1 else '  '}: {_spread([x['rate'] for x in runs], '.0f')} ev/s; "
              f"slowest exact tally {_spread([x['slowest'] * 1000 for x in runs], '.0f')} ms; "
              f"all exact {all(x['exact'] for x in runs)}")
    per_round = [b["rate"] / a["rate"] for a, b in zip(results[1], results[2], strict=True)]
    print(f"RATIO two processes / one process, events/s: {_spread(per_round, '.2f')}x (per round)")
    slow = [b["slowest"] / a["slowest"] for a, b in zip(results[1], results[2], strict=True)]
    print(f"      slowest exact tally, two / one:        {_spread(slow, '.2f')}x (per round)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", required=True, help="the database (emptied before each run)")
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--chunk", type=int, default=50, help="events dispatched between two yields")
    args = parser.parse_args()
    asyncio.run(main(args.postgres, args.members, args.chunk, args.rounds))
