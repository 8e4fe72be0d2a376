"""A reaction storm through the FAKE GATEWAY into the real bot, beside the SQLite floor.

Run by hand from the repository root:
    python -m bench.reaction_storm [--members 200] [--rounds 3] [--chunk 50] [--in-process | --both]
                                   [--postgres URL]

What runs: the fake Discord (REST + gateway, with Discord's rate limits on) and the local page
site in a process of their own (bench/_fake_server.py, driven over a small JSON control API on
127.0.0.1), and in this process the real SecondOpinionBot with real services on a temp SQLite
file, as in the e2e tests. A review is opened with /secondopinion; then the storm of
bench/storm_events.py (members x 6 factors: votes, switches with the removal of the superseded
reaction, withdrawals, interleaved) is replayed as member reactions, which the fake dispatches as
MESSAGE_REACTION_ADD/REMOVE over the websocket. --in-process runs the same fake in this process
and event loop instead (the old set-up: the fake's own cost is then inside the bot's figures).

Printed per round and as median [min-max] over the rounds:
- events/s ingested: storm events stored / (last storm vote stored - first event dispatched);
- p50/p99 time from the fake dispatching an event to its vote being committed. The fake stamps
  each event as it hands it to the gateway, the bot stamps it when its VoteIngestor future
  completes; both use time.monotonic(), CLOCK_MONOTONIC, one clock for every process on Linux;
- summary message edits (PATCHes seen by the fake) and 429s the bot ran into;
- whether the final tally is exact: the database tally against the event model of what the
  fake dispatched AND against the reactions left on the fake's messages;
- the floor, measured in the same run, alternating with the bot rounds: the same storm (same
  events, same count) as the same guarded statements run straight on aiosqlite
  (bench/vote_ingest_floor.py: the upsert for an add, the conditional delete for a removal),
  one awaited execute per event with autocommit — the ratio uses this one — and the same with
  a commit every 200 events, printed beside it.

--postgres URL: every round also runs the bot and both floors on that PostgreSQL database (its
public schema emptied before each run), interleaved with the SQLite runs of the same round, and
the PostgreSQL / SQLite ratios of the same run are printed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import logging
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict, deque
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp

from bench._fake_server import StormServer
from bench.storm_events import expected_tally, storm_events
from bench.vote_ingest_floor import run_floor
from bot.review.factors import CHOICE_EMOJI, FACTOR_IDS, Choice
from bot.review.votes import VoteEvent
from bot.storage.database import Database
from tests.e2e.botharness import BotProcess, settings_for_tests
from tests.fakediscord.harness import ClientRunner

REPO = Path(__file__).resolve().parent.parent
VOTE_EMOJI = {CHOICE_EMOJI[c]: c for c in Choice}
Key = tuple[str, str, int, str]  # kind, factor, member, choice


def _p(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


# -- driving the fake: in its own process, or in this loop ------------------------------------
class FakeControl:
    """What the bench asks of the fake; the same calls in both modes."""

    async def call(self, name: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


class LocalFake(FakeControl):
    def __init__(self, server: StormServer) -> None:
        self.server = server

    @classmethod
    async def start(cls, members: int) -> LocalFake:
        server = StormServer(members)
        await server.start()
        return cls(server)

    async def call(self, name: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        if name == "info":
            return self.server.do_info()
        method: Callable[[dict[str, Any]], Awaitable[dict[str, Any]]] = getattr(self.server, f"do_{name}")
        return await method(body or {})

    async def close(self) -> None:
        await self.server.stop()


class ProcessFake(FakeControl):
    def __init__(self, proc: asyncio.subprocess.Process, port: int) -> None:
        self.proc = proc
        self.base = f"http://127.0.0.1:{port}"
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))

    @classmethod
    async def start(cls, members: int) -> ProcessFake:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench._fake_server", "--members", str(members),
            cwd=REPO, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )
        assert proc.stdout is not None
        try:
            line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
        except TimeoutError:
            proc.kill()
            raise
        if not line.startswith("READY "):
            proc.kill()
            raise RuntimeError(f"the fake process did not start: {line!r}")
        return cls(proc, int(line.split()[1]))

    async def call(self, name: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        if name in ("info", "finish"):
            request = self.http.get(f"{self.base}/{name}")
        else:
            request = self.http.post(f"{self.base}/{name}", json=body or {})
        async with request as response:
            response.raise_for_status()
            return await response.json()

    async def close(self) -> None:
        with contextlib.suppress(aiohttp.ClientError):
            await self.call("shutdown")
        await self.http.close()
        if self.proc.stdin is not None:
            self.proc.stdin.close()  # the fake also stops when its stdin closes
        try:
            await asyncio.wait_for(self.proc.wait(), 10)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()


# -- the bot's side ------------------------------------------------------------------------------
class StoredVotes:
    """The cog's VoteDesk observer: every event the bot queued, when it arrived, when it was stored."""

    def __init__(self) -> None:
        self.events: list[VoteEvent] = []
        self.arrived: list[float] = []
        self.stored: list[float | None] = []

    def __call__(self, event: VoteEvent, future: asyncio.Future[None]) -> None:
        index = len(self.events)
        self.events.append(event)
        self.arrived.append(time.monotonic())
        self.stored.append(None)

        def done(_f: asyncio.Future[None]) -> None:
            self.stored[index] = time.monotonic()

        future.add_done_callback(done)

    def settled(self) -> bool:
        return all(s is not None for s in self.stored)


