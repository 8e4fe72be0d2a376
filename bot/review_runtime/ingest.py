"""VoteIngestor: every vote event is queued and written by one task, in batches, one transaction each.

Why: each awaited aiosqlite call costs about 250 µs (a hop to its worker thread and back), so a
handler awaiting its own statements caps out near 1,000 events/s. Here the writer takes all that
is queued, collapses it to at most one write per (review, factor, member) with the same effect as
applying the events one by one (`collapse_events`), and writes it with a handful of calls. There
is no timer: a lone event is written at once, and under load batches grow by themselves while the
previous one is being committed.

Give the ingestor a Database of its own (a second connection to the same file): its transaction
spans several awaits, and another task's statement on a shared connection would run inside it.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.review.ports import VoteQueueClosedError
from bot.review.votes import VoteEvent, VoteOps, collapse_events
from bot.storage.database import Database, StorageBusyError
from bot.storage.votes import VotesRepo

log = logging.getLogger(__name__)

_STOP: Any = object()


class IngestClosedError(VoteQueueClosedError):
    """The ingestor is shutting down and takes no more events."""


class IngestFailedError(RuntimeError):
    """A batch could not be written even after retrying; its events were not stored."""


@dataclass
class IngestStats:
    events: int = 0
    batches: int = 0
    largest_batch: int = 0
    retries: int = 0
    failed_events: int = 0


@dataclass
class _Item:
    payload: VoteEvent | VoteOps
    future: asyncio.Future[None]


ChangedCallback = Callable[[set[int]], Awaitable[None] | None]


class VoteIngestor:
    def __init__(
        self,
        db: Database,
        *,
        on_changed: ChangedCallback | None = None,
        max_batch: int = 5000,
        retry_delays: Sequence[float] = (0.05, 0.1, 0.25, 0.5, 1.0),
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.db = db
        self.on_changed = on_changed
        self.max_batch = max_batch
        self.retry_delays = tuple(retry_delays)
        self._sleep = sleep
        self._queue: asyncio.Queue[_Item] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.stats = IngestStats()

    @property
    def pending(self) -> int:
        return self._queue.qsize()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="vote-ingestor")

    def submit(self, event: VoteEvent) -> asyncio.Future[None]:
        """Queue one event; the future resolves once it is committed (or fails loudly)."""
        return self._put(event)

    def submit_ops(self, ops: VoteOps) -> asyncio.Future[None]:
        """Queue prepared writes (reconciliation) so they go through the one writer, in order."""
        return self._put(ops)

    def _put(self, payload: VoteEvent | VoteOps) -> asyncio.Future[None]:
        if self._closing:
            raise IngestClosedError("the vote ingestor is closed")
        if self._task is None:
            self.start()
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Item(payload, future))
        return future

    async def close(self) -> None:
        """Stop taking events, write everything already queued, and end the writer."""
        if self._closing:
            if self._task is not None:
                await asyncio.shield(self._task)
            return
        self._closing = True
        if self._task is None:
            return
        self._queue.put_nowait(_STOP)
        await asyncio.shield(self._task)

    async def _run(self) -> None:
        batch: list[_Item] = []
        try:
            while True:
                first = await self._queue.get()
                if first is _STOP:
                    return
                batch = [first]
                stop = False
                while len(batch) < self.max_batch:
                    try:
                        item = self._queue.get_nowait()
                    except asyncio.QueueEmpty:
                        break
                    if item is _STOP:
                        stop = True
                        break
                    batch.append(item)
                await self._write(batch)
                batch = []
                if stop:
                    return
        except asyncio.CancelledError:
            # Not a clean shutdown: whatever was taken or still queued was not stored.
            for item in batch:
                if not item.future.done():
                    item.future.cancel()
            while not self._queue.empty():
                item = self._queue.get_nowait()
                if item is not _STOP and not item.future.done():
                    item.future.cancel()
            raise

    @staticmethod
    def _segments(batch: list[_Item]) -> list[VoteOps]:
        # Runs of events collapse together; prepared ops keep their place between them.
        segments: list[VoteOps] = []
        run: list[VoteEvent] = []
        for item in batch:
            if isinstance(item.payload, VoteEvent):
                run.append(item.payload)
                continue
            if run:
                segments.append(collapse_events(run))
                run = []
            segments.append(item.payload)
        if run:
            segments.append(collapse_events(run))
        return segments

    async def _write(self, batch: list[_Item]) -> None:
        segments = self._segments(batch)
        attempt = 0
        while True:
            try:
                async with self.db.transaction() as db:
                    for ops in segments:
                        await VotesRepo.apply_in_transaction(db, ops)
                break
            except (StorageBusyError, sqlite3.OperationalError) as exc:
                if attempt >= len(self.retry_delays):
                    self._fail(batch, exc)
                    return
                delay = self.retry_delays[attempt]
                attempt += 1
                self.stats.retries += 1
                log.warning("vote batch of %d events not written (%s); retry %d in %.2fs", len(batch), exc, attempt, delay)
                await self._sleep(delay)
            except Exception as exc:  # any failure must reach the waiting callers, not vanish
                self._fail(batch, exc)
                return
        self.stats.events += len(batch)
        self.stats.batches += 1
        self.stats.largest_batch = max(self.stats.largest_batch, len(batch))
        for item in batch:
            if not item.future.done():
                item.future.set_result(None)
        await self._notify(set().union(*(ops.review_ids() for ops in segments)))

    def _fail(self, batch: list[_Item], exc: BaseException) -> None:
        self.stats.failed_events += len(batch)
        log.error(
            "VOTES LOST: a batch of %d vote events could not be stored after %d retries: %r",
            len(batch),
            len(self.retry_delays),
            exc,
        )
        error = IngestFailedError(f"{len(batch)} vote events were not stored: {exc}")
        error.__cause__ = exc
        for item in batch:
            if not item.future.done():
                item.future.set_exception(error)
                # The caller may never await it; the loud log above is the record.
                item.future.exception()

    async def _notify(self, review_ids: set[int]) -> None:
        if not review_ids or self.on_changed is None:
            return
        try:
            result = self.on_changed(review_ids)
            if result is not None:
                await result
        except Exception:
            log.exception("the tally-changed callback failed for reviews %s", sorted(review_ids))
