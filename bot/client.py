"""The discord.py Bot: wiring only. Resources are opened by the caller (bot.app) and passed in."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.identify import FileIdentifyTurns, IdentifyTurns
from bot.replies import send_error
from bot.settings import Settings
from bot.sharding import ShardPlan
from bot.storage.database import Database, StorageBusyError

if TYPE_CHECKING:
    from bot.app import Services  # bot.app builds the bot: a run-time import would be circular

log = logging.getLogger(__name__)

DEFAULT_EXTENSIONS: tuple[str, ...] = (
    "cogs.checklink",
    "cogs.review",
    "cogs.history",
    "cogs.guild_settings",
    "cogs.audit",
    "cogs.watch",
)


# What the invite link asks for: view channels, send messages (also in threads), create public
# threads, manage threads (lock and archive closed reviews), embed links, attach files (exports),
# add reactions, read message history (reconciliation), manage messages (tidy superseded votes).
REQUIRED_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    create_public_threads=True,
    manage_threads=True,
    embed_links=True,
    attach_files=True,
    add_reactions=True,
    read_message_history=True,
    manage_messages=True,
)


def bot_intents() -> discord.Intents:
    # Members (privileged) gives joined_at, pending and account age for vote eligibility, and a
    # member cache for reconciliation; no message content is needed: everything is slash commands.
    intents = discord.Intents.none()
    intents.guilds = True
    intents.members = True
    intents.guild_messages = True
    intents.guild_reactions = True
    return intents


class SecondOpinionBot(commands.Bot):
    """Holds the process-wide services; cogs reach them through `bot.services`."""

    def __init__(
        self,
        *,
        settings: Settings,
        services: Services,
        extensions: Sequence[str] = DEFAULT_EXTENSIONS,
        force_sync: bool = False,
        clock: Callable[[], float] = time.time,
        **client_options: Any,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=bot_intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            **client_options,
        )
        self.shard_plan = ShardPlan(settings.discord.shard_count, settings.discord.shard_ids)
        self.settings = settings
        self.services = services
        self.extensions_to_load = tuple(extensions)
        self.force_sync = force_sync
        self.clock = clock
        self.synced_commands: bool = False

    async def setup_hook(self) -> None:
        for extension in self.extensions_to_load:
            await self.load_extension(extension)
        log.info("extensions loaded: %s", ", ".join(self.extensions_to_load))
        self.tree.on_error = self.on_app_command_error
        if self.force_sync or self.shard_plan.syncs_commands:
            await self.sync_commands(force=self.force_sync)
        else:
            log.info("application commands are synced by the process that runs shard 0")

    def owns_guild(self, guild_id: int) -> bool:
        """Whether this process does the guild's background work (its shard is one of ours)."""
        return self.shard_plan.owns(guild_id)

    async def on_ready(self) -> None:
        # A supervisor (and the process tests) wait for this line, not for a guessed delay.
        shards = f" ({self.shard_plan.describe()})" if self.shard_plan.shard_count is not None else ""
        log.info("ready: %s in %d guilds%s", self.user, len(self.guilds), shards)

    # -- command sync ------------------------------------------------------------------------

    def _sync_scope(self) -> discord.Object | None:
        guild_id = self.settings.discord.dev_guild_id
        return discord.Object(id=guild_id) if guild_id else None

    def command_tree_hash(self) -> str:
        payload = [command.to_dict(self.tree) for command in self.tree.get_commands()]
        payload.sort(key=lambda c: (c.get("type", 1), c["name"]))
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    async def sync_commands(self, *, force: bool = False) -> bool:
        """Sync only when the definitions changed: Discord rate-limits syncing."""
        db: Database = self.services.db
        scope = self._sync_scope()
        key = f"commands_hash:{scope.id if scope else 'global'}"
        digest = self.command_tree_hash()
        row = await db.fetchone("SELECT value FROM bot_state WHERE key = ?", (key,))
        if not force and row and row[0] == digest:
            log.info("application commands unchanged; not syncing")
            return False
        if scope is not None:
            self.tree.copy_global_to(guild=scope)
        await self.tree.sync(guild=scope)
        await db.execute(
            "INSERT INTO bot_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, digest),
        )
        self.synced_commands = True
        log.info("application commands synced to %s", f"guild {scope.id}" if scope else "all guilds")
        return True

    # -- errors ------------------------------------------------------------------------------

    async def on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        original = getattr(error, "original", None)
        if isinstance(error, app_commands.CheckFailure):
            message = str(error) or "You can't use this command here."
        elif isinstance(original, StorageBusyError):
            log.warning("command %r: %s", interaction.command and interaction.command.name, original)
            message = f"Nothing was saved: {original}."
        else:
            log.error("command %r failed", interaction.command and interaction.command.name, exc_info=error)
            message = "Something went wrong on our side; the error was logged. Please try again."
        await send_error(interaction, message)


class ShardedSecondOpinionBot(SecondOpinionBot, commands.AutoShardedBot):
    """The same bot running several shards in one process (AutoShardedBot's connections)."""

    # Discord allows max_concurrency IDENTIFYs per 5 seconds, per bucket (shard_id % max_concurrency).
    IDENTIFY_INTERVAL_SECONDS = 5.0

    async def setup_hook(self) -> None:
        # The identify buckets are Discord's to say (max_concurrency grows with the bot).
        _, _, limit = await self.http.get_bot_gateway()
        self.identify_buckets = max(1, int(limit.get("max_concurrency", 1)))
        self.identify_turns = self._identify_turns()
        await super().setup_hook()

    def _identify_turns(self) -> IdentifyTurns | None:
        """Where the processes sharing the data take their IDENTIFY turns: the PostgreSQL database
        (an advisory lock), or lock files beside the SQLite file (its processes share a machine)."""
        db = self.services.db
        if callable(getattr(db, "identify_turn", None)):
            return db  # type: ignore[return-value]  # PostgresDatabase.identify_turn
        if db.description == ":memory:":
            return None  # nothing shared with another process
        path = self.settings.storage.path
        return FileIdentifyTurns(path.parent, prefix=path.name)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Every process sharing the data takes turns per bucket, so processes started together do
        not trip Discord's limit; discord.py alone only spaces the shards of one process."""
        turns = getattr(self, "identify_turns", None)
        if turns is None:
            await super().before_identify_hook(shard_id, initial=initial)
            return
        bucket = (shard_id or 0) % getattr(self, "identify_buckets", 1)
        waited = await turns.identify_turn(bucket, self.IDENTIFY_INTERVAL_SECONDS)
        if waited:
            log.info("shard %s waited %.1f s for its IDENTIFY turn (bucket %s)", shard_id, waited, bucket)


def bot_class_and_options(settings: Settings) -> tuple[type[SecondOpinionBot], dict[str, Any]]:
    """The bot class for the configured shards and the discord.py options that select them."""
    plan = ShardPlan(settings.discord.shard_count, settings.discord.shard_ids)
    if plan.shard_count is None:
        return SecondOpinionBot, {}
    return ShardedSecondOpinionBot, {"shard_count": plan.shard_count, "shard_ids": list(plan.mine)}
