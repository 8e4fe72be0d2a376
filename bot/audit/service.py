"""The /audit use cases over the repositories: start, run (rows stored as they finish), cancel,
resume after a restart, and the results. No Discord here: the cog implements `AuditBoard`.

Work is scheduled per guild (one task per guild, at most one audit each), and `resume` takes the
guilds this process owns, so several bot processes owning different guilds never run an audit
twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.audit.artifacts import chart_png, disavow_domains, disavow_draft, rows_csv, rows_json
from bot.audit.engine import AuditEngine, validate_target
from bot.audit.inputs import ExportError, infer_target, iter_sources, load_export
from bot.audit.rows import AuditRow, Summary
from bot.audit.worker import process_pool
from bot.fetch import RefusedURL, SafeFetcher
from bot.settings import Settings
from bot.storage.bulk_audits import AuditAlreadyRunning, BulkAuditsRepo, StoredAudit, riskiest_rows

log = logging.getLogger(__name__)

RISKIEST_SHOWN = 5
RISKIEST_CHOICES = 25  # a select menu holds at most 25 options


class AuditRefused(Exception):
    """Why an audit cannot start, in one line for the member."""


@dataclass(frozen=True)
class AuditProgress:
    audit: StoredAudit
    done: int
    total: int
    eta_seconds: float | None


@dataclass(frozen=True)
class AuditFile:
    name: str
    data: bytes


@dataclass(frozen=True)
class AuditResult:
    audit: StoredAudit
    status: str  # done, cancelled, failed
    summary: dict[str, Any]
    riskiest: list[AuditRow]
    files: list[AuditFile] = field(default_factory=list)


class AuditBoard(Protocol):
    """What the Discord side does for a running audit."""

    async def show_progress(self, progress: AuditProgress) -> None: ...

    async def publish(self, result: AuditResult) -> None: ...


class AuditService:
    def __init__(
        self,
        repo: BulkAuditsRepo,
        fetcher: SafeFetcher,
        settings: Settings,
        *,
        executor_factory: Callable[[], Executor] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.repo = repo
        self.fetcher = fetcher
        self.settings = settings
        self.clock = clock
        self._executor_factory = executor_factory or (
            lambda: process_pool(settings.audit.workers, settings.analysis.rank_list_path)
        )
        self._executor: Executor | None = None
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._cancel_requested: set[int] = set()
        self._progress: dict[int, AuditProgress] = {}

    # -- starting ------------------------------------------------------------------------------
    async def start(self, *, guild_id: int, channel_id: int, member_id: int, filename: str, data: bytes,
                    target: str | None, keyword: str | None) -> StoredAudit:
        limits = self.settings.audit
        if len(data) > limits.max_file_bytes:
            raise AuditRefused(f"That file is larger than {limits.max_file_bytes // 1024:,} KiB, the most an audit takes.")
        if guild_id in self._tasks or await self.repo.running(guild_id) is not None:
            raise AuditRefused("An audit is already running in this server; wait for it or cancel it.")
        try:
            _raw, scan = await asyncio.to_thread(load_export, data)
            chosen = infer_target(scan, target)
        except ExportError as exc:
            raise AuditRefused(str(exc).replace("--target", "the target option")) from None
        if scan.unique_sources > limits.max_rows:
            raise AuditRefused(f"That export lists {scan.unique_sources:,} unique pages; an audit takes at most "
                               f"{limits.max_rows:,}.")
        try:
            chosen = validate_target(chosen, self.settings.fetch, self.fetcher.policy)
        except RefusedURL as exc:
            raise AuditRefused(f"Target: {exc.user_message}") from None
        try:
            return await self.repo.create(guild_id=guild_id, channel_id=channel_id, member_id=member_id,
                                          filename=filename, target=chosen, keyword=keyword,
                                          total=scan.unique_sources, export=data, now=self.clock())
        except AuditAlreadyRunning:
            raise AuditRefused("An audit is already running in this server; wait for it or cancel it.") from None

    def launch(self, audit: StoredAudit, board: AuditBoard) -> None:
        if audit.guild_id in self._tasks:
            return
        task = asyncio.create_task(self._run(audit, board), name=f"audit-{audit.id}")
        self._tasks[audit.guild_id] = task
        task.add_done_callback(lambda _t, g=audit.guild_id: self._forget(g, task))

    def _forget(self, guild_id: int, task: asyncio.Task[None]) -> None:
        if self._tasks.get(guild_id) is task:
            del self._tasks[guild_id]
        if not task.cancelled() and task.exception() is not None:
            log.error("audit task failed", exc_info=task.exception())

    async def resume(self, guild_ids: Iterable[int], board: AuditBoard) -> list[int]:
        """Go on with the unfinished audits of these guilds (after a restart); returns their ids."""
        resumed = []
        for audit in await self.repo.running_in(guild_ids):
            if audit.guild_id not in self._tasks:
                self.launch(audit, board)
                resumed.append(audit.id)
        return resumed

    def cancel(self, guild_id: int, audit_id: int) -> bool:
        task = self._tasks.get(guild_id)
        if task is None or task.get_name() != f"audit-{audit_id}":
            return False
        self._cancel_requested.add(audit_id)
        task.cancel()
        return True

    def progress_of(self, guild_id: int) -> AuditProgress | None:
        return self._progress.get(guild_id)

    async def close(self) -> None:
        """Stop every running audit without ending it: it resumes when the bot starts again."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    # -- running -------------------------------------------------------------------------------
    def _pool(self) -> Executor:
        if self._executor is None:
            self._executor = self._executor_factory()
        return self._executor

    async def _run(self, audit: StoredAudit, board: AuditBoard) -> None:
        guild_id = audit.guild_id
        done_before = await self.repo.done_indexes(guild_id, audit.id)
        data = await self.repo.export_of(guild_id, audit.id)
        status = "done"
        if data is None:  # pragma: no cover - an audit loses its export only when it ends
            status = "failed"
        else:
            state = {"done": len(done_before)}
            started, done_at_start = time.monotonic(), len(done_before)

            def snapshot() -> AuditProgress:
                done = state["done"]
                rate = (done - done_at_start) / max(time.monotonic() - started, 1e-6)
                eta = (audit.total - done) / rate if rate > 0 else None
                return AuditProgress(audit, done, audit.total, eta)

            async def emit(row: AuditRow) -> None:
                await self.repo.add_rows(guild_id, audit.id, [row])
                state["done"] += 1
                self._progress[guild_id] = snapshot()

            ticker = asyncio.create_task(self._tick(board, snapshot))
            try:
                raw, scan = await asyncio.to_thread(load_export, data)
                sources = (s for s in iter_sources(raw, scan.layout) if s.index not in done_before)
                engine = AuditEngine(self.fetcher, self._pool(), self.settings.fetch,
                                     concurrency=self.settings.audit.concurrency,
                                     time_limit=self.settings.analysis.time_limit_seconds)
                prepared = await engine.prepare(audit.target, audit.keyword)
                await engine.run(sources, prepared, emit)
            except asyncio.CancelledError:
                if audit.id not in self._cancel_requested:
                    raise  # a shutdown: the audit stays running and resumes on the next start
                self._cancel_requested.discard(audit.id)
                current = asyncio.current_task()
                if current is not None:
                    current.uncancel()
                status = "cancelled"
            except Exception:
                log.exception("audit %s failed", audit.id)
                status = "failed"
            finally:
                ticker.cancel()
                await asyncio.gather(ticker, return_exceptions=True)
                self._progress.pop(guild_id, None)
        result = await self._finish(audit, status)
        if result is not None:
            await board.publish(result)

    async def _tick(self, board: AuditBoard, snapshot: Callable[[], AuditProgress]) -> None:
        """The progress message, at most once per interval, and only when something changed."""
        shown = -1
        while True:
            progress = snapshot()
            if progress.done != shown:
                shown = progress.done
                try:
                    await board.show_progress(progress)
                except Exception:
                    log.warning("could not show audit progress", exc_info=True)
            await asyncio.sleep(self.settings.audit.progress_interval_seconds)

    async def _finish(self, audit: StoredAudit, status: str) -> AuditResult | None:
        rows: list[AuditRow] = []
        async for batch in self.repo.iter_rows(audit.guild_id, audit.id):
            rows.extend(batch)
        summary = Summary().add_all(rows).to_dict(keyword_given=bool(audit.keyword))
        summary["status"] = status
        if not await self.repo.finish(audit.guild_id, audit.id, status, summary, self.clock()):
            return None  # another path ended it
        ended = await self.repo.get(audit.guild_id, audit.id)
        assert ended is not None
        riskiest = await riskiest_rows(self.repo.db, audit.guild_id, audit.id, RISKIEST_CHOICES)
        files = await asyncio.to_thread(self._files, ended, rows, summary)
        return AuditResult(audit=ended, status=status, summary=summary, riskiest=riskiest, files=files)

    def _files(self, audit: StoredAudit, rows: list[AuditRow], summary: dict[str, Any]) -> list[AuditFile]:
        stem = f"audit-{audit.id}"
        domains = disavow_domains(rows, audit.target)
        files = [
            AuditFile(f"{stem}.csv", rows_csv(rows)),
            AuditFile(f"{stem}.json", rows_json(audit.target, rows, summary)),
            AuditFile(f"{stem}-disavow-draft.txt", disavow_draft(domains, target=audit.target, audit_id=audit.id,
                                                                 now=self.clock())),
        ]
        try:
            files.append(AuditFile(f"{stem}-chart.png", chart_png(summary)))
        except Exception:  # the chart is a picture of the numbers above: never worth failing for
            log.warning("audit chart failed", exc_info=True)
        return files
