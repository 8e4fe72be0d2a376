"""/history: browse the guild's reviews, one review in full, a domain's dossier, reviewer stats, exports.

Every reply is ephemeral: history is looked up for oneself. Every read passes the interaction's
guild id, so one server never sees another's reviews, whatever ids or buttons it sends.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.history import FilterError, HistoryFilter, normalise_domain, parse_when
from bot.storage.history import domain_dossier, leaderboard, review_detail, reviewer_stats
from cogs.ui.history_buttons import HistoryPageButton, render_page
from cogs.ui.history_embeds import dossier_embed, leaderboard_embed, member_stats_embed, review_detail_embed
from cogs.ui.history_export import (
    ExportFile,
    ExportTooLargeError,
    as_discord_files,
    export_notes,
    iter_export_files,
    starts_new_message,
    upload_limit,
)
from cogs.ui.moderators import MODERATORS_ONLY, is_moderator
from cogs.ui.replies import send_error
from cogs.watch.render import timeline_embed

if TYPE_CHECKING:
    from bot.client import SecondOpinionBot

log = logging.getLogger(__name__)

Verdict = Literal["low", "medium", "high", "no_consensus"]
Risk = Literal["low", "medium", "high"]
Status = Literal["open", "closed"]
ExportFormat = Literal["csv", "json", "disavow", "audits", "all"]

# Who voted what is for moderators: another member's reviews and agreement rate would tell it.
OTHERS_VOTES_ONLY_FOR_MODERATORS = (
    "Only moderators can look up another member's reviews, stats or the leaderboard. "
    "Leave the member out, or pick yourself."
)

_FILTER_HELP = {
    "domain": "Only this domain (a URL works too)",
    "member": "Reviews this member asked for or voted in (yourself; moderators: anyone)",
    "verdict": "The community's verdict",
    "risk": "The bot's risk level",
    "status": "Open or closed reviews",
    "since": "Created on or after this day (YYYY-MM-DD, UTC)",
    "until": "Created on or before this day (YYYY-MM-DD, UTC)",
    "words": "Words that must all appear in the URL or the note",
}


def build_filter(
    *,
    domain: str | None,
    member: discord.abc.User | None,
    verdict: str | None,
    risk: str | None,
    status: str | None,
    since: str | None,
    until: str | None,
    words: str | None,
) -> HistoryFilter:
    """The filter a member typed; FilterError says what is wrong in words fit to show."""
    return HistoryFilter(
        domain=domain,
        member_id=member.id if member is not None else None,
        verdict=verdict,
        risk=risk,
        status=status,
        since=parse_when(since) if since else None,
        until=parse_when(until, end=True) if until else None,
        text=words,
    )


class HistoryCog(commands.Cog, name="History"):
    history = app_commands.Group(name="history", description="This server's review history", guild_only=True)

    def __init__(self, bot: SecondOpinionBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(HistoryPageButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(HistoryPageButton)

    @history.command(name="search", description="Browse reviews, newest first, with filters")
    @app_commands.describe(**_FILTER_HELP)
    async def search(
        self,
        interaction: discord.Interaction,
        domain: app_commands.Range[str, 1, 253] | None = None,
        member: discord.User | None = None,
        verdict: Verdict | None = None,
        risk: Risk | None = None,
        status: Status | None = None,
        since: app_commands.Range[str, 10, 25] | None = None,
        until: app_commands.Range[str, 10, 25] | None = None,
        words: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        if member is not None and member.id != interaction.user.id and not await is_moderator(interaction):
            await send_error(interaction, OTHERS_VOTES_ONLY_FOR_MODERATORS)
            return
        try:
            flt = build_filter(domain=domain, member=member, verdict=verdict, risk=risk, status=status,
                               since=since, until=until, words=words)
        except FilterError as exc:
            await send_error(interaction, str(exc))
            return
        embed, view = await render_page(self.bot, interaction.guild_id, flt, None)
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

    @history.command(name="review", description="One review in full: analysis, votes, verdict, timeline")
    @app_commands.describe(id="The review number (shown in /history search)")
    async def review(self, interaction: discord.Interaction, id: app_commands.Range[int, 1]) -> None:  # noqa: A002
        assert interaction.guild_id is not None
        detail = await review_detail(self.bot.services.db, interaction.guild_id, id)
        if detail is None:
            await send_error(interaction, f"There is no review #{id} in this server.")
            return
        show_voters = await is_moderator(interaction)
        embed = review_detail_embed(interaction.guild_id, detail, show_voters=show_voters)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @history.command(name="domain", description="Everything this server knows about a domain")
    @app_commands.describe(domain="The domain (a URL works too)")
    async def domain(self, interaction: discord.Interaction, domain: app_commands.Range[str, 1, 300]) -> None:
        assert interaction.guild_id is not None
        try:
            name = normalise_domain(domain)
        except FilterError as exc:
            await send_error(interaction, str(exc))
            return
        dossier = await domain_dossier(self.bot.services.db, interaction.guild_id, name, limit=10)
        embeds = [dossier_embed(interaction.guild_id, dossier)]
        watched = timeline_embed(await self.bot.services.watch.timelines(interaction.guild_id, name), name)
        if watched is not None:
            embeds.append(watched)
        await interaction.response.send_message(embeds=embeds, ephemeral=True)

    @history.command(name="stats", description="Your reviewer stats; moderators: anyone's, or the top reviewers")
    @app_commands.describe(member="Whose stats (moderators; leave empty for the leaderboard)")
    async def stats(self, interaction: discord.Interaction, member: discord.User | None = None) -> None:
        assert interaction.guild_id is not None
        if (member is None or member.id != interaction.user.id) and not await is_moderator(interaction):
            await send_error(interaction, OTHERS_VOTES_ONLY_FOR_MODERATORS)
            return
        db = self.bot.services.db
        if member is not None:
            embed = member_stats_embed(await reviewer_stats(db, interaction.guild_id, member.id))
        else:
            embed = leaderboard_embed(await leaderboard(db, interaction.guild_id, top=10))
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @history.command(name="export", description="Moderators: export reviews and votes (CSV, JSON, disavow file)")
    @app_commands.describe(format="csv (reviews + votes), json, disavow (Google's format), audits (/audit rows) or all",
                           **_FILTER_HELP)
    async def export(
        self,
        interaction: discord.Interaction,
        format: ExportFormat = "csv",  # noqa: A002
        domain: app_commands.Range[str, 1, 253] | None = None,
        member: discord.User | None = None,
        verdict: Verdict | None = None,
        risk: Risk | None = None,
        status: Status | None = None,
        since: app_commands.Range[str, 10, 25] | None = None,
        until: app_commands.Range[str, 10, 25] | None = None,
        words: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        if not await is_moderator(interaction):
            await send_error(interaction, MODERATORS_ONLY)
            return
        try:
            flt = build_filter(domain=domain, member=member, verdict=verdict, risk=risk, status=status,
                               since=since, until=until, words=words)
        except FilterError as exc:
            await send_error(interaction, str(exc))
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self._send_export(interaction, flt, format)

    async def _send_export(self, interaction: discord.Interaction, flt: HistoryFilter, fmt: str) -> None:
        """Send the files as they are made, a message at a time, so memory stays at about one message."""
        assert interaction.guild_id is not None
        limit = upload_limit(interaction)
        group: list[ExportFile] = []
        names: list[str] = []
        size = sent = 0
        files = iter_export_files(self.bot.services.db, interaction.guild_id, flt, fmt, limit=limit,
                                  now=self.bot.clock())
        try:
            async for item in files:
                if starts_new_message(group, size, item, limit):
                    sent += 1
                    await interaction.followup.send(f"Export ({fmt}), continued below…",
                                                    files=as_discord_files(group), ephemeral=True)
                    group, size = [], 0
                group.append(item)
                names.append(item.name)
                size += len(item.data)
        except ExportTooLargeError as exc:
            earlier = f" ({len(names) - len(group)} file(s) were sent above before this.)" if sent else ""
            await interaction.followup.send(str(exc) + earlier, ephemeral=True)
            return
        text = "\n".join([f"Export ({fmt}) of this server's history: {len(names)} file(s) in total.",
                          *export_notes(names)])
        await interaction.followup.send(text, files=as_discord_files(group), ephemeral=True)
        log.info("guild %s exported history (%s, %d files)", interaction.guild_id, fmt, len(names))


async def setup(bot: SecondOpinionBot) -> None:
    await bot.add_cog(HistoryCog(bot))
