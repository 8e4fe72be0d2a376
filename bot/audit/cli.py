"""`python -m bot audit FILE`: the pinned command line of the bulk audit.

Exit codes: 0 the audit ran (rows that could not be fetched are rows); 2 bad input, one line on
stderr; 130 interrupted (SIGINT), after writing every row that was done.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from bot.cli_pipes import silence_stdout

EXIT_OK, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 2, 130


class AuditCliError(Exception):
    """Bad input: printed as one line, exit 2."""


def add_audit_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a backlink export (CSV) or a list of URLs, one a line; - reads stdin")
    parser.add_argument("--target", help="your URL or domain the links should point to")
    parser.add_argument("--keyword", help="the keyword you rank for (an anchor equal to it is exact_match)")
    parser.add_argument("--config", type=Path)
    parser.add_argument("--format", choices=("csv", "json"), default="csv")
    parser.add_argument("--output", type=Path, help="write here instead of stdout")
    parser.add_argument("--concurrency", type=int, help="pages in flight at once (default [audit] concurrency, 16)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    # For the benchmark: analysis in threads of this process instead of worker processes.
    parser.add_argument("--threads", action="store_true", help=argparse.SUPPRESS)


@contextlib.contextmanager
def _open_input(name: str) -> Iterator[IO[bytes]]:
    if name == "-":
        # stdin is read twice (count, then audit): spool it to a temporary file.
        with tempfile.TemporaryFile() as spool:
            shutil.copyfileobj(sys.stdin.buffer, spool)
            spool.seek(0)
            yield spool
        return
    try:
        handle = Path(name).open("rb")
    except FileNotFoundError:
        raise AuditCliError(f"no such file: {name}") from None
    except OSError as exc:
        raise AuditCliError(f"cannot read {name}: {exc.strerror}") from None
    with handle:
        yield handle


class _Progress:
    """A progress bar on stderr (rich) only when stderr is a terminal and it is wanted."""

    def __init__(self, total: int, enabled: bool) -> None:
        self._progress: Any = None
        if not enabled:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("auditing"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[rate]} pages/s"),
            TimeRemainingColumn(),
            console=Console(file=sys.stderr),
            transient=False,
        )
        self._task = self._progress.add_task("audit", total=total, rate="-")
        self._start = time.monotonic()
        self._done = 0
        self._progress.start()

    def advance(self) -> None:
        if self._progress is None:
            return
        self._done += 1
        elapsed = time.monotonic() - self._start
        rate = f"{self._done / elapsed:.1f}" if elapsed > 0 else "-"
        self._progress.update(self._task, advance=1, rate=rate)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()


async def run_audit_cli(args: argparse.Namespace, settings: Any) -> int:
    from bot.audit.engine import AuditEngine, validate_target
    from bot.audit.inputs import ExportError, infer_target, iter_sources, scan_export
    from bot.audit.output import RowWriter
    from bot.audit.worker import init_worker, process_pool
    from bot.fetch import AddressPolicy, RefusedURL, SafeFetcher

    concurrency = args.concurrency if args.concurrency is not None else settings.audit.concurrency
    if concurrency < 1:
        raise AuditCliError("--concurrency must be at least 1")
    with _open_input(args.file) as raw:
        try:
            scan = scan_export(raw)
            target = infer_target(scan, args.target)
        except ExportError as exc:
            raise AuditCliError(str(exc)) from None
        if scan.unique_sources > settings.audit.max_rows:
            raise AuditCliError(
                f"the export lists {scan.unique_sources:,} unique source pages, more than [audit] max_rows "
                f"({settings.audit.max_rows:,})"
            )
        try:
            policy = AddressPolicy(allow_private=settings.fetch.allow_private_networks)
            target = validate_target(target, settings.fetch, policy)
        except RefusedURL as exc:
            raise AuditCliError(f"--target: {exc.user_message}") from None
        if args.output is not None:
            try:
                out_raw: IO[bytes] = args.output.open("wb")
            except OSError as exc:
                raise AuditCliError(f"cannot write {args.output}: {exc.strerror}") from None
        else:
            out_raw = sys.stdout.buffer
        out = io.TextIOWrapper(out_raw, encoding="utf-8", newline="", write_through=True)
        if args.threads:
            from concurrent.futures import ThreadPoolExecutor

            from bot.audit.worker import default_workers

            executor: Any = ThreadPoolExecutor(
                max_workers=settings.audit.workers or default_workers(),
                initializer=init_worker,
                initargs=(str(settings.analysis.rank_list_path) if settings.analysis.rank_list_path else None, False),
            )
        else:
            executor = process_pool(settings.audit.workers, settings.analysis.rank_list_path)
        progress = _Progress(scan.unique_sources, enabled=not args.no_progress and sys.stderr.isatty())
        interrupted = False
        loop = asyncio.get_running_loop()
        main = asyncio.current_task()

        def on_sigint() -> None:
            nonlocal interrupted
            if not interrupted and main is not None:
                interrupted = True
                main.cancel()

        loop.add_signal_handler(signal.SIGINT, on_sigint)
        writer: RowWriter | None = None
        broken_pipe = False
        try:
            async with SafeFetcher(settings.fetch) as fetcher:
                engine = AuditEngine(fetcher, executor, settings.fetch, concurrency=concurrency,
                                     time_limit=settings.analysis.time_limit_seconds)
                writer = RowWriter(out, args.format, target=target, keyword_given=bool(args.keyword))

                async def emit(row: Any) -> None:
                    assert writer is not None
                    writer.write(row)
                    progress.advance()

                try:
                    audit = await engine.prepare(target, args.keyword)
                    await engine.run(iter_sources(raw, scan.layout), audit, emit)
                except ExportError as exc:  # a row the first pass read but this one cannot
                    raise AuditCliError(str(exc)) from None
                except asyncio.CancelledError:
                    if not interrupted:
                        raise
                    main.uncancel()  # type: ignore[union-attr]
                except BrokenPipeError:
                    # The reader stopped early (`| head`): its choice, not a failed audit.
                    broken_pipe = True
                    writer = None
        finally:
            loop.remove_signal_handler(signal.SIGINT)
            progress.close()
            if writer is not None:
                writer.close()
            executor.shutdown(wait=True, cancel_futures=True)
            if broken_pipe:
                silence_stdout()
            else:
                out.flush()
            if args.output is not None:
                out.close()
            elif not broken_pipe:
                out.detach()
    return EXIT_INTERRUPTED if interrupted else EXIT_OK
