from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest

from bot.review.factors import FACTOR_IDS, Choice
from bot.review.votes import GuildKey, VoteEvent, VoteKey, VoteOps, apply_event
from bot.review_runtime.ingest import IngestClosedError, IngestFailedError, VoteIngestor
from bot.storage.database import Database
from bot.storage.reviews import ReviewsRepo
from bot.storage.votes import VotesRepo
from tests.unit.storage.helpers import NOW, open_review


def ev(kind: str, review_id: int, member: int, choice: Choice, factor: str = "overall") -> VoteEvent:
    return VoteEvent(kind, 1, review_id, factor, member, choice, NOW)  # type: ignore[arg-type]


async def stored(db: Database, review_id: int) -> dict[VoteKey, Choice]:
    return {v.key: v.choice for v in await VotesRepo(db).votes_for_review(review_id, 1)}


async def test_concurrent_ingest_from_many_tasks_gives_the_exact_tally(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite3"
    main = await Database.open(path)
    writer_db = await Database.open(path)
    changed: list[set[int]] = []
    ingestor = VoteIngestor(writer_db, on_changed=changed.append)
    try:
        reviews = [await open_review(main, url=f"https://site{i}.test/") for i in range(3)]
        rng = random.Random(7)
        scripts: dict[int, list[VoteEvent]] = {}
        for member in range(1, 61):
            script = []
            for _ in range(rng.randint(1, 12)):
                review = rng.choice(reviews)
                script.append(
                    ev(rng.choice(["add", "add", "remove"]), review.id, member, rng.choice(list(Choice)),
                       rng.choice(FACTOR_IDS))
                )
            scripts[member] = script

        async def member_task(events: list[VoteEvent]) -> None:
            for e in events:
                future = ingestor.submit(e)
                if rng.random() < 0.3:
                    await future  # some handlers wait for the write, others fire and forget
                else:
                    await asyncio.sleep(0)

        await asyncio.gather(*(member_task(s) for s in scripts.values()))
        await ingestor.close()

        expected: dict[VoteKey, Choice] = {}
        for script in scripts.values():  # one task per member keeps each key's order
            for e in script:
                apply_event(expected, e)
        actual: dict[VoteKey, Choice] = {}
        for review in reviews:
            actual |= await stored(main, review.id)
            tally = await VotesRepo(main).tally(review.id, 1)
            for f in FACTOR_IDS:
                for c in Choice:
                    want = sum(1 for k, v in expected.items() if k.review_id == review.id and k.factor == f and v == c)
                    assert tally.count(f, c) == want
        assert actual == expected
        assert ingestor.stats.events == sum(len(s) for s in scripts.values())
        assert ingestor.stats.batches < ingestor.stats.events  # events were written in batches
        assert set().union(*changed) <= {r.id for r in reviews}
    finally:
        await ingestor.close()
        await main.close()
        await writer_db.close()


async def test_lone_event_is_written_and_callback_names_the_review(db: Database) -> None:
    review = await open_review(db)
    seen: list[set[int]] = []

    async def on_changed(ids: set[int]) -> None:
        seen.append(ids)

    ingestor = VoteIngestor(db, on_changed=on_changed)
    await ingestor.submit(ev("add", review.id, 1, Choice.BAD))
    assert await stored(db, review.id) == {VoteKey(review.id, "overall", 1): Choice.BAD}
    assert seen == [{review.id}]
    await ingestor.close()


async def test_votes_racing_a_close_are_not_counted(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite3"
    main = await Database.open(path)
    writer_db = await Database.open(path)
    ingestor = VoteIngestor(writer_db)
    try:
        review = await open_review(main)
        await ingestor.submit(ev("add", review.id, 1, Choice.GOOD))
        assert await ReviewsRepo(main).close(
            review.id, 1, verdict_json="{}", community_risk="low", closed_by=None, reason="deadline", now=NOW
        )
        await asyncio.gather(
            ingestor.submit(ev("add", review.id, 2, Choice.BAD)),
            ingestor.submit(ev("remove", review.id, 1, Choice.GOOD)),
        )
        assert await stored(main, review.id) == {VoteKey(review.id, "overall", 1): Choice.GOOD}
    finally:
        await ingestor.close()
        await main.close()
        await writer_db.close()


async def test_close_flushes_the_queue_and_then_refuses(db: Database) -> None:
    review = await open_review(db)
    ingestor = VoteIngestor(db)
    futures = [ingestor.submit(ev("add", review.id, m, Choice.UNSURE)) for m in range(1, 101)]
    await ingestor.close()
    assert all(f.done() and f.exception() is None for f in futures)
    assert (await VotesRepo(db).tally(review.id, 1)).count("overall", Choice.UNSURE) == 100
    with pytest.raises(IngestClosedError):
        ingestor.submit(ev("add", review.id, 1, Choice.GOOD))


async def test_prepared_ops_keep_their_place_in_the_queue(db: Database) -> None:
    review = await open_review(db)
    ingestor = VoteIngestor(db)
    key = GuildKey(1, VoteKey(review.id, "overall", 1))
    ingestor.submit(ev("add", review.id, 1, Choice.GOOD))
    ingestor.submit_ops(VoteOps(deletes_if=((key, Choice.GOOD),)))
    ingestor.submit(ev("remove", review.id, 1, Choice.GOOD))  # nothing left to remove
    last = ingestor.submit(ev("add", review.id, 2, Choice.BAD))
    await last
    assert await stored(db, review.id) == {VoteKey(review.id, "overall", 2): Choice.BAD}
    await ingestor.close()


async def test_busy_database_is_retried_then_written(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite3"
    main = await Database.open(path)
    writer_db = await Database.open(path, busy_timeout_ms=20)
    try:
        review = await open_review(main)
        await main.execute("BEGIN IMMEDIATE")  # another writer holds the lock
        sleeps: list[float] = []

        async def sleep(seconds: float) -> None:
            sleeps.append(seconds)
            if len(sleeps) == 2:
                await main.conn.commit()  # the other writer finishes

        ingestor = VoteIngestor(writer_db, retry_delays=(0.0, 0.0, 0.0, 0.0), sleep=sleep)
        await ingestor.submit(ev("add", review.id, 1, Choice.BAD))
        assert ingestor.stats.retries == 2 and ingestor.stats.failed_events == 0
        assert await stored(main, review.id) == {VoteKey(review.id, "overall", 1): Choice.BAD}
        await ingestor.close()
    finally:
        await main.close()
        await writer_db.close()


async def test_batch_failing_after_retries_surfaces_through_futures(tmp_path: Path, caplog) -> None:
    path = tmp_path / "v.sqlite3"
    main = await Database.open(path)
    writer_db = await Database.open(path, busy_timeout_ms=10)
    try:
        review = await open_review(main)
        await main.execute("BEGIN IMMEDIATE")
        ingestor = VoteIngestor(writer_db, retry_delays=(0.0, 0.0))
        futures = [ingestor.submit(ev("add", review.id, m, Choice.GOOD)) for m in (1, 2)]
        for future in futures:
            with pytest.raises(IngestFailedError, match="2 vote events were not stored"):
                await future
        assert ingestor.stats.failed_events == 2 and ingestor.stats.retries == 2
        assert "VOTES LOST" in caplog.text
        await main.conn.commit()
        # The writer keeps going: later events are stored.
        await ingestor.submit(ev("add", review.id, 3, Choice.GOOD))
        assert await stored(main, review.id) == {VoteKey(review.id, "overall", 3): Choice.GOOD}
        await ingestor.close()
    finally:
        await main.close()
        await writer_db.close()