def _key(event: VoteEvent) -> Key:
    return (event.kind, event.factor, event.member_id, event.choice.value)


def _storm_index_of_observed(log: list[list[Any]], observed: list[VoteEvent], factor_of: dict[int, str],
                             bot_id: int, stamps: dict[int, float], events: list[VoteEvent]) -> tuple[list[int], str]:
    """For each vote event the bot queued, the storm event that caused it (-1: the bot's own
    clean-up). The gateway keeps order, so the fake's log of member reactions on factor messages
    lines up one to one with what the bot queued; if not, match in order per key."""
    votes = [row for row in log if row[2] in factor_of and row[3] != bot_id and row[4] in VOTE_EMOJI]
    keys = [(row[1], factor_of[row[2]], row[3], VOTE_EMOJI[row[4]].value) for row in votes]
    if keys == [_key(e) for e in observed]:
        return [int(row[0]) for row in votes], "exact (gateway order)"
    queues: dict[Key, deque[int]] = defaultdict(deque)
    for index in sorted(stamps, key=stamps.__getitem__):
        queues[_key(events[index])].append(index)
    found = []
    for event in observed:
        queue = queues.get(_key(event))
        found.append(queue.popleft() if queue else -1)
    return found, f"per key (logged {len(keys)} vs queued {len(observed)})"


async def _open_review(control: FakeControl, process: BotProcess, url: str) -> tuple[int, int, int, dict[str, int]]:
    reply = await control.call("slash", {"url": url})
    assert not reply["ephemeral"], reply["content"]
    assert process.services is not None
    db = process.services.db
    row = None
    for _ in range(500):
        row = await db.fetchone(
            "SELECT id, thread_id, summary_message_id FROM reviews WHERE url = ? AND status = 'open'", (url,))
        if row is not None:
            break
        await asyncio.sleep(0.03)
    assert row is not None, "the review did not open"
    rows = await db.fetchall("SELECT factor, message_id FROM review_factor_messages WHERE review_id = ?", (row[0],))
    factors = {r[0]: int(r[1]) for r in rows}
    assert set(factors) == set(FACTOR_IDS)
    await control.call("await_reactions", {"message_ids": list(factors.values())})
    return int(row[0]), int(row[1]), int(row[2]), factors


async def empty_postgres(url: str) -> None:
    """Start from an empty schema, as a fresh SQLite file does (the bot migrates it on start)."""
    db = await Database.open(url, migrate=False)
    try:
        await db.execute("DROP SCHEMA public CASCADE")
        await db.execute("CREATE SCHEMA public")
    finally:
        await db.close()


