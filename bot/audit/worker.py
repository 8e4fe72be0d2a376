"""What runs in an analysis worker process: one page in, the row's analysis facts out.

Only small, picklable values cross the process boundary: the page text and its context go in,
the best target link and the risk come back (not the whole Report, which is mostly page text).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bot.analysis import Link, PageContext, RankList, RobotsResult, warm_up
from bot.analysis.factors.common import primary_target
from bot.audit.rows import Analysed
from bot.checking import analyze_page

_rank_list: RankList | None = None


@dataclass(frozen=True)
class PageJob:
    html: str
    url: str
    final_url: str
    status: int
    headers: tuple[tuple[str, str], ...]
    robots_allowed: bool | None
    robots_reason: str
    target: str
    keyword: str | None
    target_title: str | None
    target_description: str | None


class _Scanned:
    """primary_target reads `.link`; a stored Link carries all it needs (hidden, placement)."""

    __slots__ = ("link",)

    def __init__(self, link: Link) -> None:
        self.link = link


def init_worker(rank_list_path: str | None, ignore_sigint: bool = True) -> None:
    global _rank_list
    if ignore_sigint:
        # Ctrl-C reaches the whole process group; the parent decides what to finish and write,
        # so the workers must not die mid-page with a traceback of their own.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    _rank_list = RankList.load(Path(rank_list_path)) if rank_list_path else None
    warm_up()


def analyse_job(job: PageJob) -> Analysed:
    context = PageContext(
        final_url=job.final_url,
        status=job.status,
        headers=job.headers,
        robots=RobotsResult(allowed=job.robots_allowed, reason=job.robots_reason),
        target_title=job.target_title,
        target_description=job.target_description,
        rank_list=_rank_list,
    )
    report = analyze_page(job.html, job.url, target=job.target, keyword=job.keyword, context=context)
    best = primary_target([_Scanned(link) for link in report.target_links])  # type: ignore[list-item]
    return Analysed(
        final_url=report.final_url,
        status=report.status,
        link=best.link if best is not None else None,
        risk_level=report.risk.level,
        risk_score=report.risk.score,
        flags=report.risk.flags,
    )


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def process_pool(workers: int, rank_list_path: Path | None) -> Executor:
    """Worker processes forked from a clean server process, not from the bot: forking a process
    that runs threads (aiosqlite's, the event loop's executors) can copy a held lock."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["bot.audit.worker"])
    return ProcessPoolExecutor(
        max_workers=workers or default_workers(),
        mp_context=context,
        initializer=init_worker,
        initargs=(str(rank_list_path) if rank_list_path else None,),
    )
