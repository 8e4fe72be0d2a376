"""/moderate: moderators delete a review, withdraw a member's votes, or reopen a closed review.

Every action is written to the audit log (the review's timeline) by the review service.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.review.service import ReviewRefused, ReviewService
from cogs.review import flows
from cogs.ui.moderators import MODERATORS_ONLY, is_moderator
from cogs.ui.replies import send_error
from cogs.ui.text import safe

if TYPE_CHECKING:
    from bot.client import SecondOpinionBot


class ModerationCog(commands.Cog, name="Moderation"):
    moderate = app_commands.Group(
        name="moderate",
        description="Moderator actions on reviews",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: SecondOpinionBot) -> None:
        self.bot = bot

    async def _service_for_moderator(self, interaction: discord.Interaction) -> ReviewService | None:
        """The review service, when the member is a moderator (told otherwise)."""
        if not await is_moderator(interaction):
            await send_error(interaction, MODERATORS_ONLY)
            return None
        service = self.bot.services.review
        if service is None:
            await send_error(interaction, flows.UNAVAILABLE)
        return service

    @moderate.command(name="delete", description="Delete a review from the history (kept in the audit log)")
    @app_commands.describe(id="The review number", reason="Why (kept in the audit log)")
    async def delete(
        self, interaction: discord.Interaction, id: app_commands.Range[int, 1],  # noqa: A002
        reason: app_commands.Range[str, 3, 300],
    ) -> None:
        assert interaction.guild_id is not None
        service = await self._service_for_moderator(interaction)
        if service is None:
            return
        try:
            review = await service.delete(interaction.guild_id, id, actor_id=interaction.user.id, reason=reason)
        except ReviewRefused as exc:
            await send_error(interaction, str(exc))
            return
        await interaction.response.send_message(
            f"Review #{id} ({safe(review.domain, 100)}) is deleted: it no longer shows in the history. "
            f"Reason kept in the audit log: {safe(reason, 300)}",
            ephemeral=True,
        )

    @moderate.command(name="reset-votes", description="Withdraw a member's votes on open reviews")
    @app_commands.describe(member="Whose votes", id="Only on this review (default: every open review)")
    async def reset_votes(
        self, interaction: discord.Interaction, member: discord.User,
        id: app_commands.Range[int, 1] | None = None,  # noqa: A002
    ) -> None:
        assert interaction.guild_id is not None
        service = await self._service_for_moderator(interaction)
        if service is None:
            return
        try:
            if id is not None:
                await service.find(interaction.guild_id, id)
        except ReviewRefused as exc:
            await send_error(interaction, str(exc))
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        changed = await service.reset_votes(interaction.guild_id, member.id, id, actor_id=interaction.user.id)
        if changed:
            listed = ", ".join(f"#{r}" for r in sorted(changed))
            message = (f"Withdrew {member.mention}'s votes on {len(changed)} open review(s): {listed}. "
                       "Their reactions there no longer count; I remove them where I can manage messages.")
        else:
            message = f"{member.mention} has no votes on open reviews" + (f" in #{id}." if id else ".")
        await interaction.followup.send(message, ephemeral=True)

    @moderate.command(name="reopen", description="Reopen a closed review for another round of votes")
    @app_commands.describe(id="The review number")
    async def reopen(self, interaction: discord.Interaction, id: app_commands.Range[int, 1]) -> None:  # noqa: A002
        assert interaction.guild_id is not None
        service = await self._service_for_moderator(interaction)
        if service is None:
            return
        try:
            await service.find(interaction.guild_id, id)
        except ReviewRefused as exc:
            await send_error(interaction, str(exc))
            return
        # Checks the moderator again, answers the member and writes "reopened" to the timeline.
        await flows.reopen(interaction, review_id=id)