async def storm(members: int, chunk: int, tmp: Path, *, separate: bool, bot_cleans: bool,
                profile: str | None = None, database_url: str | None = None) -> dict[str, Any]:
    control: FakeControl = await (ProcessFake.start(members) if separate else LocalFake.start(members))
    info = await control.call("info")
    fake_view = SimpleNamespace(api_base_url=info["api_base_url"], gateway_url=info["gateway_url"],
                                bot_token=info["bot_token"])
    overrides: dict[str, Any] = {"review": {"tally_edit_interval": 2.0}}
    if database_url is not None:
        await empty_postgres(database_url)
        overrides["storage"] = {"url": database_url}
    settings = settings_for_tests(tmp, fake_view, info["page_port"], **overrides)  # type: ignore[arg-type]
    runner = ClientRunner(fake_view)  # type: ignore[arg-type]
    process = BotProcess(runner, settings)
    try:
        await process.start()
        review_id, thread_id, summary_id, factors = await _open_review(control, process, info["page_url"])
        assert process.bot is not None and process.services is not None
        runtime: Any = process.bot.get_cog("Reviews").runtime  # type: ignore[union-attr]
        await asyncio.sleep(0.5)  # let the opening's own edits finish
        recorder = StoredVotes()
        runtime.desk.observer = recorder
        edits_before = runtime.board.summary_edits
        profiler = cProfile.Profile() if profile else None
        if profiler is not None:
            profiler.enable()
        sent = await control.call("storm", {
            "review_id": review_id, "thread_id": thread_id, "summary_id": summary_id,
            "factor_messages": factors, "chunk": chunk, "bot_cleans": bot_cleans,
        })
        stamps = {int(i): float(t) for i, t in sent["stamps"]}
        # Every dispatched event stored, then a short quiet. The quiet is shorter than the clean-up's
        # pace, so with --bot-cleans its removals do not hold the storm open (they are waited for below).
        quiet_since = time.monotonic()
        seen = -1
        while time.monotonic() - quiet_since < 0.2:
            await asyncio.sleep(0.02)
            if len(recorder.events) != seen or len(recorder.events) < len(stamps) or not recorder.settled():
                seen = len(recorder.events)
                quiet_since = time.monotonic()
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(profile)
        cleanup_started = time.monotonic()
        while True:  # the pending summary edit and the paced clean-up, polled (no event to wait on)
            if not (runtime.coalescer.is_pending(review_id) or runtime.tidier.busy) and recorder.settled():
                break
            await asyncio.sleep(0.05)
        cleanup_seconds = time.monotonic() - cleanup_started
        finish = await control.call("finish")
        db_tally = (await process.services.votes.tally(review_id, info["guild_id"])).to_dict()
        events = storm_events(review_id, info["guild_id"], members=members, first_member_id=info["first_member_id"])
        causes, alignment = _storm_index_of_observed(
            finish["log"], recorder.events, {m: f for f, m in factors.items()}, info["bot_user_id"], stamps, events)
        latencies = []
        last_stored = last_arrived = 0.0
        for i, cause in enumerate(causes):
            stored = recorder.stored[i]
            if cause >= 0 and cause in stamps and stored is not None:
                latencies.append(stored - stamps[cause])
                last_stored = max(last_stored, stored)
                last_arrived = max(last_arrived, recorder.arrived[i])
        first = min(stamps.values())
        seconds = last_stored - first
        delivered = [events[i] for i in sorted(stamps)]
        expected = expected_tally(delivered)
        result = {
            "storm_events": len(events),
            "dispatched": len(stamps),
            "ingested": len(latencies),
            "extra": len(causes) - len(latencies),
            "seconds": seconds,
            "rate": len(latencies) / seconds if seconds > 0 else float("nan"),
            "p50_ms": statistics.median(latencies) * 1000 if latencies else float("nan"),
            "p99_ms": _p(latencies, 0.99) * 1000,
            "edits": finish["patches"],
            "edits_by_cog": runtime.board.summary_edits - edits_before,
            "rate_limit_hits": finish["rate_limit_hits"],
            "tidied": runtime.tidier.removed,
            "cleanup_seconds": cleanup_seconds,
            "dispatch_seconds": sent["dispatched_until"] - first,
            "written_seconds": sent["written_until"] - first,
            "receive_seconds": last_arrived - first,
            "exact_vs_model": db_tally == expected,
            "exact_vs_fake": db_tally == finish["tally"],
            "alignment": alignment,
            "batches": runtime.ingestor.stats.batches,
            "largest_batch": runtime.ingestor.stats.largest_batch,
            "errors": [*runner.errors, *finish["problems"]],
        }
        if db_tally != expected:
            result["diff"] = {f: (db_tally.get(f), expected[f]) for f in FACTOR_IDS if db_tally.get(f) != expected[f]}
        return result
    finally:
        await process.stop()
        await runner.close_all()
        await control.close()


# -- the rounds and the report ---------------------------------------------------------------------
def _spread(values: list[float], fmt: str) -> str:
    return f"{format(statistics.median(values), fmt)} [{format(min(values), fmt)}-{format(max(values), fmt)}]"


