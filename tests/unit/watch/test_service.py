"""WatchService over a real database with a scripted checker: limits, failures, isolation."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from bot.analysis import PageContext, Report, RobotsResult, analyze
from bot.analysis.urls import host_of
from bot.fetch import FetchTimeout
from bot.settings import WatchSettings
from bot.storage.database import Database
from bot.storage.watches import WatchRepo
from bot.watch.service import WatchError, WatchService
from tests.e2e.pages import article

TARGET = "compost-supplies.test"
LINK = '<a href="https://www.compost-supplies.test/bins">compost bin guide</a>'


def report(url: str, html: str) -> Report:
    return analyze(html, url, target=TARGET, context=PageContext(final_url=url, status=200,
                                                                 robots=RobotsResult(True, "test")))


class Intervals:
    async def watch_interval_hours(self, guild_id: int) -> float:
        return 168.0


class ScriptedChecker:
    """Answers from `pages`; with `gated`, every check waits for its own release."""

    def __init__(self) -> None:
        self.pages: dict[str, str | Exception] = {}
        self.gated = False
        self.gates: dict[str, asyncio.Event] = {}
        self.started: asyncio.Queue[str] = asyncio.Queue()
        self.active: Counter[str] = Counter()
        self.max_active = 0
        self.max_per_host = 0
        self.target_pages: list[bool] = []

    def validate(self, url: str, target: str | None = None) -> tuple[str, str | None]:
        return url, target

    async def check(self, url: str, *, target: str | None = None, keyword: str | None = None,
                    target_page: bool = True) -> Report:
        self.target_pages.append(target_page)
        host = host_of(url)
        self.active[host] += 1
        self.max_active = max(self.max_active, sum(self.active.values()))
        self.max_per_host = max(self.max_per_host, self.active[host])
        try:
            self.started.put_nowait(url)
            if self.gated:
                await self.gates.setdefault(url, asyncio.Event()).wait()
            page = self.pages[url]
            if isinstance(page, Exception):
                raise page
            return report(url, page)
        finally:
            self.active[host] -= 1


def service(db: Database, checker: ScriptedChecker, **settings: int) -> WatchService:
    return WatchService(WatchRepo(db), checker, Intervals(), WatchSettings(**settings), random=lambda: 0.5,
                        per_host=1)


async def add(svc: WatchService, checker: ScriptedChecker, url: str, guild_id: int = 1, now: float = 0.0):
    checker.pages[url] = article(LINK)
    return await svc.add(guild_id=guild_id, channel_id=9, member_id=5, member_name="maria", url=url,
                         target=TARGET, keyword=None, now=now)


async def test_concurrency_and_per_host_limits_without_holding_slots(db):
    checker = ScriptedChecker()
    svc = service(db, checker, concurrency=2)
    urls = [f"https://{h}.test/{i}" for h, i in (("a", 1), ("a", 2), ("a", 3), ("b", 1), ("b", 2), ("c", 1))]
    for url in urls:
        await add(svc, checker, url)
    while not checker.started.empty():
        checker.started.get_nowait()
    checker.gated = True
    run = asyncio.create_task(svc.run_due(1, 200 * 3600.0))
    first = {await checker.started.get(), await checker.started.get()}
    # A watch waiting for its busy host takes no slot: the two slots go to two different hosts.
    # (Which ones is up to the engine: PostgreSQL's pool answers the baseline reads concurrently.)
    assert len({host_of(u) for u in first}) == 2
    for _ in range(20):
        await asyncio.sleep(0)  # let any wrongly admitted check start
    assert checker.started.empty()
    for url in urls:
        checker.gates.setdefault(url, asyncio.Event()).set()
    alerts = await run
    assert len(alerts) == 6 and all(a.changes == () for a in alerts)
    assert checker.max_active == 2 and checker.max_per_host == 1
    assert checker.target_pages[-6:] == [False] * 6  # re-checks never read the target's page again


async def test_failures_in_a_row_and_retry_schedule(db):
    checker = ScriptedChecker()
    svc = service(db, checker)
    url = "https://a.test/post"
    added = await add(svc, checker, url)
    assert added.watch.next_due_at == 168 * 3600.0
    checker.pages[url] = FetchTimeout()
    first = await svc.run_due(1, 200 * 3600.0)
    assert first[0].changes == () and not first[0].observation.ok
    watch = await svc.repo.get(1, added.watch.id)
    assert watch is not None and watch.failures == 1 and watch.next_due_at == 200 * 3600.0 + 3600.0
    assert await svc.run_due(1, 200 * 3600.0 + 1800) == []  # the retry is not due yet
    second = await svc.run_due(1, 202 * 3600.0)
    assert [c.kind for c in second[0].changes] == ["unreachable"]
    checker.pages[url] = article("gone")
    third = await svc.run_due(1, 204 * 3600.0)
    assert [c.kind for c in third[0].changes] == ["reachable", "link_lost"]


async def test_guilds_are_isolated_and_removal_is_owned(db):
    checker = ScriptedChecker()
    svc = service(db, checker)
    mine = await add(svc, checker, "https://a.test/x", guild_id=1)
    await add(svc, checker, "https://a.test/x", guild_id=2)  # the same page in another guild is its own
    with pytest.raises(WatchError, match="already watches"):
        await add(svc, checker, "https://a.test/x", guild_id=1)
    assert [w.guild_id for w, _ in await svc.listing(2)] == [2]
    with pytest.raises(WatchError, match="no watch"):
        await svc.remove(2, mine.watch.id, member_id=5, is_moderator=True)
    with pytest.raises(WatchError, match="your own"):
        await svc.remove(1, mine.watch.id, member_id=6, is_moderator=False)
    assert (await svc.remove(1, mine.watch.id, member_id=5, is_moderator=False)).id == mine.watch.id
    assert await svc.run_due(2, 1e9) and await svc.run_due(1, 1e9) == []


async def test_max_per_guild(db):
    checker = ScriptedChecker()
    svc = service(db, checker, max_per_guild=1)
    await add(svc, checker, "https://a.test/1")
    with pytest.raises(WatchError, match="1 links already"):
        await add(svc, checker, "https://a.test/2")


async def test_a_purged_guild_leaves_no_watch_behind(db):
    from bot.storage.guild_settings import GuildSettingsRepo

    checker = ScriptedChecker()
    svc = service(db, checker)
    await add(svc, checker, "https://a.test/x", guild_id=1)
    await add(svc, checker, "https://a.test/x", guild_id=2)
    repo = GuildSettingsRepo(db)
    assert {1, 2} <= await repo.guilds_with_data()
    await repo.mark_left(1, 10.0)
    assert await repo.purge_guild(1, left_before=20.0)
    rows = await db.fetchall("SELECT guild_id FROM watches UNION ALL SELECT guild_id FROM watch_observations")
    assert [r[0] for r in rows] == [2, 2]
