"""Process wiring: open every resource once under `async with`, hand it to the bot, close it on exit."""

from __future__ import annotations

import asyncio
import logging
import signal
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

import discord

from bot.analysis import RankList
from bot.checking import LinkChecker
from bot.client import DEFAULT_EXTENSIONS, SecondOpinionBot, ShardedSecondOpinionBot
from bot.endpoints import apply_endpoints
from bot.fetch import SafeFetcher
from bot.identify import FileIdentifyGate, IdentifyGate
from bot.settings import Settings
from bot.storage.audit import AuditRepo
from bot.storage.checks import ChecksRepo
from bot.storage.database import Database
from bot.storage.guild_settings import GuildSettingsRepo
from bot.storage.reviews import ReviewsRepo
from bot.storage.votes import VotesRepo

log = logging.getLogger(__name__)


class StartupError(RuntimeError):
    """A problem the owner must fix; printed as one line, never a traceback."""


@dataclass
class Services:
    """Everything a cog may call: opened once per process, closed on exit."""

    settings: Settings
    db: Database
    fetcher: SafeFetcher
    checker: LinkChecker
    checks: ChecksRepo
    reviews: ReviewsRepo
    votes: VotesRepo
    guild_settings: GuildSettingsRepo
    audit: AuditRepo


@asynccontextmanager
async def open_services(settings: Settings, *, fetcher: SafeFetcher | None = None) -> AsyncIterator[Services]:
    async with AsyncExitStack() as stack:
        path = settings.storage.path
        try:
            db = await Database.open(path, busy_timeout_ms=settings.storage.busy_timeout_ms)
        except (OSError, sqlite3.Error, RuntimeError) as exc:
            # A newer schema, a file that is not a database, a folder that cannot be created: the
            # owner fixes these, so they get one line, as `doctor` words them.
            raise StartupError(f"[storage] path: cannot open the database {path}: {_reason(exc)}") from None
        stack.push_async_callback(db.close)
        log.info("database open: %s", path)
        if fetcher is None:
            fetcher = SafeFetcher(settings.fetch)
            await stack.enter_async_context(fetcher)
        rank_list = None
        if settings.analysis.rank_list_path is not None:
            try:
                rank_list = await asyncio.to_thread(RankList.load, settings.analysis.rank_list_path)
            except (OSError, ValueError, UnicodeError) as exc:
                raise StartupError(
                    f"[analysis] rank_list_path: cannot read {settings.analysis.rank_list_path}: {_reason(exc)}"
                ) from None
        checker = LinkChecker(fetcher, settings.fetch, settings.analysis, rank_list=rank_list)
        stack.callback(checker.close)
        yield Services(
            settings=settings,
            db=db,
            fetcher=fetcher,
            checker=checker,
            checks=ChecksRepo(db),
            reviews=ReviewsRepo(db),
            votes=VotesRepo(db),
            guild_settings=GuildSettingsRepo(db, settings.review, settings.checks),
            audit=AuditRepo(db),
        )


def create_bot(
    settings: Settings,
    services: Services,
    *,
    extensions: Sequence[str] = DEFAULT_EXTENSIONS,
    force_sync: bool = False,
) -> SecondOpinionBot:
    apply_endpoints(settings.discord.api_base_url, settings.discord.gateway_url)
    plan = settings.shard_plan
    if plan is None:
        return SecondOpinionBot(settings=settings, services=services, extensions=extensions, force_sync=force_sync)
    log.info("running %s", plan.describe())
    return ShardedSecondOpinionBot(
        settings=settings,
        services=services,
        extensions=extensions,
        force_sync=force_sync,
        shard_plan=plan,
        identify_gate=identify_gate_for(settings),
    )


def identify_gate_for(settings: Settings) -> IdentifyGate:
    """The gate shared by the bot's processes. With SQLite they all run on the database's
    machine, so lock files beside the database are shared by all of them."""
    return FileIdentifyGate(settings.storage.path.parent, prefix=settings.storage.path.name)


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or exc.__class__.__name__


async def run_bot(settings: Settings, *, sync_only: bool = False) -> None:
    """Run until SIGINT/SIGTERM (or, with sync_only, log in, sync the commands and leave).

    A signal once the bot is connected closes it (discord.py's own shutdown). Before that (the
    database opening, cogs loading, commands syncing, the first connection) closing the client
    would pull its session from under a setup still running, so the start is cancelled instead
    and every `async with` below unwinds what it opened. Either way run_bot returns normally.
    """
    token = settings.discord.token
    if not token:
        raise StartupError("no Discord token: set DISCORD_TOKEN or [discord] token in the config")
    loop = asyncio.get_running_loop()
    main = asyncio.current_task()
    bots: list[SecondOpinionBot] = []
    stopping = False

    def on_signal() -> None:
        nonlocal stopping
        if stopping:
            return
        stopping = True
        if bots and bots[0].is_ready():
            asyncio.ensure_future(bots[0].close())
        elif main is not None:
            main.cancel()

    signals = (signal.SIGINT, signal.SIGTERM)
    for sig in signals:
        try:
            loop.add_signal_handler(sig, on_signal)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - non-Unix
            pass
    try:
        async with open_services(settings) as services:
            bot = create_bot(settings, services, force_sync=sync_only)
            bots.append(bot)
            async with bot:
                try:
                    if sync_only:
                        await bot.login(token)  # login runs setup_hook, which syncs
                    else:
                        await bot.start(token)
                except discord.LoginFailure:
                    raise StartupError("Discord rejected the token: check DISCORD_TOKEN or [discord] token") from None
                except discord.PrivilegedIntentsRequired:
                    raise StartupError(
                        "the Server Members intent is off: enable it for the bot in the Discord developer portal"
                    ) from None
                except (OSError, discord.GatewayNotFound, discord.HTTPException) as exc:
                    raise StartupError(f"could not reach Discord: {exc.__class__.__name__}: {exc}") from None
    except asyncio.CancelledError:
        if not stopping:
            raise
        if main is not None:
            main.uncancel()
        log.info("stopped by a signal while starting")
    finally:
        for sig in signals:
            try:
                loop.remove_signal_handler(sig)
            except (NotImplementedError, RuntimeError):  # pragma: no cover
                pass