async def run_mode(members: int, chunk: int, rounds: int, *, separate: bool, bot_cleans: bool,
                   profile: str | None = None, postgres: str | None = None) -> None:
    mode = "fake in its own process" if separate else "fake in the bot's process and loop (--in-process)"
    engines = ["SQLite", *(["PostgreSQL"] if postgres else [])]
    print(f"\n== {mode}: {rounds} rounds, bot and floors alternating; engines: {', '.join(engines)} ==")
    bots: dict[str, list[dict[str, Any]]] = {e: [] for e in engines}
    floors: dict[str, dict[str, list[dict[str, Any]]]] = {e: {"per-event": [], "commit-200": []} for e in engines}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(rounds):
            base = Path(tmp) / f"round{r}"
            base.mkdir()

            def events_for(review_id: int) -> list[VoteEvent]:
                return storm_events(review_id, 1, members=members)

            steps: list[Callable[[], Awaitable[None]]] = []
            for engine in engines:
                url = postgres if engine == "PostgreSQL" else None
                where = base / engine
                where.mkdir()

                async def bot(engine: str = engine, url: str | None = url, where: Path = where,
                              first: bool = r == 0) -> None:
                    bots[engine].append(await storm(
                        members, chunk, where, separate=separate, bot_cleans=bot_cleans,
                        profile=f"{profile}.{engine}" if profile and first else None, database_url=url))

                async def floor_each(engine: str = engine, url: str | None = url, where: Path = where) -> None:
                    floors[engine]["per-event"].append(
                        await run_floor(url or where / "floor-each.sqlite3", events_for, commit_every=1))

                async def floor_batched(engine: str = engine, url: str | None = url, where: Path = where) -> None:
                    floors[engine]["commit-200"].append(
                        await run_floor(url or where / "floor-200.sqlite3", events_for, commit_every=200))

                steps += [bot, floor_each, floor_batched]
            for step in steps if r % 2 == 0 else steps[::-1]:
                await step()
            for engine in engines:
                res, fe, fb = bots[engine][-1], floors[engine]["per-event"][-1], floors[engine]["commit-200"][-1]
                print(f"round {r + 1} {engine:10s}: bot {res['rate']:7.0f} ev/s p99 {res['p99_ms']:6.1f} ms "
                      f"edits {res['edits']} 429s {res['rate_limit_hits']} "
                      f"exact {res['exact_vs_model'] and res['exact_vs_fake']} | "
                      f"floor/per-event {fe['rate']:7.0f} ev/s | floor/commit-200 {fb['rate']:7.0f} ev/s | "
                      f"ratio {res['rate'] / fe['rate']:.2f}x")
    kinds = Counter(e.kind for e in storm_events(1, 1, members=members))
    first = bots[engines[0]][0]
    print(f"storm: {members} members x {len(FACTOR_IDS)} factors = {first['storm_events']} events "
          f"({kinds['add']} adds, {kinds['remove']} removes)")
    for engine in engines:
        _report(engine, bots[engine], floors[engine], rounds)
    if len(engines) == 2:
        pg, lite = bots["PostgreSQL"], bots["SQLite"]
        print("\n-- PostgreSQL / SQLite, same run (medians; per round in brackets) --")
        for label, key in (("bot events/s", "rate"), ("bot p99 latency", "p99_ms")):
            per_round = [a[key] / b[key] for a, b in zip(pg, lite, strict=True)]
            print(f"{label:28s} {statistics.median(a[key] for a in pg) / statistics.median(b[key] for b in lite):.2f}x "
                  f"(per round {_spread(per_round, '.2f')})")
        for name in ("per-event", "commit-200"):
            a, b = floors["PostgreSQL"][name], floors["SQLite"][name]
            per_round = [x["rate"] / y["rate"] for x, y in zip(a, b, strict=True)]
            print(f"{'floor/' + name + ' events/s':28s} "
                  f"{statistics.median(x['rate'] for x in a) / statistics.median(y['rate'] for y in b):.2f}x "
                  f"(per round {_spread(per_round, '.2f')})")


