"""/watch add | list | remove | check, the "Watch this link" buttons, alerts and the scheduler.

A thin adapter over bot.watch.service: it reads the interaction, calls one use case and renders
the typed result. The scheduler runs per guild, for the guilds this process is in, so processes
that each own some guilds never check a watch twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.watch.service import WatchAlert, WatchError, WatchService
from cogs.ui.moderators import is_moderator
from cogs.ui.replies import send_error
from cogs.watch.buttons import WATCH_BUTTONS
from cogs.watch.flows import add_watch, cooling_down
from cogs.watch.render import alert_embed, batches, check_embed, list_embed

if TYPE_CHECKING:
    from bot.client import SecondOpinionBot

log = logging.getLogger(__name__)
NO_MENTIONS = discord.AllowedMentions.none()


class WatchCog(commands.Cog, name="Watch"):
    watch = app_commands.Group(name="watch", description="Watch links the community accepted", guild_only=True)

    def __init__(self, bot: SecondOpinionBot) -> None:
        self.bot = bot
        # One run at a time per guild: the scheduler and a test (or a second trigger) never overlap.
        self._guild_locks: dict[int, asyncio.Lock] = {}
        self.passes = 0  # scheduler passes finished (tests wait for the start-up pass)

    @property
    def service(self) -> WatchService:
        return self.bot.services.watch

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*WATCH_BUTTONS)
        self.scheduler.change_interval(seconds=self.bot.settings.watch.tick_seconds)
        self.scheduler.start()

    async def cog_unload(self) -> None:
        self.scheduler.cancel()
        self.bot.remove_dynamic_items(*WATCH_BUTTONS)

    # -- scheduler -------------------------------------------------------------------------------

    @tasks.loop(seconds=300)
    async def scheduler(self) -> None:
        # Only the guilds of this process's shards: processes sharing a database never re-check
        # (and alert about) the same watch twice.
        guild_ids = [g.id for g in self.bot.guilds if self.bot.owns_guild(g.id)]
        results = await asyncio.gather(*(self.run_guild(g) for g in guild_ids), return_exceptions=True)
        for guild_id, result in zip(guild_ids, results, strict=True):
            if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
                log.error("watch run for guild %s failed", guild_id, exc_info=result)
        self.passes += 1

    @scheduler.before_loop
    async def _wait_ready(self) -> None:
        await self.bot.wait_until_ready()

    async def run_guild(self, guild_id: int) -> list[WatchAlert]:
        """Re-check one guild's due watches now (by the bot's clock) and post what changed."""
        lock = self._guild_locks.setdefault(guild_id, asyncio.Lock())
        async with lock:
            alerts = await self.service.run_due(guild_id, self.bot.clock())
            await self.post_alerts(guild_id, alerts)
        return alerts

    # -- alerts ----------------------------------------------------------------------------------

    async def _alert_channel(self, guild_id: int) -> int | None:
        settings = await self.bot.services.guild_settings.get(guild_id)
        if settings.watch_channel_id:
            return settings.watch_channel_id
        review_channel = settings.review_channel_id
        if review_channel and not isinstance(self.bot.get_channel(review_channel), discord.ForumChannel):
            return review_channel
        return None  # each watch's own channel (a forum takes no plain messages)

    async def post_alerts(self, guild_id: int, alerts: Sequence[WatchAlert]) -> None:
        """One embed per watch that changed, grouped into as few messages as the guild's run needs;
        a watch that came from a review also alerts that review's thread."""
        changed = [a for a in alerts if a.changes and a.watch.guild_id == guild_id]
        if not changed:
            return
        channel = await self._alert_channel(guild_id)
        by_channel: dict[int, list[discord.Embed]] = {}
        for alert in changed:
            by_channel.setdefault(channel or alert.watch.channel_id, []).append(alert_embed(alert))
        for channel_id, embeds in by_channel.items():
            for batch in batches(embeds):
                await self._send(channel_id, batch)
        for alert in changed:
            thread_id = alert.watch.thread_id
            if thread_id and thread_id not in by_channel:
                await self._send(thread_id, [alert_embed(alert)])

    async def _send(self, channel_id: int, embeds: list[discord.Embed]) -> None:
        try:
            await self.bot.get_partial_messageable(channel_id).send(embeds=embeds, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:
            log.warning("could not post a watch alert in channel %s: %s", channel_id, exc)

    # -- commands --------------------------------------------------------------------------------

    @watch.command(name="add", description="Watch a page that links to you; alerts when the link changes")
    @app_commands.describe(
        url="The page that links to you",
        target="Your page or domain the link points to",
        keyword="The topic or keyword you rank for",
    )
    async def add(
        self,
        interaction: discord.Interaction,
        url: app_commands.Range[str, 1, 2048],
        target: app_commands.Range[str, 1, 2048],
        keyword: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        await add_watch(interaction, url=url, target=target, keyword=keyword)

    @watch.command(name="list", description="The links this server watches")
    async def list_(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        rows = await self.service.listing(interaction.guild_id)
        await interaction.response.send_message(embed=list_embed(rows), ephemeral=True)

    @watch.command(name="remove", description="Stop watching a link (yours; moderators: any)")
    @app_commands.describe(id="The watch number (see /watch list)")
    async def remove(self, interaction: discord.Interaction, id: app_commands.Range[int, 1]) -> None:  # noqa: A002
        assert interaction.guild_id is not None
        try:
            watch = await self.service.remove(interaction.guild_id, id, member_id=interaction.user.id,
                                              is_moderator=await is_moderator(interaction))
        except WatchError as exc:
            await send_error(interaction, str(exc))
            return
        await interaction.response.send_message(f"Watch #{watch.id} removed.", ephemeral=True)

    @watch.command(name="check", description="Re-check a watched link now")
    @app_commands.describe(id="The watch number (see /watch list)")
    async def check(self, interaction: discord.Interaction, id: app_commands.Range[int, 1]) -> None:  # noqa: A002
        assert interaction.guild_id is not None
        if await self.service.get(interaction.guild_id, id) is None:
            await send_error(interaction, f"There is no watch #{id} in this server.")
            return
        if await cooling_down(interaction):
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            alert = await self.service.check_now(interaction.guild_id, id, self.bot.clock())
        except WatchError as exc:
            await send_error(interaction, str(exc))
            return
        await self.post_alerts(interaction.guild_id, [alert])
        await interaction.followup.send(embed=check_embed(alert), ephemeral=True, allowed_mentions=NO_MENTIONS)
