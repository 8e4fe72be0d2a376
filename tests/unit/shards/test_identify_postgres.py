"""The PostgreSQL identify gate on a real server: one holder per bucket across connections (as
across processes), a dead holder's lock freed by the server, a wait that can be cancelled.

The throwaway server and the ``pg_url`` fixture come with the PostgreSQL engine (tests/pg.py); until
that is merged this module has nothing to run against.
"""

from __future__ import annotations

import asyncio

import pytest

from bot.identify import PostgresIdentifyGate

pytest.importorskip("tests.pg", reason="the test PostgreSQL server (tests/pg.py) comes with the PostgreSQL engine")
asyncpg = pytest.importorskip("asyncpg")


async def _waiting_for_advisory_locks(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"))
    finally:
        await conn.close()


async def _until_waiting(url: str, count: int) -> None:
    # Polls the server's lock table: the state the test needs, not a guessed delay.
    async with asyncio.timeout(30):
        while True:
            if await _waiting_for_advisory_locks(url) == count:
                return
            await asyncio.sleep(0.02)


async def test_one_holder_per_bucket_across_connections(pg_url):
    first, second = (PostgresIdentifyGate(lambda: asyncpg.connect(pg_url)) for _ in range(2))
    order: list[str] = []
    first_in, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with first.bucket(0):
            order.append("first in")
            first_in.set()
            await release.wait()
            order.append("first out")

    async def contend() -> None:
        async with second.bucket(0):
            order.append("second in")

    holder = asyncio.create_task(hold())
    await first_in.wait()
    contender = asyncio.create_task(contend())
    await _until_waiting(pg_url, 1)  # the second gate is queued in the server behind the first
    async with second.bucket(1):  # another bucket is free meanwhile
        order.append("bucket 1")
    release.set()
    await asyncio.gather(holder, contender)
    assert order == ["first in", "bucket 1", "first out", "second in"]


async def test_a_dead_holder_frees_the_bucket_and_a_wait_can_be_cancelled(pg_url):
    holder = await asyncpg.connect(pg_url)
    await holder.execute("SELECT pg_advisory_lock($1, $2)", PostgresIdentifyGate.LOCK_NAMESPACE, 0)
    gate = PostgresIdentifyGate(lambda: asyncpg.connect(pg_url))

    async def take() -> None:
        async with gate.bucket(0):
            pass

    waiting = asyncio.create_task(take())
    await _until_waiting(pg_url, 1)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await _until_waiting(pg_url, 0)  # the cancelled wait left the server's queue

    taken = asyncio.create_task(take())
    await _until_waiting(pg_url, 1)
    holder.terminate()  # the holding process dies without unlocking
    await asyncio.wait_for(taken, 30)