def _report(engine: str, bots: list[dict[str, Any]], floors: dict[str, list[dict[str, Any]]], rounds: int) -> None:
    first = bots[0]
    print(f"\n-- {engine} --")
    print(f"dispatched by the fake {first['dispatched']}, stored by the bot {first['ingested']} "
          f"(+{first['extra']} removals caused by the bot's own clean-up)")
    rate = [b["rate"] for b in bots]
    print(f"bot via fake gateway   {_spread(rate, '.0f')} events/s   "
          f"p50 {_spread([b['p50_ms'] for b in bots], '.1f')} ms   "
          f"p99 {_spread([b['p99_ms'] for b in bots], '.1f')} ms (dispatch -> stored)")
    print(f"  fake dispatch loop {_spread([b['dispatch_seconds'] * 1000 for b in bots], '.1f')} ms, "
          f"frames written by {_spread([b['written_seconds'] * 1000 for b in bots], '.1f')} ms, "
          f"last event at the bot's listener {_spread([b['receive_seconds'] * 1000 for b in bots], '.1f')} ms, "
          f"last vote stored {_spread([b['seconds'] * 1000 for b in bots], '.1f')} ms "
          f"(from the first dispatch); ingest batches {first['batches']}, largest {first['largest_batch']}; "
          f"event matching: {first['alignment']}")
    for name, runs in floors.items():
        print(f"floor/{name:11s}       {_spread([f['rate'] for f in runs], '.0f')} events/s   "
              f"p99 {_spread([f['p99_ms'] for f in runs], '.2f')} ms per statement   "
              f"tally {'OK' if all(f['ok'] for f in runs) else 'WRONG'}")
    each = statistics.median(f["rate"] for f in floors["per-event"])
    batched = statistics.median(f["rate"] for f in floors["commit-200"])
    per_round = [b["rate"] / f["rate"] for b, f in zip(bots, floors["per-event"], strict=True)]
    print(f"RATIO bot / floor (one execute per event, autocommit): {statistics.median(rate) / each:.2f}x "
          f"(medians; per round {_spread(per_round, '.2f')}x)")
    print(f"      bot / floor (commit every 200):                 {statistics.median(rate) / batched:.2f}x")
    print(f"summary edits: {_spread([b['edits'] for b in bots], '.0f')} PATCHes per storm "
          f"(cog counted {first['edits_by_cog']} in round 1); 429s hit: {[b['rate_limit_hits'] for b in bots]}; "
          f"superseded reactions removed by the bot: {[b['tidied'] for b in bots]} "
          f"(its paced clean-up done {_spread([b['cleanup_seconds'] for b in bots], '.1f')} s after the storm)")
    print(f"final tally exact: vs event model {'YES' if all(b['exact_vs_model'] for b in bots) else 'NO'}, "
          f"vs reactions on the fake {'YES' if all(b['exact_vs_fake'] for b in bots) else 'NO'} "
          f"(all {rounds} rounds)")
    for b in bots:
        if "diff" in b:
            print("tally diff:", b["diff"])
        for error in b["errors"][:5]:
            print("bot/fake error:", error)


async def main(members: int, chunk: int, rounds: int, modes: list[bool], bot_cleans: bool,
               profile: str | None, postgres: str | None = None) -> None:
    logging.basicConfig(level=logging.WARNING)
    clock = time.get_clock_info("monotonic").implementation
    if "CLOCK_MONOTONIC" not in clock:
        print(f"warning: time.monotonic is {clock}; stamps from two processes may not compare")
    print(f"clock: time.monotonic = {clock} (system-wide: dispatch and stored stamps compare across processes)")
    if postgres:
        from bench._pg import settings

        print(await settings(postgres))
        print("SQLite: WAL, synchronous=NORMAL (the bot's settings), a file in a temporary directory")
    for separate in modes:
        await run_mode(members, chunk, rounds, separate=separate, bot_cleans=bot_cleans,
                       profile=f"{profile}.{'process' if separate else 'in-process'}" if profile else None,
                       postgres=postgres)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3, help="bot storms (and floors) per mode, alternated")
    parser.add_argument("--chunk", type=int, default=50, help="events the fake dispatches between two yields")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--in-process", action="store_true", help="run the fake in the bot's process and loop")
    where.add_argument("--both", action="store_true", help="the separate-process mode, then --in-process")
    parser.add_argument("--bot-cleans", action="store_true",
                        help="members leave superseded reactions; the bot's paced clean-up removes them")
    parser.add_argument("--profile", metavar="PATH",
                        help="cProfile this process during the first storm of each mode, to PATH.<mode>")
    parser.add_argument("--postgres", metavar="URL",
                        help="also run every round on this PostgreSQL database (emptied before each run)")
    args = parser.parse_args()
    modes = [True, False] if args.both else [not args.in_process]
    asyncio.run(main(args.members, args.chunk, args.rounds, modes, args.bot_cleans, args.profile, args.postgres))
