"""Command line: run, sync, check, audit, watch, history, doctor, backup.

Errors are one line on stderr; exit codes: 0 done, 1 a fetch or runtime failure, 2 bad input or a
refused URL.
"""

from __future__ import annotations

import signal
import sys


def _exit_before_start(signum: int, frame: object) -> None:
    raise SystemExit(0)


if __name__ == "__main__":
    # First thing, before the imports below: a SIGTERM from a supervisor that starts and stops the
    # bot at once must end the process cleanly (exit 0), not kill it with the default action while
    # Python is still importing. Nothing is open yet, so leaving at once is safe.
    signal.signal(signal.SIGTERM, _exit_before_start)

import argparse
import asyncio
import json
import logging
import os
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
SAMPLE_URL = "https://gardening-weekly.example/blog/how-to-start-composting"


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.code = code


class OneLineParser(argparse.ArgumentParser):
    """argparse prints usage and a message; the contract is exactly one line on stderr."""

    def error(self, message: str) -> NoReturn:
        raise CliError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="python -m bot", description="Second Opinion: backlink reviews for Discord.")
    parser.add_argument("--verbose", action="store_true", help="log to stderr")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    run = sub.add_parser("run", help="start the bot")
    run.add_argument("--config", type=Path, help="TOML config (see config.example.toml)")
    run.add_argument("--shards", metavar="IDS",
                     help="the shards this process runs: one id, a range like 0-3, or a list like 0,2,5")
    run.add_argument("--shard-count", type=int, metavar="N", help="how many shards there are in all")

    sync = sub.add_parser("sync", help="sync the slash commands with Discord now, then exit")
    sync.add_argument("--config", type=Path)

    check = sub.add_parser("check", help="analyse a page that would give a backlink")
    check.add_argument("url", nargs="?", help="the page that would link to you")
    check.add_argument("--html", metavar="FILE", help="analyse a saved page instead (- reads stdin); no network")
    check.add_argument("--url", dest="page_url", metavar="URL", help="the saved page's address (with --html)")
    check.add_argument("--sample", action="store_true", help="analyse the sample page shipped with the bot")
    check.add_argument("--target", help="your page or domain the link should point to")
    check.add_argument("--keyword", help="the topic or keyword you want to rank for")
    check.add_argument("--json", action="store_true", help="print the report as one JSON object")
    check.add_argument("--config", type=Path)
    check.add_argument("--verbose", action="store_true", dest="verbose_check", help="log to stderr")

    doctor = sub.add_parser("doctor", help="check the config, database, token and server permissions")
    doctor.add_argument("--config", type=Path)
    doctor.add_argument("--offline", action="store_true", help="config and database only, no Discord (healthcheck)")
    doctor.add_argument("--quick", action="store_true",
                        help="PRAGMA quick_check instead of the full integrity check (a large database)")
    doctor.add_argument("--all", action="store_true", dest="show_all", help="also list the checks that passed")

    backup = sub.add_parser("backup", help="copy the database to DEST, safely while the bot runs")
    backup.add_argument("dest", type=Path, help="the backup file to write (replaced atomically)")
    backup.add_argument("--config", type=Path)

    from bot.audit.cli import add_audit_arguments

    audit = sub.add_parser("audit", help="audit a backlink export (Ahrefs, Semrush, Majestic, Search Console, URLs)")
    add_audit_arguments(audit)

    storage = sub.add_parser("storage", help="move the whole history between databases")
    storage_sub = storage.add_subparsers(dest="storage_command", required=True, parser_class=OneLineParser)
    copy = storage_sub.add_parser(
        "copy", help="copy every table from SRC to an empty DST (SQLite file or postgresql:// URL), verified"
    )
    copy.add_argument("--from", dest="source", required=True, metavar="SRC", help="an SQLite file or postgresql:// URL")
    copy.add_argument("--to", dest="destination", required=True, metavar="DST",
                      help="an SQLite file or postgresql:// URL; created and migrated, must be empty")

    try:
        from bot.history.cli import add_history_arguments
    except ImportError:  # pragma: no cover - the history package always ships
        pass
    else:
        history = sub.add_parser("history", help="export a guild's review history")
        add_history_arguments(history)

    from bot.watch.cli import add_watch_arguments

    watch = sub.add_parser("watch", help="link watch: run the due re-checks, list a guild's watches")
    add_watch_arguments(watch)
    return parser


