"""/checklink: the bot's own opinion of a backlink, in Discord."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.analysis.report import Report
from bot.fetch import FetchError
from bot.ratelimit import ConcurrencyLimit, Cooldown
from bot.storage.checks import check_domain
from bot.storage.database import StorageBusyError
from cogs.review.buttons import AskButton
from cogs.review.render import community_note_text
from cogs.ui.replies import send_error
from cogs.ui.report_embed import domain_history_note, links_page_embed, report_embed
from cogs.watch.buttons import WatchCheckButton

if TYPE_CHECKING:
    from bot.client import SecondOpinionBot

log = logging.getLogger(__name__)


class LinksButton(discord.ui.DynamicItem[discord.ui.Button], template=r"so:links:(?P<check>\d+)"):
    """On a /checklink reply: lists every link of the page, ephemeral and paginated."""

    def __init__(self, check_id: int) -> None:
        super().__init__(
            discord.ui.Button(label="All links", emoji="🔗", style=discord.ButtonStyle.secondary,
                              custom_id=f"so:links:{check_id}")
        )
        self.check_id = check_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> LinksButton:
        return cls(int(match["check"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await show_links_page(interaction, self.check_id, 0, edit=False)


class LinksPageButton(discord.ui.DynamicItem[discord.ui.Button], template=r"so:lpage:(?P<check>\d+):(?P<page>\d+):(?P<dir>[pn])"):
    def __init__(self, check_id: int, page: int, direction: str, *, disabled: bool = False) -> None:
        label = "◀ Previous" if direction == "p" else "Next ▶"
        super().__init__(
            discord.ui.Button(label=label, style=discord.ButtonStyle.secondary, disabled=disabled,
                              custom_id=f"so:lpage:{check_id}:{page}:{direction}")
        )
        self.check_id, self.page, self.direction = check_id, page, direction

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> LinksPageButton:
        return cls(int(match["check"]), int(match["page"]), match["dir"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await show_links_page(interaction, self.check_id, self.page, edit=True)


async def show_links_page(interaction: discord.Interaction, check_id: int, page: int, *, edit: bool) -> None:
    bot: SecondOpinionBot = interaction.client  # type: ignore[assignment]
    if interaction.guild_id is None:
        await send_error(interaction, "This only works in a server.")
        return
    stored = await bot.services.checks.get(interaction.guild_id, check_id)
    if stored is None:
        await send_error(interaction, "That check is no longer stored.")
        return
    embed, pages = links_page_embed(stored.report(), page)
    page = min(max(page, 0), pages - 1)
    view = discord.ui.View(timeout=None)
    if pages > 1:
        view.add_item(LinksPageButton(check_id, max(page - 1, 0), "p", disabled=page == 0))
        view.add_item(LinksPageButton(check_id, min(page + 1, pages - 1), "n", disabled=page >= pages - 1))
    if edit:
        await interaction.response.edit_message(embed=embed, view=view)
    else:
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)


class CheckLinkCog(commands.Cog, name="CheckLink"):
    def __init__(self, bot: SecondOpinionBot) -> None:
        self.bot = bot
        settings = bot.settings.checks
        self.cooldown = Cooldown(settings.cooldown_seconds, bot.clock)
        self.per_guild = ConcurrencyLimit(settings.max_concurrent_per_guild)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(LinksButton, LinksPageButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(LinksButton, LinksPageButton)

    @app_commands.command(name="checklink", description="Check a page that would give you a backlink")
    @app_commands.guild_only()
    @app_commands.describe(
        url="The page that would link to you",
        target="Your page or domain the link should point to",
        keyword="The topic or keyword you want to rank for",
    )
    async def checklink(
        self,
        interaction: discord.Interaction,
        url: app_commands.Range[str, 1, 2048],
        target: app_commands.Range[str, 1, 2048] | None = None,
        keyword: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        checker = self.bot.services.checker
        try:
            url, target = checker.validate(url, target)
        except FetchError as exc:
            await send_error(interaction, exc.user_message)
            return
        guild_settings = await self.bot.services.guild_settings.get(interaction.guild_id)
        wait = self.cooldown.hit((interaction.guild_id, interaction.user.id), guild_settings.check_cooldown_seconds)
        if wait:
            await send_error(interaction, f"Easy there: you can run another check in {wait:.0f} s.")
            return
        with self.per_guild.hold(interaction.guild_id) as held:
            if not held:
                self.cooldown.reset((interaction.guild_id, interaction.user.id))
                await send_error(
                    interaction, "This server already has several checks running; try again in a few seconds."
                )
                return
            await interaction.response.defer(thinking=True)
            try:
                report = await checker.check(url, target=target, keyword=keyword)
            except FetchError as exc:
                await send_error(interaction, exc.user_message)
                return
        try:
            await self.send_report(interaction, report, url=url, target=target, keyword=keyword)
        except StorageBusyError:
            # The insert failed as a whole (single statement), so nothing was stored; say so and stop.
            log.warning("database busy while storing a check (guild %s)", interaction.guild_id)
            await send_error(interaction, "The database is busy; try again in a moment.")

    async def send_report(
        self,
        interaction: discord.Interaction,
        report: Report,
        *,
        url: str,
        target: str | None,
        keyword: str | None,
    ) -> None:
        assert interaction.guild_id is not None and interaction.channel_id is not None
        services = self.bot.services
        domain = check_domain(report, url)
        history = await services.checks.domain_history(interaction.guild_id, domain) if domain else None
        check_id = await services.checks.add_report(
            report, guild_id=interaction.guild_id, channel_id=interaction.channel_id, member_id=interaction.user.id,
            url=url, target=target, keyword=keyword, created_at=self.bot.clock(),
        )
        note = (
            domain_history_note(history.count, history.last_risk_level, history.last_checked_at, domain)
            if history else None
        )
        community = await self._community_note(interaction.guild_id, domain)
        embed = report_embed(report, check_id=check_id, domain_note=note, community_note=community)
        view = discord.ui.View(timeout=None)
        view.add_item(LinksButton(check_id))
        if services.review is not None:
            view.add_item(AskButton(check_id))
        view.add_item(WatchCheckButton(check_id))
        await interaction.followup.send(embed=embed, view=view)

    async def _community_note(self, guild_id: int, domain: str) -> str | None:
        review = self.bot.services.review
        if review is None or not domain:
            return None
        last = await review.community_verdict(guild_id, domain)
        return community_note_text(last) if last is not None else None


async def setup(bot: SecondOpinionBot) -> None:
    await bot.add_cog(CheckLinkCog(bot))
