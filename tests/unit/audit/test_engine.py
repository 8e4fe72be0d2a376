"""The audit engine's scheduling, with a fetcher the test drives: a busy host never holds a slot,
rows come out in input order, and a cancelled run still hands over what was done."""

from __future__ import annotations

import asyncio
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.audit.engine import AuditEngine, AuditTarget
from bot.audit.inputs import SourceRow
from bot.checking import TargetInfo
from bot.fetch import AddressPolicy, FetchResult, FetchTimeout, NotHTML, RobotsResult
from bot.settings import FetchSettings

PAGE = '<html><body><main><p>Compost {}</p><a href="https://t.example/">Compost bins</a></main></body></html>'


class DrivenFetcher:
    """Every page waits until the test releases it; in-flight pages are visible per host."""

    def __init__(self) -> None:
        self.policy = AddressPolicy(allow_private=False)
        self.in_flight: Counter[str] = Counter()
        self.released: dict[str, asyncio.Event] = {}
        self.changed = asyncio.Event()
        self.peak_hosts = 0

    def release(self, url: str) -> None:
        self.released.setdefault(url, asyncio.Event()).set()

    async def fetch_page(self, url: str) -> FetchResult:
        host = url.split("/")[2]
        self.in_flight[host] += 1
        self.peak_hosts = max(self.peak_hosts, len(+self.in_flight))
        self.changed.set()
        try:
            await self.released.setdefault(url, asyncio.Event()).wait()
        finally:
            self.in_flight[host] -= 1
        if url.endswith("/slow"):
            raise FetchTimeout()
        if url.endswith("/gone.pdf"):
            raise NotHTML(status=410)
        return FetchResult(url=url, final_url=url, status=200, headers={}, body=b"", text=PAGE.format(url),
                           encoding="utf-8", content_type="text/html", redirects=(), elapsed=0.0)

    async def robots(self, url: str) -> RobotsResult:
        return RobotsResult(True, url, 200, "robots.txt allows this URL")

    async def wait_host(self, host: str) -> None:
        while not self.in_flight[host]:
            self.changed.clear()
            await self.changed.wait()

    async def wait_in_flight(self, total: int) -> Counter[str]:
        while sum(self.in_flight.values()) != total:
            self.changed.clear()
            await self.changed.wait()
        return +self.in_flight


@pytest.fixture
def executor():
    with ThreadPoolExecutor(max_workers=2) as pool:
        yield pool


AUDIT = AuditTarget(target="t.example", keyword="compost bins", info=TargetInfo(None, None))


def sorted_by_host(hosts: int, per_host: int) -> list[SourceRow]:
    return [SourceRow(h * per_host + i, f"https://h{h}.example/p{i}") for h in range(hosts) for i in range(per_host)]


async def test_an_export_sorted_by_host_runs_several_hosts_at_once(executor):
    fetcher = DrivenFetcher()
    engine = AuditEngine(fetcher, executor, FetchSettings(per_host_concurrency=2), concurrency=6)  # type: ignore[arg-type]
    sources = sorted_by_host(3, 5)
    out: list[int] = []

    async def emit(row):
        out.append(row.index)

    run = asyncio.create_task(engine.run(sources, AUDIT, emit))
    # Six slots, two per host: the first three hosts fill them, none waits behind h0.
    assert await fetcher.wait_in_flight(6) == Counter({"h0.example": 2, "h1.example": 2, "h2.example": 2})
    # Release the rows in reverse order: they still come out in input order.
    for source in reversed(sources):
        fetcher.release(source.source_url)
    await run
    assert out == list(range(15))
    assert fetcher.peak_hosts == 3


async def test_cancelled_run_emits_every_finished_row_in_order(executor):
    fetcher = DrivenFetcher()
    engine = AuditEngine(fetcher, executor, FetchSettings(per_host_concurrency=1), concurrency=3)  # type: ignore[arg-type]
    sources = [SourceRow(i, f"https://h{i}.example/") for i in range(3)] + [SourceRow(3, "https://h3.example/slow")]
    out = []

    async def emit(row):
        out.append(row)

    run = asyncio.create_task(engine.run(sources, AUDIT, emit))
    await fetcher.wait_in_flight(3)
    fetcher.release(sources[2].source_url)  # a later row finishes while the first two hang
    # The observable sign that row 2 is done: its slot went to the fourth row. Row 2 waits for rows
    # 0 and 1 to be emitted; only the cancellation hands it over.
    await fetcher.wait_host("h3.example")
    assert out == []
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert [r.index for r in out] == [2]
    assert out[0].outcome == "analysed" and out[0].target_found == "yes"


async def test_refused_and_failed_sources_are_rows(executor):
    fetcher = DrivenFetcher()
    engine = AuditEngine(fetcher, executor, FetchSettings(), concurrency=2)  # type: ignore[arg-type]
    sources = [SourceRow(0, "ftp://x.example/"), SourceRow(1, "http://10.0.0.1/"), SourceRow(2, "https://a.example/slow"),
               SourceRow(3, "https://b.example/gone.pdf", export_rel="dofollow")]
    fetcher.release("https://a.example/slow")
    fetcher.release("https://b.example/gone.pdf")
    out = []

    async def emit(row):
        out.append(row)

    await engine.run(sources, AUDIT, emit)
    assert [(r.outcome, bool(r.error)) for r in out] == [
        ("refused", True), ("refused", True), ("fetch_failed", True), ("http_error", True)]
    assert out[3].http_status == 410 and out[3].notes == ("link lost",)
    assert "10.0.0.1" not in out[1].error
