"""Process wiring: open every resource once under `async with`, hand it to the bot, close it on exit."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import signal
import sqlite3
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field

import discord

from bot.analysis import RankList
from bot.audit.service import AuditService
from bot.checking import LinkChecker
from bot.client import DEFAULT_EXTENSIONS, SecondOpinionBot, bot_class_and_options
from bot.endpoints import apply_endpoints
from bot.fetch import SafeFetcher
from bot.review.ports import Background, Clock, DeadlineAlarm, LiveVotes, ReviewBoard, TallyDisplay, VoteQueue
from bot.review.service import ReviewService
from bot.settings import Settings
from bot.sharding import ShardPlan
from bot.storage.audit import AuditRepo
from bot.storage.bulk_audits import BulkAuditsRepo
from bot.storage.checks import ChecksRepo
from bot.storage.database import PASSWORD_VARIABLE, Database, IntegrityError, StorageOpenError
from bot.storage.guild_settings import GuildSettingsRepo
from bot.storage.reviews import ReviewsRepo
from bot.storage.votes import VotesRepo
from bot.storage.watches import WatchRepo
from bot.watch.service import WatchService

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
    # Bulk audits of backlink exports (/audit); `audit` above is the review audit log.
    bulk_audits: BulkAuditsRepo
    audits: AuditService
    # Watches on accepted links (/watch), re-checked per guild.
    watch: WatchService

    # The review use cases, while the cogs.review extension is loaded: they act through its
    # Discord board and vote desk, which exist only once the bot does (see review_service).
    # Keyword-only, so fields added after it need no default.
    review: ReviewService | None = field(default=None, kw_only=True)

    def review_service(
        self,
        *,
        board: ReviewBoard,
        live: LiveVotes,
        queue: VoteQueue,
        display: TallyDisplay,
        background: Background,
        alarm: DeadlineAlarm,
        clock: Clock,
        cooldown_seconds: float,
        shards: ShardPlan | None = None,
    ) -> ReviewService:
        """The review service over this process's repositories and the given Discord side."""
        return ReviewService(
            reviews=self.reviews, votes=self.votes, checks=self.checks, rules=self.guild_settings, audit=self.audit,
            board=board, live=live, queue=queue, display=display, background=background, alarm=alarm, clock=clock,
            cooldown_seconds=cooldown_seconds, shards=shards or ShardPlan(),
        )


@asynccontextmanager
async def open_services(settings: Settings, *, fetcher: SafeFetcher | None = None) -> AsyncIterator[Services]:
    async with AsyncExitStack() as stack:
        db = await open_database(settings)
        stack.push_async_callback(db.close)
        log.info("database open: %s", db.description)
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
        guild_settings = GuildSettingsRepo(db, settings.review, settings.checks, settings.watch)
        watch = WatchService(WatchRepo(db), checker, guild_settings, settings.watch, random=random.Random().random,
                             per_host=settings.fetch.per_host_concurrency)
        bulk_audits = BulkAuditsRepo(db)
        audits = AuditService(bulk_audits, fetcher, settings)
        # Closed before the fetcher and the database: running audits stop (and resume next start).
        stack.push_async_callback(audits.close)
        yield Services(
            settings=settings,
            db=db,
            fetcher=fetcher,
            checker=checker,
            checks=ChecksRepo(db),
            reviews=ReviewsRepo(db),
            votes=VotesRepo(db),
            guild_settings=guild_settings,
            audit=AuditRepo(db),
            bulk_audits=bulk_audits,
            audits=audits,
            watch=watch,
        )


async def open_database(settings: Settings, *, environ: Mapping[str, str] | None = None) -> Database:
    """The configured database, migrated: PostgreSQL when [storage] url is set, else the SQLite
    file. Any failure is a StartupError of one line naming the file or server and the reason."""
    storage = settings.storage
    if storage.url:
        environ = os.environ if environ is None else environ
        password = environ.get(PASSWORD_VARIABLE) or None
        try:
            db = await Database.open(storage.url, password=password)
        except StorageOpenError as exc:
            raise StartupError(f"[storage] url: cannot open the database: {exc}") from None
        except (RuntimeError, IntegrityError) as exc:
            # A newer schema, or a migration the database refused.
            raise StartupError(f"[storage] url: cannot open the database {db_description(storage.url)}: {exc}") from None
        log.info("storage: PostgreSQL %s ([storage] url is set, so [storage] path is not used)", db.description)
        return db
    path = storage.path
    try:
        return await Database.open(path, busy_timeout_ms=storage.busy_timeout_ms)
    except (OSError, sqlite3.Error, RuntimeError) as exc:
        # A newer schema, a file that is not a database, a folder that cannot be created: the
        # owner fixes these, so they get one line, as `doctor` words them.
        raise StartupError(f"[storage] path: cannot open the database {path}: {_reason(exc)}") from None


def db_description(url: str) -> str:
    from bot.storage.postgres import describe_url

    return describe_url(url)


def create_bot(
    settings: Settings,
    services: Services,
    *,
    extensions: Sequence[str] = DEFAULT_EXTENSIONS,
    force_sync: bool = False,
) -> SecondOpinionBot:
    apply_endpoints(settings.discord.api_base_url, settings.discord.gateway_url)
    cls, options = bot_class_and_options(settings)
    return cls(settings=settings, services=services, extensions=extensions, force_sync=force_sync, **options)


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
