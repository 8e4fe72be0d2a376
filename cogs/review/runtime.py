"""The review extension's running parts: built when the cog loads, stopped when it unloads.

It wires the Discord side (board, vote desk, reaction tidier) and the runtime machinery (the vote
writer, the tally coalescer) to the review service, owns every background task of the feature,
and runs the two loops the service leaves to its caller: the deadline sweep and reconciliation.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from bot.review.service import ReviewService
from bot.review_runtime.coalesce import TallyCoalescer
from bot.review_runtime.ingest import VoteIngestor
from bot.storage.database import Database
from cogs.review.board import DiscordBoard
from cogs.review.tidy import ReactionTidier
from cogs.review.votes import VoteDesk

if TYPE_CHECKING:
    from bot.client import SecondOpinionBot

log = logging.getLogger(__name__)

DEADLINE_CHECK_CAP_SECONDS = 60.0


class ReviewRuntime:
    def __init__(self, bot: SecondOpinionBot, ingest_db: Database | None) -> None:
        services = bot.services
        review_settings = bot.settings.review
        self.bot = bot
        self.clock = bot.clock
        self._ingest_db = ingest_db
        self.coalescer = TallyCoalescer(self._refresh_summary, interval=review_settings.tally_edit_interval)
        self.ingestor = VoteIngestor(ingest_db or services.db, on_changed=self.coalescer.mark_many)
        self.tidier = ReactionTidier(bot)
        self.desk = VoteDesk(bot, self.ingestor, self.tidier, services.guild_settings.rules, self.clock)
        self.board = DiscordBoard(bot)
        self.service: ReviewService = services.review_service(
            board=self.board, live=self.desk, queue=self.ingestor, display=self.coalescer, background=self,
            alarm=self, clock=self.clock, cooldown_seconds=review_settings.review_cooldown_seconds,
            # Several processes may share the database, each running some shards: the service does
            # the background work (deadlines, reconciliation, the start-up sweep) of its own only.
            shards=bot.shard_plan,
        )
        self.tasks: set[asyncio.Task[Any]] = set()
        self._deadline_task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._reconcile_task: asyncio.Task[None] | None = None
        self._reconcile_again = False
        self.reconcile_runs = 0  # finished reconciliation passes, for the logs and the tests

    @classmethod
    async def start(cls, bot: SecondOpinionBot) -> ReviewRuntime:
        db = bot.services.db
        ingest_db = None
        if db.description != ":memory:":
            # The writer's transactions span several awaits: its own connection keeps other
            # tasks' statements out of them and lets reads go on meanwhile (WAL on SQLite, a pool
            # of its own on PostgreSQL).
            ingest_db = await db.open_another()
        runtime = cls(bot, ingest_db)
        try:
            runtime.ingestor.start()
            await runtime.service.load_open_reviews()
        except BaseException:
            # A cog whose load fails (or is cancelled by a stop during start-up) is never added,
            # so cog_unload will not run: close the connection's thread here, or the process
            # cannot exit.
            await runtime.close()
            raise
        bot.services.review = runtime.service
        return runtime

    async def close(self) -> None:
        if self.bot.services.review is self.service:
            self.bot.services.review = None
        tasks = [t for t in (self._deadline_task, self._reconcile_task, *self.tasks) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.tidier.close()
        await self.coalescer.close(flush=False)  # the next start refreshes every open summary
        await self.ingestor.close()
        if self._ingest_db is not None:
            await self._ingest_db.close()

    async def _refresh_summary(self, review_id: int) -> None:
        await self.service.refresh_summary(review_id)

    # -- what the service is handed: Background and DeadlineAlarm ------------------------------------
    def spawn(self, work: Coroutine[Any, Any, Any], name: str) -> None:
        task = asyncio.get_running_loop().create_task(work, name=name)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def finish(self, work: Coroutine[Any, Any, Any]) -> None:
        await asyncio.shield(work)

    def wake(self) -> None:
        self._wake.set()

    @property
    def settled(self) -> bool:
        """No background work of the feature is running or pending (tests wait for this)."""
        return not self.tasks and not any(self.coalescer.is_pending(r) for r in self.desk.reviews)

    # -- deadlines -------------------------------------------------------------------------------
    def start_deadlines(self) -> None:
        if self._deadline_task is None or self._deadline_task.done():
            self._deadline_task = asyncio.get_running_loop().create_task(self._deadline_loop(), name="deadlines")

    async def _deadline_loop(self) -> None:
        while True:
            self._wake.clear()
            next_at: float | None = None
            try:
                next_at = await self.service.sweep_deadlines()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("the deadline sweep failed")
            delay = DEADLINE_CHECK_CAP_SECONDS if next_at is None else next_at - self.clock()
            delay = min(DEADLINE_CHECK_CAP_SECONDS, max(0.05, delay))
            try:
                await asyncio.wait_for(self._wake.wait(), delay)
            except TimeoutError:
                pass

    # -- reconciliation ----------------------------------------------------------------------------
    @property
    def reconciling(self) -> bool:
        return self._reconcile_task is not None and not self._reconcile_task.done()

    def schedule_reconcile(self) -> None:
        """Run a reconciliation pass now, or once more after the one running (events may be missed)."""
        if self.reconciling:
            self._reconcile_again = True
            return
        self._reconcile_task = asyncio.get_running_loop().create_task(self._reconcile_loop(), name="reconcile")

    async def _reconcile_loop(self) -> None:
        while True:
            self._reconcile_again = False
            try:
                await self.service.reconcile_all()
            except Exception:
                log.exception("reconciliation pass failed")
            self.reconcile_runs += 1
            log.debug("reconciliation pass %d done", self.reconcile_runs)
            if not self._reconcile_again:
                return
