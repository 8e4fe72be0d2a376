"""One backlink check: fetch the source page (and what surrounds it), then analyse it off the loop.

Both the CLI and the /checklink cog call `LinkChecker.check`; the rules live in bot.analysis and
bot.fetch. This module orders the work, bounds its time, refuses pages nested too deep to parse
safely, and reads the target page's title and description (the only HTML it parses itself).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from bot.analysis import PageContext, Report, analyze, warm_up
from bot.analysis import RobotsResult as RobotsVerdict
from bot.fetch import FetchError, RobotsResult, SafeFetcher, normalize_url
from bot.settings import AnalysisSettings, FetchSettings

log = logging.getLogger(__name__)


class AnalysisTimeout(FetchError):
    kind = "analysis_timeout"
    default_message = "The page took too long to analyse; it is probably malformed or enormous."


class AnalysisFailed(FetchError):
    kind = "analysis_failed"
    default_message = "The page could not be analysed (it is not readable HTML)."


class PageTooDeep(AnalysisFailed):
    kind = "too_deep"
    default_message = "The page is nested too deeply to analyse; real articles never are."


# lexbor's tree building slows down with the square of the nesting depth (5,000 levels: ~20 ms;
# 100,000: ~9 s), and a worker thread cannot be stopped once it parses, so depth is judged first.
# Below MIN_TAGS_TO_SCAN tags the depth is bounded by the tag count and the parse stays well under
# a second, so ordinary pages pay nothing.
MAX_NESTING_DEPTH = 5_000
MIN_TAGS_TO_SCAN = 20_000
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)")
# Elements that never hold children, or whose end tag the parser implies when a sibling opens:
# neither can build depth, so unclosed ones must not count.
_NON_NESTING = frozenset(
    "area base br col embed hr img input link meta param source track wbr "
    "p li dt dd option optgroup tr td th thead tbody tfoot rb rt rp".split()
)


def nesting_depth_exceeds(html: str, limit: int = MAX_NESTING_DEPTH) -> bool:
    """Whether the element nesting of `html` goes past `limit`, as an HTML parser would build it.

    Close tags pop back to the nearest open element of the same name; stray ones are ignored,
    so they cannot hide depth.
    """
    if html.count("<") < MIN_TAGS_TO_SCAN:
        return False
    stack: list[str] = []
    open_count: dict[str, int] = {}
    for closing, raw_name in _TAG.findall(html):
        name = raw_name.lower()
        if name in _NON_NESTING:
            continue
        if not closing:
            stack.append(name)
            open_count[name] = open_count.get(name, 0) + 1
            if len(stack) > limit:
                return True
        elif open_count.get(name):
            while stack:
                top = stack.pop()
                open_count[top] -= 1
                if top == name:
                    break
    return False


def analyze_page(
    html: str, url: str, *, target: str | None, keyword: str | None, context: PageContext | None
) -> Report:
    """The analysis as the bot and the CLI run it: refuse pathological nesting, then analyse."""
    if nesting_depth_exceeds(html):
        raise PageTooDeep(log_detail=f"over {MAX_NESTING_DEPTH} levels")
    return analyze(html, url, target=target, keyword=keyword, context=context)


@dataclass(frozen=True)
class TargetInfo:
    title: str | None
    description: str | None


def target_fetch_url(target: str) -> str:
    """The page to read for the target's title/description: the URL itself, or a domain's home page."""
    if "://" in target:
        return target
    return f"https://{target.strip().strip('/')}/"


def read_title_and_description(html: str) -> TargetInfo:
    tree = LexborHTMLParser(html[:500_000])
    title_node = tree.css_first("title")
    meta = tree.css_first('meta[name="description" i]') or tree.css_first('meta[property="og:description" i]')
    title = title_node.text(strip=True) if title_node else None
    description = (meta.attributes.get("content") or "").strip() if meta else None
    return TargetInfo(title or None, description or None)


class LinkChecker:
    """Fetches with the guarded fetcher, analyses in a bounded worker pool."""

    def __init__(
        self,
        fetcher: SafeFetcher,
        fetch_settings: FetchSettings,
        analysis_settings: AnalysisSettings,
        *,
        rank_list: Any = None,
        executor: ThreadPoolExecutor | None = None,
    ) -> None:
        self.fetcher = fetcher
        self.fetch_settings = fetch_settings
        self.analysis_settings = analysis_settings
        self.rank_list = rank_list
        self._own_executor = executor is None
        self.executor = executor or ThreadPoolExecutor(
            max_workers=analysis_settings.workers, thread_name_prefix="analysis"
        )
        if self._own_executor:
            # Now, in the background, rather than as the first check's thread initializer: the
            # imports take about a second, which a check with a short time limit must not pay.
            self.executor.submit(warm_up)

    def close(self) -> None:
        if self._own_executor:
            self.executor.shutdown(wait=False, cancel_futures=True)

    def validate(self, url: str, target: str | None = None) -> tuple[str, str | None]:
        """Refuse a bad URL (or target URL) before any work is queued (raises RefusedURL).

        A target with a scheme is one page and is normalised like the URL; a bare domain stays as
        given (it only selects links, and its home page is fetched through the same guard).
        """
        url = normalize_url(url, self.fetch_settings)
        if target and "://" in target:
            target = normalize_url(target, self.fetch_settings)
        return url, target

    async def check(
        self, url: str, *, target: str | None = None, keyword: str | None = None, target_page: bool = True
    ) -> Report:
        """target_page=False skips reading the target's title and description (they only sharpen
        relevance): a watch re-checking many links to one site would fetch that site every time."""
        url, target = self.validate(url, target)
        page_task = asyncio.create_task(self.fetcher.fetch_page(url))
        robots_task = asyncio.create_task(self.fetcher.robots(url))
        target_task = asyncio.create_task(self._target_info(target)) if target and target_page else None
        try:
            page = await page_task
        except BaseException:
            for task in (robots_task, target_task):
                if task is not None:
                    task.cancel()
            # Collect the cancelled side tasks so none leaves an "exception never retrieved".
            await asyncio.gather(*(t for t in (robots_task, target_task) if t), return_exceptions=True)
            raise
        robots: RobotsResult = await robots_task
        info = await target_task if target_task else TargetInfo(None, None)
        context = PageContext(
            final_url=page.final_url,
            status=page.status,
            headers=page.headers,
            robots=RobotsVerdict(allowed=robots.allowed, reason=robots.reason),
            target_title=info.title,
            target_description=info.description,
            rank_list=self.rank_list,
        )
        return await self.analyze_offloop(page.text, url, target=target, keyword=keyword, context=context)

    async def analyze_offloop(
        self,
        html: str,
        url: str,
        *,
        target: str | None,
        keyword: str | None,
        context: PageContext | None,
    ) -> Report:
        return await run_bounded(
            self.executor,
            lambda: analyze_page(html, url, target=target, keyword=keyword, context=context),
            self.analysis_settings.time_limit_seconds,
        )

    async def _target_info(self, target: str) -> TargetInfo:
        # The target page only sharpens relevance; any failure leaves it unknown, never fails the check.
        try:
            page = await self.fetcher.fetch_page(target_fetch_url(target))
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self.executor, read_title_and_description, page.text)
        except FetchError as exc:
            log.info("target page unavailable: %s", exc.kind)
            return TargetInfo(None, None)
        except Exception:
            log.exception("reading the target page failed")
            return TargetInfo(None, None)


async def run_bounded(executor: ThreadPoolExecutor, work: Callable[[], Report], seconds: float) -> Report:
    """Run CPU-bound analysis in the pool; give up waiting after `seconds`.

    A thread cannot be killed, but the pool is small, so a pathological page occupies one worker
    at most while the bot carries on answering.
    """
    loop = asyncio.get_running_loop()
    future = loop.run_in_executor(executor, work)
    try:
        return await asyncio.wait_for(future, timeout=seconds)
    except TimeoutError:
        raise AnalysisTimeout(log_detail=f"over {seconds}s") from None
    except FetchError:
        raise
    except RecursionError:
        raise AnalysisFailed(log_detail="recursion") from None
    except Exception as exc:
        log.exception("analysis failed")
        raise AnalysisFailed(log_detail=type(exc).__name__) from None

