"""`python -m bot watch run-due | list`: the link watch for cron users and tests.

run-due runs the due re-checks of every guild once, guild by guild (as the bot's scheduler does
for the guilds it owns), stores the observations and prints the changes; it posts nothing to Discord.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


class WatchCliError(Exception):
    def __init__(self, message: str, code: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.code = code


def add_watch_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="watch_command", required=True, parser_class=type(parser))
    run_due = sub.add_parser("run-due", help="run the due re-checks once and print the changes")
    run_due.add_argument("--config", type=Path, help="TOML config (see config.example.toml)")
    run_due.add_argument("--json", action="store_true", help="one JSON object per change, one a line")
    listing = sub.add_parser("list", help="list a guild's watches")
    listing.add_argument("--db", required=True, help="the bot's SQLite database, or its postgresql:// URL")
    listing.add_argument("--guild", type=int, required=True, help="the guild id")
    listing.add_argument("--json", action="store_true", help="one JSON object per watch, one a line")


async def run_watch(args: argparse.Namespace, *, clock: Callable[[], float] = time.time) -> int:
    try:
        if args.watch_command == "run-due":
            return await _run_due(args, clock)
        return await _list(args)
    except WatchCliError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return exc.code


async def _run_due(args: argparse.Namespace, clock: Callable[[], float]) -> int:
    from bot.app import StartupError, open_services
    from bot.settings import SettingsError, load_settings
    from bot.sharding import ShardPlan
    from bot.watch.service import changes_as_dicts

    try:
        settings = load_settings(args.config)
    except SettingsError as exc:
        raise WatchCliError(str(exc)) from None
    try:
        async with open_services(settings) as services:
            now = clock()
            alerts = []
            # Processes sharing a database each run their own shards' guilds: a run-due beside
            # them keeps to the shards its config names ([discord] shard_ids), as `run` does.
            shards = ShardPlan(settings.discord.shard_count, settings.discord.shard_ids)
            for guild_id in await services.watch.guilds_due(now, shards=shards):
                alerts += await services.watch.run_due(guild_id, now)
    except StartupError as exc:
        raise WatchCliError(str(exc), EXIT_FAILED) from None
    if args.json:
        for item in changes_as_dicts(alerts):
            sys.stdout.write(json.dumps(item, ensure_ascii=False) + "\n")
    else:
        checked = len(alerts)
        changed = sum(1 for a in alerts if a.changes)
        for alert in alerts:
            for change in alert.changes:
                sys.stdout.write(
                    f"watch {alert.watch.id} (guild {alert.watch.guild_id}) {alert.watch.source_url}: "
                    f"{change.title}: {change.before} -> {change.after}\n"
                )
        sys.stdout.write(f"{checked} watch(es) checked, {changed} changed\n")
    return EXIT_OK


async def _list(args: argparse.Namespace) -> int:
    import os
    import sqlite3

    from bot.storage.database import PASSWORD_VARIABLE, Database, StorageOpenError, is_postgresql_url
    from bot.storage.watches import WatchRepo

    if is_postgresql_url(args.db):
        try:
            # No migration: a listing must never upgrade a live bot's schema.
            db = await Database.open(args.db, migrate=False, password=os.environ.get(PASSWORD_VARIABLE) or None)
        except StorageOpenError as exc:
            raise WatchCliError(str(exc), EXIT_FAILED) from None
    else:
        path = Path(args.db)
        if not path.is_file():  # noqa: ASYNC240 - one stat in a CLI, before anything runs
            raise WatchCliError(f"no such database: {args.db}")
        try:
            db = await Database.open(path, read_only=True)
        except (OSError, sqlite3.Error, RuntimeError) as exc:
            raise WatchCliError(f"cannot open the database {args.db}: {exc}", EXIT_FAILED) from None
    try:
        if "watches" not in {t.name for t in await db.tables()}:
            raise WatchCliError(f"{db.description} has no watches table: start the bot once to migrate it",
                                EXIT_FAILED)
        repo = WatchRepo(db)
        rows = [(w, await repo.latest(args.guild, w.id)) for w in await repo.in_guild(args.guild)]
    finally:
        await db.close()
    for watch, latest in rows:
        item = {
            "watch_id": watch.id,
            "guild_id": watch.guild_id,
            "source_url": watch.source_url,
            "target": watch.target,
            "keyword": watch.keyword,
            "added_by": watch.created_by_name,
            "review_id": watch.review_id,
            "next_due_at": watch.next_due_at,
            "last_checked_at": watch.last_checked_at,
            "status": _state(latest),
        }
        if args.json:
            sys.stdout.write(json.dumps(item, ensure_ascii=False) + "\n")
        else:
            sys.stdout.write(
                f"{watch.id}\t{watch.source_url}\t{watch.target}\t{item['status']}\tadded by {watch.created_by_name}\n"
            )
    return EXIT_OK


def _state(latest: object) -> str:
    from bot.storage.watches import StoredObservation

    if not isinstance(latest, StoredObservation):
        return "never checked"
    obs = latest.observation
    if not obs.ok:
        return f"fetch failed ({obs.error})"
    if not obs.found:
        return "link missing"
    return f"link found ({obs.placement}, {obs.rel})"
