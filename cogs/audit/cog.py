"""/audit file:<export> [target] [keyword]: commands, buttons and the board the service drives."""

from __future__ import annotations

import io
import logging
import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.audit.service import AuditProgress, AuditRefused, AuditResult
from bot.storage.bulk_audits import row_at
from cogs.audit.render import ended_text, pick_options, progress_text, summary_embed
from cogs.review.flows import open_by_command
from cogs.ui.moderators import MANAGERS_ONLY, is_manager, is_moderator
from cogs.ui.replies import send_error

if TYPE_CHECKING:
    from bot.client import SecondOpinionBot

log = logging.getLogger(__name__)

NOT_ALLOWED = "Only moderators (Manage Server or the moderator role) can run an audit here."


def _services(interaction: discord.Interaction) -> Any:
    return interaction.client.services  # type: ignore[attr-defined]


class CancelAuditButton(discord.ui.DynamicItem[discord.ui.Button], template=r"so:audit:cancel:(?P<audit>\d+)"):
    def __init__(self, audit_id: int) -> None:
        super().__init__(discord.ui.Button(label="Cancel", emoji="✖️", style=discord.ButtonStyle.danger,
                                           custom_id=f"so:audit:cancel:{audit_id}"))
        self.audit_id = audit_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str]) -> CancelAuditButton:
        return cls(int(match["audit"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.guild_id is None:
            return
        services = _services(interaction)
        audit = await services.bulk_audits.get(interaction.guild_id, self.audit_id)
        if audit is None or audit.status != "running":
            await send_error(interaction, "That audit is not running any more.")
            return
        if interaction.user.id != audit.member_id and not await is_moderator(interaction):
            await send_error(interaction, "Only the member who started the audit, or a moderator, can cancel it.")
            return
        if not services.audits.cancel(interaction.guild_id, audit.id):
            await send_error(interaction, "That audit is not running in this bot process right now; try again soon.")
            return
        await interaction.response.send_message("Cancelling the audit; the pages done so far are kept.",
                                                ephemeral=True)


class PickPageSelect(discord.ui.DynamicItem[discord.ui.Select], template=r"so:audit:pick:(?P<audit>\d+)"):
    """Under an audit's summary: the riskiest pages; picking one opens a peer review of it."""

    def __init__(self, audit_id: int, options: list[discord.SelectOption] | None = None) -> None:
        super().__init__(discord.ui.Select(custom_id=f"so:audit:pick:{audit_id}",
                                           placeholder="Ask for a second opinion on one of the riskiest pages…",
                                           options=options or [discord.SelectOption(label="-", value="-1")]))
        self.audit_id = audit_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Select,
                             match: re.Match[str]) -> PickPageSelect:
        picked = cls(int(match["audit"]))
        picked.item = item
        return picked

    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.guild_id is None:
            return
        values = self.item.values or (interaction.data or {}).get("values", [])  # type: ignore[union-attr]
        services = _services(interaction)
        audit = await services.bulk_audits.get(interaction.guild_id, self.audit_id)
        try:
            index = int(values[0])
        except (IndexError, ValueError):
            index = -1
        row = await row_at(services.db, interaction.guild_id, self.audit_id, index) if audit else None
        if audit is None or row is None:
            await send_error(interaction, "That page is no longer stored.")
            return
        await open_peer_review(interaction, row.source_url, audit.target, audit.keyword)


async def open_peer_review(interaction: discord.Interaction, url: str, target: str, keyword: str | None) -> None:
    """/secondopinion's own path, as if the member had typed it: its checks, cooldown and thread."""
    await open_by_command(interaction, url, target, keyword, None)


class DiscordAuditBoard:
    """The service's view of Discord: one progress message per audit, then the summary."""

    def __init__(self, bot: SecondOpinionBot) -> None:
        self.bot = bot

    async def _channel(self, channel_id: int) -> Any:
        channel = self.bot.get_channel(channel_id)
        if channel is None:
            channel = await self.bot.fetch_channel(channel_id)
        return channel

    async def show_progress(self, progress: AuditProgress) -> None:
        audit = progress.audit
        repo = self.bot.services.bulk_audits
        stored = await repo.get(audit.guild_id, audit.id)
        if stored is None or stored.status != "running":
            return
        text = progress_text(progress)
        view = discord.ui.View(timeout=None)
        view.add_item(CancelAuditButton(audit.id))
        channel = await self._channel(audit.channel_id)
        if stored.progress_message_id is not None:
            try:
                await channel.get_partial_message(stored.progress_message_id).edit(content=text, view=view)
                return
            except discord.NotFound:
                pass  # deleted (or never posted): a new one below
        message = await channel.send(text, view=view)
        await repo.set_progress_message(audit.guild_id, audit.id, message.id)

    async def publish(self, result: AuditResult) -> None:
        audit = result.audit
        channel = await self._channel(audit.channel_id)
        if audit.progress_message_id is not None:
            try:
                await channel.get_partial_message(audit.progress_message_id).edit(content=ended_text(result), view=None)
            except discord.HTTPException:
                log.info("audit %s: its progress message is gone", audit.id)
        view = discord.ui.View(timeout=None)
        if result.riskiest:
            view.add_item(PickPageSelect(audit.id, pick_options(result.riskiest)))
        files = [discord.File(io.BytesIO(f.data), filename=f.name) for f in result.files]
        await channel.send(f"<@{audit.member_id}>'s audit #{audit.id} is {'complete' if result.status == 'done' else result.status}.",
                           embed=summary_embed(result), files=files, view=view)


class AuditCog(commands.Cog, name="Audit"):
    def __init__(self, bot: SecondOpinionBot) -> None:
        self.bot = bot
        self.board = DiscordAuditBoard(bot)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(CancelAuditButton, PickPageSelect)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(CancelAuditButton, PickPageSelect)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        # The guilds this process is connected to and whose shard it runs: their unfinished audits
        # resume here and nowhere else (processes sharing a database each resume their own).
        mine = [g.id for g in self.bot.guilds if self.bot.owns_guild(g.id)]
        resumed = await self.bot.services.audits.resume(mine, self.board)
        if resumed:
            log.info("resumed audits %s", resumed)

    @app_commands.command(name="audit", description="Audit a backlink export (Ahrefs, Semrush, Majestic, Search Console)")
    @app_commands.guild_only()
    @app_commands.describe(
        file="The export: a CSV from Ahrefs, Semrush, Majestic or Search Console, or a list of URLs",
        target="Your URL or domain the links point to (default: the export's target column)",
        keyword="The keyword you rank for (an anchor equal to it is exact-match)",
    )
    async def audit(
        self,
        interaction: discord.Interaction,
        file: discord.Attachment,
        target: app_commands.Range[str, 1, 2048] | None = None,
        keyword: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        assert interaction.guild_id is not None and interaction.channel_id is not None
        services = self.bot.services
        if not await is_moderator(interaction) and not await services.bulk_audits.is_open_to_all(interaction.guild_id):
            await send_error(interaction, NOT_ALLOWED)
            return
        limit = self.bot.settings.audit.max_file_bytes
        if file.size > limit:
            await send_error(interaction, f"That file is larger than {limit // 1024:,} KiB, the most an audit takes.")
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            data = await file.read()
        except discord.HTTPException:
            await send_error(interaction, "I could not download that file from Discord; try again.")
            return
        try:
            audit = await services.audits.start(
                guild_id=interaction.guild_id, channel_id=interaction.channel_id, member_id=interaction.user.id,
                filename=file.filename, data=data, target=target, keyword=keyword,
            )
        except AuditRefused as exc:
            await send_error(interaction, str(exc))
            return
        services.audits.launch(audit, self.board)
        await interaction.followup.send(
            f"Audit #{audit.id} started: {audit.total} page(s). Its progress is posted in this channel.",
            ephemeral=True,
        )

    @app_commands.command(name="audit-access", description="Managers: who may run /audit (moderators, or everyone)")
    @app_commands.guild_only()
    @app_commands.describe(everyone="True: every member may run /audit; False: moderators only (the default)")
    async def audit_access(self, interaction: discord.Interaction, everyone: bool) -> None:
        assert interaction.guild_id is not None
        if not is_manager(interaction):
            await send_error(interaction, MANAGERS_ONLY)
            return
        await self.bot.services.bulk_audits.set_open_to_all(interaction.guild_id, everyone)
        who = "every member" if everyone else "moderators only"
        await interaction.response.send_message(f"/audit is now open to {who}.", ephemeral=True)
