"""The discord.py Bot: wiring only. Resources are opened by the caller (bot.app) and passed in."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.identify import IdentifyGate, IdentifyPacer, LocalIdentifyGate
from bot.settings import Settings
from bot.shards import ShardPlan
from bot.storage.database import Database, StorageBusyError

log = logging.getLogger(__name__)

DEFAULT_EXTENSIONS: tuple[str, ...] = (
    "cogs.checklink",
    "cogs.review",
    "cogs.history",
    "cogs.guild_settings",
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
        services: Any,
        extensions: Sequence[str] = DEFAULT_EXTENSIONS,
        force_sync: bool = False,
        clock: Callable[[], float] = time.time,
        shard_plan: ShardPlan | None = None,
        **client_options: Any,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=bot_intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            **client_options,
        )
        self.settings = settings
        self.services = services
        self.extensions_to_load = tuple(extensions)
        self.force_sync = force_sync
        self.clock = clock
        self.synced_commands: bool = False
        self.shard_plan = shard_plan

    async def setup_hook(self) -> None:
        for extension in self.extensions_to_load:
            await self.load_extension(extension)
        log.info("extensions loaded: %s", ", ".join(self.extensions_to_load))
        self.tree.on_error = self.on_app_command_error
        if self.force_sync or self.runs_command_sync:
            await self.sync_commands(force=self.force_sync)
        else:
            # Several processes syncing at once would each spend Discord's sync rate limit.
            log.info("application commands are synced by the process running shard 0")

    async def on_ready(self) -> None:
        # A supervisor (and the process tests) wait for this line, not for a guessed delay.
        shards = f" ({self.shard_plan.describe()})" if self.shard_plan is not None else ""
        log.info("ready: %s in %d guilds%s", self.user, len(self.guilds), shards)

    # -- shards ------------------------------------------------------------------------------

    def owns_guild(self, guild_id: int) -> bool:
        """Whether this process does ``guild_id``'s background work (deadlines, reconciliation,
        audits, watches, purges). Discord sends a guild's events to one shard only, so the process
        running that shard is the one that knows the guild; the others must leave it alone."""
        return self.shard_plan is None or self.shard_plan.owns_guild(guild_id)

    @property
    def runs_command_sync(self) -> bool:
        """Exactly one process syncs the commands at start: the unsharded one, or shard 0's."""
        return self.shard_plan is None or self.shard_plan.runs_shard_zero

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
        from cogs.ui.replies import send_error  # the cog layer renders; imported late to keep bot/ light

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
    """The bot running some shards of a sharded bot (``[discord] shard_count``/``shard_ids``).

    Only used when shards are configured: an unsharded bot stays a plain ``commands.Bot``, one
    connection without shard fields, exactly as before.
    """

    def __init__(self, *, shard_plan: ShardPlan, identify_gate: IdentifyGate | None = None, **kwargs: Any) -> None:
        shard_ids = list(shard_plan.shard_ids) if shard_plan.shard_ids is not None else None
        super().__init__(shard_plan=shard_plan, shard_count=shard_plan.shard_count, shard_ids=shard_ids, **kwargs)
        self.identify_pacer = IdentifyPacer(identify_gate or LocalIdentifyGate())

    async def setup_hook(self) -> None:
        # The identify buckets are Discord's to say (max_concurrency grows with the bot).
        try:
            limits = await self.fetch_session_start_limits()
        except (discord.HTTPException, discord.GatewayNotFound) as exc:
            log.warning("could not read the session start limits (%s); identifying one shard at a time", exc)
        else:
            self.identify_pacer.max_concurrency = max(1, limits.max_concurrency)
        await super().setup_hook()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        # Replaces the library's 5 s sleep: the pacer spaces identifies per bucket across processes.
        await self.identify_pacer.before_identify(shard_id or 0)

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            await self.identify_pacer.close()
