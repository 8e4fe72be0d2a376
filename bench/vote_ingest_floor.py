"""Vote ingest throughput: VoteIngestor against the "floor" of the same statements run straight.

Run by hand from the repository root:  python -m bench.vote_ingest_floor [--members 200]
                                        [--postgres postgresql://user@host/db]
(--postgres: the same runs on that PostgreSQL database, whose public schema is emptied before each.)

The storm (bench/storm_events.py): 200 members x 6 factors with votes, switches (new reaction +
clean-up removal of the superseded one) and withdrawals, interleaved — about 2,900 events.

Compared, each on a fresh SQLite file in WAL mode through aiosqlite:
- ingestor/burst: every event submitted at once (as a gateway burst would), futures awaited.
- ingestor/stream: events submitted one by one with a yield to the loop after each, so the
  writer runs between arrivals (latency measured per event from submit to commit).
- ingestor/paced 2000/s: events submitted at 2,000/s in real time: the latency a live burst sees
  (its events/s is the pacing rate, not a capacity figure).
- floor/per-event: for each event the same guarded statement (upsert for an add, conditional
  delete for a remove), one awaited execute per event, autocommit — what a plain handler does.
- floor/batched-commit: the same one execute per event, but inside BEGIN … COMMIT every 200
  events: the best a per-event handler can do without collapsing or executemany.
Every run checks that the stored tally equals the tally of the sequential event model.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bench.storm_events import expected_tally, storm_events
from bot.review.factors import FACTOR_IDS
from bot.review.votes import VoteEvent
from bot.review_runtime.ingest import VoteIngestor
from bot.storage import votes as votes_sql
from bot.storage.database import Database
from bot.storage.reviews import ReviewsRepo
from bot.storage.votes import VotesRepo

GUILD = 1


async def _fresh(path: Path | str) -> tuple[Database, int]:
    if isinstance(path, str):
        # A PostgreSQL URL: start each run from an empty schema, as a fresh SQLite file does.
        empty = await Database.open(path, migrate=False)
        await empty.execute("DROP SCHEMA public CASCADE")
        await empty.execute("CREATE SCHEMA public")
        await empty.close()
    db = await Database.open(path)
    reviews = ReviewsRepo(db)
    created = await reviews.create(
        guild_id=GUILD, requester_id=1, origin_channel_id=1, url="https://bench.test/", domain="bench.test",
        now=0.0, deadline_at=1e12,
    )
    await reviews.attach(
        created.review.id, GUILD, channel_id=1, thread_id=2, summary_message_id=3,
        factor_messages={f: 100 + i for i, f in enumerate(FACTOR_IDS)},
    )
    return db, created.review.id


async def _tally_ok(db: Database, review_id: int, events: list[VoteEvent]) -> bool:
    tally = await VotesRepo(db).tally(review_id, GUILD)
    return tally.to_dict() == expected_tally(events)


def _p(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def run_ingestor(path: Path | str, events_for, *, stream: bool, rate: float | None = None) -> dict[str, object]:
    db, review_id = await _fresh(path)
    writer = await db.open_another()
    events = events_for(review_id)
    ingestor = VoteIngestor(writer)
    ingestor.start()
    latencies: list[float] = []
    loop = asyncio.get_running_loop()

    def track(future: asyncio.Future[None], started: float) -> None:
        future.add_done_callback(lambda _f: latencies.append(loop.time() - started))

    t0 = time.perf_counter()
    futures = []
    for e in events:
        f = ingestor.submit(e)
        track(f, loop.time())
        futures.append(f)
        if rate is not None:
            due = t0 + len(futures) / rate
            ahead = due - time.perf_counter()
            if ahead > 0:
                await asyncio.sleep(ahead)
        elif stream:
            await asyncio.sleep(0)
    await asyncio.gather(*futures)
    elapsed = time.perf_counter() - t0
    ok = await _tally_ok(db, review_id, events)
    stats = ingestor.stats
    await ingestor.close()
    await writer.close()
    await db.close()
    return {
        "events": len(events), "seconds": elapsed, "rate": len(events) / elapsed, "ok": ok,
        "p50_ms": statistics.median(latencies) * 1000, "p99_ms": _p(latencies, 0.99) * 1000,
        "batches": stats.batches, "largest": stats.largest_batch,
    }


async def run_floor(path: Path | str, events_for, *, commit_every: int) -> dict[str, object]:
    db, review_id = await _fresh(path)
    events = events_for(review_id)
    sql = votes_sql._writes(db.dialect)
    latencies: list[float] = []

    async def one(e: VoteEvent) -> None:
        started = time.perf_counter()
        if e.kind == "add":
            params = (e.review_id, e.factor, e.member_id, e.choice.value, e.guild_id, e.at, e.review_id, e.guild_id)
            await db.execute(sql.upsert, params)
        else:
            params = (e.review_id, e.factor, e.member_id, e.guild_id, e.choice.value, e.review_id, e.guild_id)
            await db.execute(sql.delete_if, params)
        latencies.append(time.perf_counter() - started)

    t0 = time.perf_counter()
    for start in range(0, len(events), commit_every):
        chunk = events[start : start + commit_every]
        if commit_every == 1:
            await one(chunk[0])  # autocommit: one statement, one commit
            continue
        async with db.transaction():
            for e in chunk:
                await one(e)
    elapsed = time.perf_counter() - t0
    ok = await _tally_ok(db, review_id, events)
    await db.close()
    return {
        "events": len(events), "seconds": elapsed, "rate": len(events) / elapsed, "ok": ok,
        "p50_ms": statistics.median(latencies) * 1000, "p99_ms": _p(latencies, 0.99) * 1000,
    }


async def main(members: int, rounds: int, postgres: str | None = None) -> None:
    def events_for(review_id: int) -> list[VoteEvent]:
        return storm_events(review_id, GUILD, members=members)

    print(f"engine: {'PostgreSQL' if postgres else 'SQLite (WAL)'}")
    print(f"storm: {members} members x {len(FACTOR_IDS)} factors = {len(events_for(1))} events; best of {rounds}")
    results: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(rounds):

            def where(name: str, r: int = r) -> Path | str:
                return postgres if postgres else Path(tmp) / f"{name}{r}.sqlite3"

            runs = {
                "ingestor/burst": run_ingestor(where("ib"), events_for, stream=False),
                "ingestor/stream": run_ingestor(where("is"), events_for, stream=True),
                "ingestor/paced 2000/s": run_ingestor(
                    where("ip"), events_for, stream=True, rate=2000.0
                ),
                "floor/per-event": run_floor(where("fe"), events_for, commit_every=1),
                "floor/batched-commit": run_floor(where("fb"), events_for, commit_every=200),
            }
            for name, coro in runs.items():
                result = await coro
                better = result["p99_ms"] < results[name]["p99_ms"] if "paced" in name and name in results else None
                if name not in results or better or (better is None and result["rate"] > results[name]["rate"]):
                    results[name] = result
    for name, res in results.items():
        extra = f"  batches={res['batches']} largest={res['largest']}" if "batches" in res else ""
        print(
            f"{name:22s} {res['rate']:9.0f} events/s  {res['seconds'] * 1000:7.1f} ms  "
            f"p50 {res['p50_ms']:7.2f} ms  p99 {res['p99_ms']:7.2f} ms  tally {'OK' if res['ok'] else 'WRONG'}{extra}"
        )
    best_floor = max(results["floor/per-event"]["rate"], results["floor/batched-commit"]["rate"])
    for name in ("ingestor/burst", "ingestor/stream"):
        print(f"ratio {name} / best floor: {results[name]['rate'] / best_floor:.2f}x")
    for name in ("ingestor/stream", "ingestor/paced 2000/s"):
        print(f"p99 event->stored latency ({name}): {results[name]['p99_ms']:.2f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", metavar="URL", help="run on this PostgreSQL database (emptied first)")
    args = parser.parse_args()
    asyncio.run(main(args.members, args.rounds, args.postgres))