def _setup_logging(verbose: bool, settings_level: str = "INFO") -> None:
    if verbose:
        logging.basicConfig(level=settings_level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    else:
        logging.disable(logging.CRITICAL)


def _load_settings(path: Path | None):  # type: ignore[no-untyped-def]
    from bot.settings import SettingsError, load_settings

    try:
        return load_settings(path)
    except SettingsError as exc:
        raise CliError(str(exc)) from None


def _read_html_file(name: str, max_bytes: int) -> str:
    """A saved page, held to what a fetch accepts: HTML, within the body cap."""
    from bot.fetch import decode_html, looks_binary

    try:
        if name == "-":
            raw = sys.stdin.buffer.read(max_bytes + 1)
        else:
            with Path(name).open("rb") as f:
                raw = f.read(max_bytes + 1)
    except FileNotFoundError:
        raise CliError(f"no such file: {name}") from None
    except OSError as exc:
        raise CliError(f"cannot read {name}: {exc.strerror}") from None
    if len(raw) > max_bytes:
        raise CliError(f"{name} is larger than {max_bytes:,} bytes, the most a fetched page may be")
    if looks_binary(raw[:1024]):
        raise CliError(f"{name} is not an HTML file")
    text, _encoding = decode_html(raw, None)
    return text


def _sample_html() -> str:
    return resources.files("bot.samples").joinpath("guest-post.html").read_text(encoding="utf-8")


async def _check(args: argparse.Namespace) -> int:
    from bot.analysis import Report
    from bot.checking import LinkChecker, run_bounded
    from bot.fetch import FetchError, SafeFetcher
    from bot.report_text import render_report

    settings = _load_settings(args.config)
    offline = args.html is not None or args.sample
    if args.sample and (args.html or args.url):
        raise CliError("--sample takes no URL or --html")
    if offline:
        if args.url:
            raise CliError("give either a URL to fetch or --html FILE --url URL, not both")
        page_url = args.page_url or (SAMPLE_URL if args.sample else None)
        if not page_url:
            raise CliError("--html needs --url, the address the saved page was served from")
        if urlsplit(page_url).scheme not in ("http", "https") or not urlsplit(page_url).hostname:
            raise CliError(f"--url must be an http(s) URL, got {page_url!r}")
        html = _sample_html() if args.sample else _read_html_file(args.html, settings.fetch.max_bytes)
        target = args.target if args.target or not args.sample else "https://www.compost-supplies.example/bins"
        keyword = args.keyword if args.keyword or not args.sample else "compost bins"
        from concurrent.futures import ThreadPoolExecutor

        from bot.checking import analyze_page

        with ThreadPoolExecutor(max_workers=1) as pool:
            try:
                report: Report = await run_bounded(
                    pool,
                    lambda: analyze_page(html, page_url, target=target, keyword=keyword, context=None),
                    settings.analysis.time_limit_seconds,
                )
            except FetchError as exc:
                raise CliError(exc.user_message, exc.exit_code) from None
    else:
        if not args.url:
            raise CliError("give a URL to check, or --html FILE --url URL for a saved page")
        if args.page_url:
            raise CliError("--url goes with --html; give the page to fetch as the positional URL")
        async with SafeFetcher(settings.fetch) as fetcher:
            checker = LinkChecker(fetcher, settings.fetch, settings.analysis)
            try:
                report = await checker.check(args.url, target=args.target, keyword=args.keyword)
            except FetchError as exc:
                raise CliError(exc.user_message, exc.exit_code) from None
            finally:
                checker.close()
    if args.json:
        sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(render_report(report, color=sys.stdout.isatty()) + "\n")
    return EXIT_OK


async def _audit(args: argparse.Namespace) -> int:
    from bot.audit.cli import AuditCliError, run_audit_cli

    settings = _load_settings(args.config)
    try:
        return await run_audit_cli(args, settings)
    except AuditCliError as exc:
        raise CliError(str(exc)) from None


async def _doctor(args: argparse.Namespace) -> int:
    from bot.doctor import run_doctor

    settings = _load_settings(args.config)
    report = await run_doctor(settings, offline=args.offline, quick=args.quick)
    sys.stdout.write("\n".join(report.lines(verbose=args.show_all)) + "\n")
    return EXIT_OK if report.healthy else EXIT_FAILED


async def _open_storage(target: str, *, destination: bool):  # type: ignore[no-untyped-def]
    """SRC opened so nothing is written to it; DST created and migrated. One line on failure."""
    import sqlite3

    from bot.storage.database import PASSWORD_VARIABLE, Database, StorageOpenError, is_postgresql_url

    password = os.environ.get(PASSWORD_VARIABLE) or None
    try:
        if is_postgresql_url(target):
            return await Database.open(target, password=password, migrate=destination)
        return await Database.open(Path(target), migrate=destination, read_only=not destination)
    except StorageOpenError as exc:
        raise CliError(f"{'--to' if destination else '--from'}: {exc}", EXIT_FAILED) from None
    except (OSError, sqlite3.Error, RuntimeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise CliError(f"{'--to' if destination else '--from'} {target}: cannot open the database: {reason}",
                       EXIT_FAILED) from None


async def _storage_copy(args: argparse.Namespace) -> int:
    import time

    from bot.storage.copy import CopyError, copy_database
    from bot.storage.database import is_postgresql_url

    def same(a: str, b: str) -> bool:
        if is_postgresql_url(a) or is_postgresql_url(b):
            return a == b
        return Path(a).resolve() == Path(b).resolve()

    if same(args.source, args.destination):
        raise CliError("--from and --to name the same database")
    started = time.monotonic()
    source = await _open_storage(args.source, destination=False)
    try:
        destination = await _open_storage(args.destination, destination=True)
        try:
            try:
                tables = await copy_database(source, destination)
            except CopyError as exc:
                raise CliError(str(exc), EXIT_FAILED) from None
            for table in tables:
                sys.stdout.write(f"{table.table}: {table.rows} rows, sha256 {table.checksum[:16]} (matches)\n")
            sys.stdout.write(
                f"copied {sum(t.rows for t in tables)} rows in {len(tables)} tables from {source.description} "
                f"to {destination.description} in {time.monotonic() - started:.2f} s; every table verified\n"
            )
        finally:
            await destination.close()
    finally:
        await source.close()
    return EXIT_OK


async def _backup(args: argparse.Namespace) -> int:
    from bot.backup import BackupError, BackupRefused, backup_database_async, postgres_backup_advice

    settings = _load_settings(args.config)
    if settings.storage.url is not None:
        raise CliError(postgres_backup_advice(settings.storage.url, args.dest), EXIT_BAD_INPUT)
    try:
        result = await backup_database_async(
            settings.storage.path, args.dest, busy_timeout_ms=settings.storage.busy_timeout_ms
        )
    except BackupRefused as exc:  # a destination that cannot be: bad input, nothing touched
        raise CliError(str(exc), EXIT_BAD_INPUT) from None
    except BackupError as exc:
        raise CliError(str(exc), EXIT_FAILED) from None
    sys.stdout.write(
        f"backed up {result.source} to {result.destination} ({result.bytes} bytes, schema version "
        f"{result.schema_version}, integrity ok) in {result.seconds:.2f} s\n"
    )
    return EXIT_OK


def _setup_run_logging(settings) -> None:  # type: ignore[no-untyped-def]
    from bot.logging_setup import setup_logging

    try:
        from bot.storage.database import PASSWORD_VARIABLE

        # The database password never reaches the log either, even inside a driver's message.
        secrets = [settings.discord.token or "", os.environ.get(PASSWORD_VARIABLE, "")]
        setup_logging(settings.logging, secrets=[s for s in secrets if s])
    except OSError as exc:
        raise CliError(f"[logging] file: cannot open {settings.logging.file}: {exc.strerror}", EXIT_FAILED) from None


class _StoppedBeforeStart(BaseException):
    """SIGTERM arrived before the bot had opened anything."""


def _stop_before_start(signum: int, frame: object) -> None:
    raise _StoppedBeforeStart


def _with_shards(settings, args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """--shards and --shard-count override [discord] shard_ids and shard_count."""
    from dataclasses import replace

    from bot.settings import SettingsError, check_shards
    from bot.sharding import ShardSpecError, parse_shard_ids

    shards, count = getattr(args, "shards", None), getattr(args, "shard_count", None)
    if shards is None and count is None:
        return settings
    discord_settings = settings.discord
    if count is not None:
        if count < 1:
            raise CliError("--shard-count: must be at least 1")
        discord_settings = replace(discord_settings, shard_count=count)
    if shards is not None:
        try:
            discord_settings = replace(discord_settings, shard_ids=parse_shard_ids(shards))
        except ShardSpecError as exc:
            raise CliError(f"--shards: {exc}") from None
    try:
        check_shards(discord_settings.shard_count, discord_settings.shard_ids, where="--shards")
    except SettingsError as exc:
        raise CliError(str(exc)) from None
    return replace(settings, discord=discord_settings)


async def _run(args: argparse.Namespace, *, sync_only: bool) -> int:
    settings = _with_shards(_load_settings(args.config), args)
    _setup_run_logging(settings)
    # Said before the heavy imports (discord.py and the cogs' dependencies), so that a supervisor,
    # or a test, sees that the process is up and that a stop from here on is a clean one.
    logging.getLogger("bot").info("starting (pid %d)", os.getpid())
    from bot.app import StartupError, run_bot

    try:
        await run_bot(settings, sync_only=sync_only)
    except StartupError as exc:
        raise CliError(str(exc), EXIT_FAILED) from None
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        verbose = args.verbose or getattr(args, "verbose_check", False)
        if args.command not in ("run", "sync") and signal.getsignal(signal.SIGTERM) is _exit_before_start:
            # The early exit is for a bot stopped while it starts; other commands keep the default.
            # (Only the process's own start put it in: main() called from a thread leaves it be.)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if args.command in ("run", "sync"):
            # Until run_bot puts its own handlers in place (after the heavy imports), a SIGTERM
            # stops here, where nothing is open yet, instead of killing the process mid-way.
            signal.signal(signal.SIGTERM, _stop_before_start)
            try:
                return asyncio.run(_run(args, sync_only=args.command == "sync"))
            except _StoppedBeforeStart:
                return EXIT_OK
        _setup_logging(verbose)
        if args.command == "check":
            return asyncio.run(_check(args))
        if args.command == "audit":
            return asyncio.run(_audit(args))
        if args.command == "doctor":
            return asyncio.run(_doctor(args))
        if args.command == "backup":
            return asyncio.run(_backup(args))
        if args.command == "storage":
            return asyncio.run(_storage_copy(args))
        if args.command == "history":
            from bot.history.cli import run_history

            return asyncio.run(run_history(args))
        if args.command == "watch":
            from bot.watch.cli import run_watch

            return asyncio.run(run_watch(args))
        raise CliError(f"unknown command {args.command!r}")
    except CliError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return exc.code
    except KeyboardInterrupt:
        return 130
    finally:
        # Quiet commands silence logging; an in-process caller (a test) gets it back.
        logging.disable(logging.NOTSET)


if __name__ == "__main__":
    sys.exit(main())
