"""The audit engine: fetch every source page with the safe fetcher, analyse it in worker
processes, hand rows back in input order.

Scheduling, and why:
- `concurrency` bounds the pages in flight (fetching or being analysed).
- A page only takes one of those slots when its host has room (`per_host_concurrency`), so a
  busy host never holds a slot while it waits: an export sorted by host still runs many hosts
  at once. The fetcher enforces the same per-host limit again underneath, for every caller.
- Only a window of rows past the oldest unfinished one is read ahead, so memory stays flat
  however long the export, and rows can be written in input order as they finish.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import Executor
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.audit.inputs import SourceRow
from bot.audit.rows import AuditRow, analysed_row, failed_row
from bot.audit.worker import PageJob, analyse_job
from bot.checking import TargetInfo, read_title_and_description, target_fetch_url
from bot.fetch import AddressPolicy, FetchError, NotHTML, RefusedURL, SafeFetcher, normalize_url
from bot.settings import FetchSettings

log = logging.getLogger(__name__)

MSG_ANALYSIS_SLOW = "The page took too long to analyse; it is probably malformed or enormous."
MSG_ANALYSIS_FAILED = "The page could not be analysed (it is not readable HTML)."


@dataclass(frozen=True)
class AuditTarget:
    target: str
    keyword: str | None
    info: TargetInfo


def outcome_of(error: FetchError) -> str:
    if isinstance(error, RefusedURL):
        return "refused"
    if isinstance(error, NotHTML):
        return "not_html"
    return "fetch_failed"


def _http_error(status: int) -> str:
    return f"The page answers with HTTP {status}."


def validate_target(target: str, settings: FetchSettings, policy: AddressPolicy) -> str:
    """A URL target is normalised (and refused) like a source; a domain stays as given."""
    if "://" in target:
        return normalize_url(target, settings, policy)
    return target


class AuditEngine:
    def __init__(
        self,
        fetcher: SafeFetcher,
        executor: Executor,
        settings: FetchSettings,
        *,
        concurrency: int = 16,
        time_limit: float = 10.0,
        window: int = 1024,
    ) -> None:
        self.fetcher = fetcher
        self.executor = executor
        self.settings = settings
        self.concurrency = max(1, concurrency)
        self.per_host = max(1, settings.per_host_concurrency)
        self.time_limit = time_limit
        self.window = max(window, self.concurrency * 4)

    async def prepare(self, target: str, keyword: str | None) -> AuditTarget:
        """Fetch the target page once for the whole audit; a failure leaves its title unknown."""
        try:
            page = await self.fetcher.fetch_page(target_fetch_url(target))
            loop = asyncio.get_running_loop()
            info = await loop.run_in_executor(self.executor, read_title_and_description, page.text)
        except FetchError as exc:
            log.info("target page unavailable: %s", exc.kind)
            info = TargetInfo(None, None)
        return AuditTarget(target=target, keyword=keyword, info=info)

    async def run(
        self,
        sources: Iterable[SourceRow],
        audit: AuditTarget,
        emit: Callable[[AuditRow], Awaitable[None]],
    ) -> None:
        """Audit `sources`; `emit` gets each row in input order. Cancelled, it still emits every
        finished row (in order, skipping the unfinished) before the cancellation goes on."""
        it = iter(sources)
        exhausted = False
        queues: dict[str, deque[tuple[int, SourceRow, str]]] = {}
        active: Counter[str] = Counter()
        ready: deque[str] = deque()
        done: dict[int, AuditRow] = {}
        running: dict[asyncio.Task[AuditRow], tuple[int, str]] = {}
        read = next_out = 0

        def make_ready(host: str) -> None:
            if host in queues and active[host] < self.per_host and host not in ready:
                ready.append(host)

        try:
            while True:
                while not exhausted and read - next_out < self.window:
                    source = next(it, None)
                    if source is None:
                        exhausted = True
                        break
                    position, read = read, read + 1
                    try:
                        url = normalize_url(source.source_url, self.settings, self.fetcher.policy)
                    except RefusedURL as exc:
                        done[position] = failed_row(source, "refused", exc.user_message)
                        continue
                    host = (urlsplit(url).hostname or "").lower()
                    queues.setdefault(host, deque()).append((position, source, url))
                    make_ready(host)
                while ready and len(running) < self.concurrency:
                    host = ready.popleft()
                    position, source, url = queues[host].popleft()
                    if not queues[host]:
                        del queues[host]
                    active[host] += 1
                    make_ready(host)
                    task = asyncio.create_task(self._one(source, url, audit))
                    running[task] = (position, host)
                while next_out in done:
                    await emit(done.pop(next_out))
                    next_out += 1
                if not running:
                    if exhausted and not queues:
                        return
                    continue
                finished, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in finished:
                    position, host = running.pop(task)
                    active[host] -= 1
                    if not active[host]:
                        del active[host]
                    done[position] = task.result()
                    make_ready(host)
        except asyncio.CancelledError:
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
            for task, (position, _host) in running.items():
                if task.done() and not task.cancelled() and task.exception() is None:
                    done[position] = task.result()
            running.clear()
            for position in sorted(done):
                await emit(done[position])
            raise
        finally:
            # Any other way out (emit failed: a closed pipe, a full disk) leaves no page running.
            for task in running:
                task.cancel()
            if running:
                await asyncio.gather(*running, return_exceptions=True)

    async def _one(self, source: SourceRow, url: str, audit: AuditTarget) -> AuditRow:
        page_task = asyncio.create_task(self.fetcher.fetch_page(url))
        robots_task = asyncio.create_task(self.fetcher.robots(url))
        try:
            page = await page_task
        except FetchError as exc:
            robots_task.cancel()
            await asyncio.gather(robots_task, return_exceptions=True)
            if exc.status is not None and exc.status >= 400:
                # An error status decides the outcome, whatever the body was (a 404 PDF, a huge 500).
                return failed_row(source, "http_error", _http_error(exc.status), status=exc.status)
            return failed_row(source, outcome_of(exc), exc.user_message, status=exc.status)
        except BaseException:
            robots_task.cancel()
            await asyncio.gather(robots_task, return_exceptions=True)
            raise
        try:
            robots = await robots_task
            allowed, reason = robots.allowed, robots.reason
        except FetchError:
            allowed, reason = None, "robots.txt not checked"
        if page.status >= 400:
            return failed_row(source, "http_error", _http_error(page.status), status=page.status,
                              final_url=page.final_url)
        job = PageJob(
            html=page.text,
            url=url,
            final_url=page.final_url,
            status=page.status,
            headers=tuple((str(k), str(v)) for k, v in page.headers.items()),
            robots_allowed=allowed,
            robots_reason=reason,
            target=audit.target,
            keyword=audit.keyword,
            target_title=audit.info.title,
            target_description=audit.info.description,
        )
        del page
        future = asyncio.wrap_future(self.executor.submit(analyse_job, job))
        try:
            result = await asyncio.wait_for(future, timeout=self.time_limit)
        except TimeoutError:
            return failed_row(source, "not_html", MSG_ANALYSIS_SLOW, status=job.status, final_url=job.final_url)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a parser failure in one page must not stop the audit
            log.info("analysis of one audit page failed: %s", type(exc).__name__)
            return failed_row(source, "not_html", MSG_ANALYSIS_FAILED, status=job.status, final_url=job.final_url)
        return analysed_row(source, result)
