"""The link watch's use cases: add, list, remove, check now, run the due checks of one guild.

Work is per guild (`run_due(guild_id, now)`), so whatever owns a guild (one bot process, a shard
process, or the CLI going through every guild) schedules it; nothing here knows about Discord.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.analysis.report import Report
from bot.analysis.urls import host_of, registrable_domain
from bot.fetch import FetchError
from bot.settings import WatchSettings
from bot.sharding import ShardPlan
from bot.storage.watches import DuplicateWatch, StoredObservation, Watch, WatchRepo
from bot.watch.rules import (
    Change,
    Observation,
    compare,
    failed_observation,
    first_due,
    next_due,
    observation_from_report,
)

log = logging.getLogger(__name__)

# Due watches one guild runs per pass; the rest wait for the next pass, so one guild with a
# backlog cannot hold the process's checks for long.
MAX_DUE_PER_RUN = 100


class Checker(Protocol):
    """What the watch needs of bot.checking.LinkChecker: the one safe fetch and analysis path."""

    def validate(self, url: str, target: str | None = None) -> tuple[str, str | None]: ...

    async def check(
        self, url: str, *, target: str | None = None, keyword: str | None = None, target_page: bool = True
    ) -> Report: ...


class IntervalSource(Protocol):
    async def watch_interval_hours(self, guild_id: int) -> float: ...


class WatchError(Exception):
    """A use case refused: the message is one line a member can read."""


@dataclass(frozen=True)
class WatchAlert:
    """One watch's changes in one re-check (possibly none)."""

    watch: Watch
    observation: Observation
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class WatchTimeline:
    watch: Watch
    observations: tuple[StoredObservation, ...]


def _domain(url: str) -> str:
    return registrable_domain(host_of(url)) or host_of(url)


