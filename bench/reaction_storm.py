"""A reaction storm through the FAKE GATEWAY into the real bot, beside the SQLite floor.

Run by hand from the repository root:  python -m bench.reaction_storm [--members 200] [--chunk 50]

What runs: FakeDiscord on 127.0.0.1 and the real SecondOpinionBot (real services, temp SQLite
file) as in the e2e tests; a review is opened with /secondopinion; then the storm of
bench/storm_events.py (members x 6 factors: votes, switches with the removal of the superseded
reaction, withdrawals, interleaved) is replayed as member reactions on the fake, which dispatches
MESSAGE_REACTION_ADD/REMOVE over the websocket. Discord's rate limits are on in the fake.

Printed:
- events/s ingested: storm events stored / (last vote stored - first event dispatched);
- p50/p99 time from the fake dispatching an event to its vote being committed (each event is
  timestamped when the fake dispatches it; the bot's VoteIngestor futures are observed);
- summary message edits (PATCHes) during the storm, and 429s the bot ran into;
- whether the final tally is exact: the database tally against the event model AND against the
  reactions left on the fake's messages;
- the floor: the same guarded statements run straight on aiosqlite (bench/vote_ingest_floor.py),
  one execute per event (autocommit, and committed every 200), in the same run.
The fake runs in the same process and event loop as the bot, so its own cost (serialising and
sending every frame) is inside the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
from collections import Counter, defaultdict, deque
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.storm_events import expected_tally, storm_events
from bench.vote_ingest_floor import run_floor
from bot.review.factors import CHOICE_EMOJI, FACTOR_IDS, Choice
from bot.review.votes import VoteEvent
from tests.e2e.botharness import BotProcess, test_settings
from tests.e2e.pages import PageSite
from tests.e2e.review_helpers import open_review
from tests.fakediscord import FakeDiscord
from tests.fakediscord.harness import ClientRunner

FIRST_MEMBER_ID = 1_000  # snowflakes from 2015: accounts old enough to vote


def _p(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def _switch_removals(events: list[VoteEvent]) -> set[int]:
    """Indexes of the removals that only take back a superseded reaction (a switch's second half)."""
    current: dict[tuple[str, int], Choice] = {}
    found = set()
    for i, event in enumerate(events):
        key = (event.factor, event.member_id)
        if event.kind == "add":
            if key in current and current[key] != event.choice:
                pass
            current[key] = event.choice
        elif current.get(key) != event.choice:
            found.add(i)
        else:
            del current[key]
    return found


def _fake_tally(fake: FakeDiscord, factor_messages: dict[str, Any]) -> dict[str, dict[str, int]]:
    bot_id = fake.bot_user.id
    tally = {}
    for factor_id in FACTOR_IDS:
        message = factor_messages[factor_id]
        tally[factor_id] = {c.value: len([u for u in message.reactors(CHOICE_EMOJI[c]) if u != bot_id])
                            for c in Choice}
    return tally


async def storm(members: int, chunk: int, tmp: Path, *, bot_cleans: bool = False) -> dict[str, Any]:
    fake = FakeDiscord()
    await fake.start()
    site = PageSite()
    await site.start()
    settings = test_settings(tmp, fake, site.port, review={"tally_edit_interval": 2.0})
    runner = ClientRunner(fake)
    process = BotProcess(runner, settings)
    try:
        guild = fake.add_guild("Storm")
        channel = guild.add_text_channel("link-offers")
        old = datetime.now(UTC) - timedelta(days=400)
        requester = guild.add_member("requester", account_created=old, joined_at=old)
        for i in range(members):
            guild.add_member(f"voter{i}", user_id=FIRST_MEMBER_ID + i, joined_at=old)
        await process.start()
        review, _ = await open_review(fake, process, requester, channel, site.url("/in-content"))
        assert process.bot is not None and process.services is not None
        cog: Any = process.bot.get_cog("Reviews")
        await asyncio.sleep(0.5)  # let the opening's own edits finish
        fake.enable_rate_limits()
        events = storm_events(review.id, guild.id, members=members, first_member_id=FIRST_MEMBER_ID)

        dispatched: dict[tuple[str, str, int, str], deque[float]] = defaultdict(deque)
        latencies: list[float] = []
        futures: list[asyncio.Future[None]] = []
        last_stored = [0.0]
        last_matched = [0.0]  # the last storm event (not a clean-up removal) stored
        last_received = [0.0]  # the last storm event handed to the ingestor by the bot's listener

        def observe(event: VoteEvent, future: asyncio.Future[None]) -> None:
            queue = dispatched.get((event.kind, event.factor, event.member_id, event.choice.value))
            started = queue.popleft() if queue else None
            futures.append(future)
            if started is not None:
                last_received[0] = time.perf_counter()

            def done(_f: asyncio.Future[None]) -> None:
                now = time.perf_counter()
                last_stored[0] = now
                if started is not None:
                    latencies.append(now - started)
                    last_matched[0] = now

            future.add_done_callback(done)

        cog.desk.observer = observe
        summary_path = f"/channels/{review.thread.id}/messages/{review.summary.id}"
        patches_before = len(fake.calls("PATCH", summary_path))
        edits_before = cog.summary_edits
        messages = review.factors
        sent = 0
        delivered: list[VoteEvent] = []
        t0 = time.perf_counter()
        switch_removals = _switch_removals(events) if bot_cleans else set()
        for i, event in enumerate(events):
            if i in switch_removals:
                continue  # left to the bot's paced clean-up
            message = messages[event.factor]
            emoji = CHOICE_EMOJI[event.choice]
            stamp = time.perf_counter()
            if event.kind == "add":
                happened = fake.add_reaction(message, event.member_id, emoji)
            else:
                happened = fake.remove_reaction(message, event.member_id, emoji)
            if happened:
                delivered.append(event)
                dispatched[(event.kind, event.factor, event.member_id, event.choice.value)].append(stamp)
                sent += 1
            if i % chunk == chunk - 1:
                await asyncio.sleep(0)  # the gateway writer and the bot run between chunks
        dispatch_seconds = time.perf_counter() - t0
        # Wait until every event the bot received is stored and nothing more arrives.
        quiet_since = time.perf_counter()
        seen = -1
        while time.perf_counter() - quiet_since < 0.5:
            await asyncio.sleep(0.02)
            if len(futures) != seen or not all(f.done() for f in futures):
                seen = len(futures)
                quiet_since = time.perf_counter()
        storm_seconds = last_matched[0] - t0
        stored_events = len(latencies)
        cleanup_started = time.perf_counter()
        while True:
            if not (cog.coalescer.is_pending(review.id) or cog.tidier._workers):
                break
            await asyncio.sleep(0.05)
        cleanup_seconds = time.perf_counter() - cleanup_started
        db_tally = (await process.services.votes.tally(review.id, guild.id)).to_dict()
        # The model over what the fake really dispatched: with --bot-cleans a member whose stale
        # reaction is still there cannot add it again, so some storm events never happen.
        expected = expected_tally(delivered)
        on_fake = _fake_tally(fake, messages)
        result = {
            "storm_events": len(events),
            "dispatched": sent,
            "ingested": stored_events,
            "extra": len(futures) - stored_events,
            "seconds": storm_seconds,
            "rate": stored_events / storm_seconds if storm_seconds > 0 else float("nan"),
            "p50_ms": statistics.median(latencies) * 1000 if latencies else float("nan"),
            "p99_ms": _p(latencies, 0.99) * 1000,
            "edits": len(fake.calls("PATCH", summary_path)) - patches_before,
            "edits_by_cog": cog.summary_edits - edits_before,
            "rate_limit_hits": len(fake.rate_limit_hits),
            "tidied": cog.tidier.removed,
            "cleanup_seconds": cleanup_seconds,
            "dispatch_seconds": dispatch_seconds,
            "receive_seconds": last_received[0] - t0,
            "exact_vs_model": db_tally == expected,
            "exact_vs_fake": db_tally == on_fake,
            "batches": cog.ingestor.stats.batches,
            "largest_batch": cog.ingestor.stats.largest_batch,
            "errors": list(runner.errors),
        }
        if db_tally != expected:
            result["diff"] = {f: (db_tally.get(f), expected[f]) for f in FACTOR_IDS if db_tally.get(f) != expected[f]}
        return result
    finally:
        await process.stop()
        await runner.close_all()
        await site.stop()
        await fake.stop()


async def main(members: int, chunk: int, bot_cleans: bool) -> None:
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        res = await storm(members, chunk, Path(tmp), bot_cleans=bot_cleans)

        def events_for(review_id: int) -> list[VoteEvent]:
            return storm_events(review_id, 1, members=members)

        floor_each = await run_floor(Path(tmp) / "floor-each.sqlite3", events_for, commit_every=1)
        floor_batched = await run_floor(Path(tmp) / "floor-200.sqlite3", events_for, commit_every=200)
    kinds = Counter(e.kind for e in storm_events(1, 1, members=members))
    print(f"storm: {members} members x {len(FACTOR_IDS)} factors = {res['storm_events']} events "
          f"({kinds['add']} adds, {kinds['remove']} removes); dispatched by the fake {res['dispatched']}, "
          f"stored by the bot {res['ingested']} (+{res['extra']} removals caused by the bot's own clean-up)")
    print(f"bot via fake gateway  {res['rate']:9.0f} events/s  {res['seconds'] * 1000:7.1f} ms  "
          f"p50 {res['p50_ms']:7.2f} ms  p99 {res['p99_ms']:7.2f} ms (dispatch -> stored)  "
          f"batches={res['batches']} largest={res['largest_batch']}")
    print(f"  of which: the fake's own dispatch loop {res['dispatch_seconds'] * 1000:.1f} ms (same event loop), "
          f"last event through discord.py to the listener at {res['receive_seconds'] * 1000:.1f} ms")
    for name, floor in (("floor/per-event", floor_each), ("floor/commit-200", floor_batched)):
        print(f"{name:21s} {floor['rate']:9.0f} events/s  {floor['seconds'] * 1000:7.1f} ms  "
              f"p99 {floor['p99_ms']:7.2f} ms per statement  tally {'OK' if floor['ok'] else 'WRONG'}")
    best_floor = max(floor_each["rate"], floor_batched["rate"])
    print(f"ratio bot / best floor: {res['rate'] / best_floor:.2f}x")
    print(f"summary edits during the storm: {res['edits']} PATCHes (cog counted {res['edits_by_cog']}); "
          f"429s hit: {res['rate_limit_hits']}; superseded reactions removed by the bot: {res['tidied']} "
          f"(paced clean-up finished {res['cleanup_seconds']:.1f} s after the storm)")
    print(f"final tally exact: vs event model {'YES' if res['exact_vs_model'] else 'NO'}, "
          f"vs reactions on the fake {'YES' if res['exact_vs_fake'] else 'NO'}")
    if "diff" in res:
        print("tally diff:", res["diff"])
    if res["errors"]:
        print(f"bot errors ({len(res['errors'])}):")
        for error in res["errors"][:5]:
            print(error)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--chunk", type=int, default=50, help="events dispatched between two yields to the loop")
    parser.add_argument("--bot-cleans", action="store_true",
                        help="members leave superseded reactions; the bot's paced clean-up removes them")
    args = parser.parse_args()
    asyncio.run(main(args.members, args.chunk, args.bot_cleans))
