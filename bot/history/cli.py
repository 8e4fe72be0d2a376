"""`python -m bot history`: export a guild's review history from the database file.

Exit codes: 0 written, 2 bad input (missing database, bad date, bad filter), 1 failure while
reading or writing. Errors are one line on stderr. The database is opened read-only: an export
never writes to it, not even to switch its journal mode.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

from bot.cli_pipes import silence_stdout
from bot.history.export import (
    export_audits_csv,
    export_disavow,
    export_json,
    export_reviews_csv,
    export_votes_csv,
)
from bot.history.filters import RISKS, STATUSES, VERDICTS, FilterError, HistoryFilter, parse_when
from bot.storage.database import (
    PASSWORD_VARIABLE,
    Database,
    StorageBusyError,
    StorageOpenError,
    is_postgresql_url,
)

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
FORMATS = ("csv", "json", "disavow", "audits")
# Discord ids are snowflakes: positive and within SQLite's signed 64-bit INTEGER, which also
# means a larger number could not even be bound as a query parameter.
SNOWFLAKE_MAX = 2**63 - 1


def add_history_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", required=True, metavar="PATH",
                        help="the bot's SQLite database file, or its postgresql:// URL")
    parser.add_argument("--guild", required=True, metavar="ID", help="the guild (server) id")
    parser.add_argument("--format", default="csv", choices=FORMATS, help="csv (default), json, disavow, or audits (every /audit row)")
    parser.add_argument(
        "--table",
        default="reviews",
        choices=("reviews", "votes"),
        help="with --format csv: one row per review (default) or one row per vote",
    )
    parser.add_argument("--output", metavar="FILE", help="write here instead of stdout")
    filters = parser.add_argument_group("filters")
    filters.add_argument("--domain", help="only this domain (a URL is accepted too)")
    filters.add_argument("--member", metavar="ID", help="reviews this member requested or voted in")
    filters.add_argument("--verdict", choices=VERDICTS, help="community verdict")
    filters.add_argument("--risk", choices=RISKS, help="the bot's risk level")
    filters.add_argument("--status", choices=STATUSES, help="open or closed reviews")
    filters.add_argument("--since", metavar="DATE", help="created on or after (ISO date, UTC)")
    filters.add_argument("--until", metavar="DATE", help="created on or before (ISO date, UTC; whole day)")
    filters.add_argument("--text", metavar="WORDS", help="words that must all appear in the URL or note")


def _snowflake(value: str | None, what: str) -> int | None:
    if value is None:
        return None
    text = str(value).strip()
    # isdigit alone accepts superscripts and other Unicode digits that int() rejects; the length
    # check keeps int() away from huge inputs before the range check.
    if not (text.isascii() and text.isdigit()) or len(text.lstrip("0")) > len(str(SNOWFLAKE_MAX)):
        raise FilterError(f"{what} must be a numeric Discord id, got {value!r}")
    number = int(text)
    if not 0 < number <= SNOWFLAKE_MAX:
        raise FilterError(f"{what} must be a numeric Discord id, got {value!r}")
    return number


def filter_from_args(args: argparse.Namespace) -> HistoryFilter:
    return HistoryFilter(
        domain=args.domain,
        member_id=_snowflake(args.member, "--member"),
        verdict=args.verdict,
        risk=args.risk,
        status=args.status,
        since=parse_when(args.since) if args.since else None,
        until=parse_when(args.until, end=True) if args.until else None,
        text=args.text,
    )


def _fail(message: str, code: int) -> int:
    sys.stderr.write(f"error: {' '.join(message.split())}\n")
    return code


async def _has_schema(db: Database) -> bool:
    return {"reviews", "votes"} <= {t.name for t in await db.tables()}


def _stream(args: argparse.Namespace, db: Database, guild_id: int, flt: HistoryFilter) -> AsyncIterator[bytes]:
    if args.format == "json":
        return export_json(db, guild_id, flt, now=time.time())
    if args.format == "disavow":
        return export_disavow(db, guild_id, flt, now=time.time())
    if args.format == "audits":
        return export_audits_csv(db, guild_id)
    if args.table == "votes":
        return export_votes_csv(db, guild_id, flt)
    return export_reviews_csv(db, guild_id, flt)


async def _write(chunks: AsyncIterator[bytes], sink: BinaryIO) -> None:
    async for chunk in chunks:
        sink.write(chunk)


def _path_problem(db_path: Path, output: Path | None) -> str | None:
    # Plain stat calls before the event loop does any real work; a CLI run has nothing to stall.
    if output is not None and not output.parent.is_dir():
        return f"no such directory for --output: {output.parent}"
    if not db_path.is_file():
        return f"no database file at {db_path}"
    return None


def _open_sink(path: Path) -> BinaryIO:
    return open(path, "wb")  # closed by the caller's with-block


async def run_history(args: argparse.Namespace) -> int:
    """Write the export to stdout or --output; returns the exit code."""
    try:
        guild_id = _snowflake(args.guild, "--guild")
        flt = filter_from_args(args)
    except FilterError as exc:
        return _fail(str(exc), EXIT_BAD_INPUT)
    assert guild_id is not None
    if is_postgresql_url(args.db):
        if args.output and not Path(args.output).parent.is_dir():
            return _fail(f"no such directory for --output: {Path(args.output).parent}", EXIT_BAD_INPUT)
        try:
            # No migration: an export must never upgrade a live bot's schema.
            db = await Database.open(args.db, migrate=False, password=os.environ.get(PASSWORD_VARIABLE) or None)
        except StorageOpenError as exc:
            return _fail(str(exc), EXIT_FAILED)
        db_path: Path | str = db.description
    else:
        db_path = Path(args.db)
        problem = _path_problem(db_path, Path(args.output) if args.output else None)
        if problem:
            return _fail(problem, EXIT_BAD_INPUT)
        try:
            # Read-only, and no migration: an export must never upgrade or touch a live bot's schema.
            db = await Database.open(db_path, migrate=False, read_only=True)
        except sqlite3.Error as exc:
            return _fail(f"cannot open {db_path}: {exc}", EXIT_BAD_INPUT)
    try:
        try:
            if not await _has_schema(db):
                return _fail(f"{db_path} is not a Second Opinion database", EXIT_BAD_INPUT)
        except sqlite3.DatabaseError as exc:
            return _fail(f"{db_path} is not a readable SQLite database: {exc}", EXIT_BAD_INPUT)
        chunks = _stream(args, db, guild_id, flt)
        if not args.output:
            try:
                await _write(chunks, sys.stdout.buffer)
                sys.stdout.buffer.flush()
            except BrokenPipeError:
                # The reader stopped early (`| head`): its choice, not a failed export, so no
                # error line and exit 0, within the documented codes and without failing a
                # `set -o pipefail` script.
                silence_stdout()
            return EXIT_OK
        output = Path(args.output)
        partial = output.with_name(output.name + ".part")
        try:
            with _open_sink(partial) as sink:
                await _write(chunks, sink)
            # Only a complete export takes the real name; a failed one leaves no half file behind.
            os.replace(partial, output)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            return _fail(f"cannot write {output}: {exc.strerror or exc}", EXIT_FAILED)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return EXIT_OK
    except (sqlite3.Error, StorageBusyError) as exc:
        return _fail(f"reading {db_path} failed: {exc}", EXIT_FAILED)
    finally:
        await db.close()