class WatchService:
    def __init__(
        self,
        repo: WatchRepo,
        checker: Checker,
        intervals: IntervalSource,
        settings: WatchSettings,
        *,
        random: Callable[[], float],
        per_host: int = 2,
    ) -> None:
        self.repo = repo
        self.checker = checker
        self.intervals = intervals
        self.settings = settings
        self.random = random
        # Process-wide: at most `concurrency` re-checks at once, whatever the guild. A re-check first
        # waits for its host (the fetcher's per-host limit, `per_host`) and only then takes a slot, so
        # many watches on one site never hold every slot while they queue for that site.
        self._slots = asyncio.Semaphore(settings.concurrency)
        self._per_host = per_host
        self._hosts: dict[str, tuple[asyncio.Semaphore, list[int]]] = {}
        # Watches being checked right now: a "check now" during a scheduled run must not observe
        # (and alert) twice against the same baseline.
        self._running: set[int] = set()

    # -- use cases -------------------------------------------------------------------------------

    async def add(
        self,
        *,
        guild_id: int,
        channel_id: int,
        member_id: int,
        member_name: str,
        url: str,
        target: str,
        keyword: str | None,
        now: float,
        review_id: int | None = None,
        thread_id: int | None = None,
        check_id: int | None = None,
        baseline: Report | None = None,
    ) -> WatchAlert:
        """Start watching. The first observation is `baseline` (a stored check's report) or a fetch now."""
        url, target = self.validate(url, target)
        if baseline is None:
            try:
                baseline = await self._check(url, target, keyword)
            except FetchError as exc:
                raise WatchError(f"The page could not be checked, so there is nothing to compare with: {exc.user_message}") from None
        observation = observation_from_report(baseline, now)
        interval = await self.intervals.watch_interval_hours(guild_id)
        try:
            watch = await self.repo.add(
                guild_id=guild_id, channel_id=channel_id, created_by=member_id, created_by_name=member_name,
                source_url=url, domain=_domain(url), target=target, keyword=keyword, review_id=review_id,
                thread_id=thread_id, check_id=check_id, created_at=now,
                next_due_at=first_due(now, interval, self.random), baseline=observation,
                max_per_guild=self.settings.max_per_guild,
            )
        except DuplicateWatch:
            raise WatchError("This server already watches that page for that target; /watch list shows it.") from None
        if watch is None:
            raise WatchError(f"This server watches {self.settings.max_per_guild} links already, the most it may.")
        return WatchAlert(watch=watch, observation=observation, changes=())

    def validate(self, url: str, target: str) -> tuple[str, str]:
        """The URL and target as they are stored, or WatchError for one the fetcher refuses."""
        try:
            url, checked_target = self.checker.validate(url, target)
        except FetchError as exc:
            raise WatchError(exc.user_message) from None
        return url, checked_target or target

    async def get(self, guild_id: int, watch_id: int) -> Watch | None:
        return await self.repo.get(guild_id, watch_id)

    async def listing(self, guild_id: int) -> list[tuple[Watch, StoredObservation | None]]:
        watches = await self.repo.in_guild(guild_id)
        return [(w, await self.repo.latest(guild_id, w.id)) for w in watches]

    async def remove(self, guild_id: int, watch_id: int, *, member_id: int, is_moderator: bool) -> Watch:
        watch = await self.repo.get(guild_id, watch_id)
        if watch is None:
            raise WatchError(f"There is no watch #{watch_id} in this server.")
        if watch.created_by != member_id and not is_moderator:
            raise WatchError("You can remove your own watches; moderators can remove any.")
        if not await self.repo.remove(guild_id, watch_id):
            raise WatchError(f"Watch #{watch_id} was removed already.")
        return watch

    async def check_now(self, guild_id: int, watch_id: int, now: float) -> WatchAlert:
        watch = await self.repo.get(guild_id, watch_id)
        if watch is None:
            raise WatchError(f"There is no watch #{watch_id} in this server.")
        if watch.id in self._running:
            raise WatchError(f"Watch #{watch_id} is being checked right now; its alert follows.")
        interval = await self.intervals.watch_interval_hours(guild_id)
        alert = await self._run_one(watch, now, interval)
        if alert is None:
            raise WatchError(f"Watch #{watch_id} was removed while it was checked.")
        return alert

    async def run_due(self, guild_id: int, now: float) -> list[WatchAlert]:
        """Re-check the guild's due watches, at most `[watch] concurrency` at once in the process.
        Returns every re-check's result, in the order the watches came due."""
        due = [w for w in await self.repo.due(guild_id, now, MAX_DUE_PER_RUN) if w.id not in self._running]
        if not due:
            return []
        interval = await self.intervals.watch_interval_hours(guild_id)
        results = await asyncio.gather(*(self._run_one(w, now, interval) for w in due))
        return [r for r in results if r is not None]

    async def guilds_due(self, now: float, *, shards: ShardPlan | None = None) -> list[int]:
        """Guilds with a due watch; with shards, only the guilds of those shards."""
        return await self.repo.guilds_due(now, shards=shards)

    async def timelines(self, guild_id: int, domain: str, limit: int = 20) -> list[WatchTimeline]:
        return [
            WatchTimeline(w, tuple(await self.repo.timeline(guild_id, w.id, limit)))
            for w in await self.repo.for_domain(guild_id, domain)
        ]

    # -- one re-check ------------------------------------------------------------------------------

    async def _check(self, url: str, target: str, keyword: str | None, *, target_page: bool = True) -> Report:
        host = host_of(url).lower()
        entry = self._hosts.get(host)
        if entry is None:
            entry = self._hosts[host] = (asyncio.Semaphore(self._per_host), [0])
        semaphore, users = entry
        users[0] += 1
        try:
            async with semaphore, self._slots:
                return await self.checker.check(url, target=target, keyword=keyword, target_page=target_page)
        finally:
            users[0] -= 1
            if users[0] == 0 and self._hosts.get(host) is entry:
                del self._hosts[host]

    async def _run_one(self, watch: Watch, now: float, interval_hours: float) -> WatchAlert | None:
        if watch.id in self._running:
            return None
        self._running.add(watch.id)
        try:
            baseline = await self.repo.last_success(watch.guild_id, watch.id)
            try:
                # The target's own page is not read again: the comparisons never use it.
                report = await self._check(watch.source_url, watch.target, watch.keyword, target_page=False)
                observation = observation_from_report(report, now)
            except FetchError as exc:
                log.info("watch %s: fetch failed (%s)", watch.id, exc.kind)
                observation = failed_observation(now, exc.kind, exc.user_message)
            changes = compare(baseline, observation, watch.failures)
            failures = 0 if observation.ok else watch.failures + 1
            due = next_due(now, interval_hours, self.random, failed=not observation.ok)
            stored = await self.repo.record(
                watch.guild_id, watch.id, observation, tuple(c.kind for c in changes),
                failures=failures, next_due_at=due,
            )
            if not stored:
                return None
            return WatchAlert(watch=watch, observation=observation, changes=tuple(changes))
        finally:
            self._running.discard(watch.id)


def changes_as_dicts(alerts: Sequence[WatchAlert]) -> list[dict[str, object]]:
    """The CLI's JSON: one object per change."""
    return [
        {
            "watch_id": a.watch.id,
            "guild_id": a.watch.guild_id,
            "source_url": a.watch.source_url,
            "target": a.watch.target,
            "change": c.kind,
            "before": c.before,
            "after": c.after,
        }
        for a in alerts
        for c in a.changes
    ]
