"""/settings (Manage Server) and /moderate (moderators), and the guild lifecycle: leave, rejoin, purge.

Settings are stored per guild through GuildSettingsRepo, which validates them and names the bad
field. Moderator actions go to the audit log, which is also each review's timeline.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Any, Literal, cast

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.storage.guild_settings import SETTING_FIELDS, GuildSettingsError
from bot.storage.history import forget_filters
from cogs.ui.moderators import MANAGERS_ONLY, MODERATORS_ONLY, is_manager, is_moderator
from cogs.ui.replies import send_error
from cogs.ui.settings_embed import LABELS, settings_embed
from cogs.ui.text import safe

if TYPE_CHECKING:
    from bot.client import SecondOpinionBot
    from cogs.review import ReviewsCog

log = logging.getLogger(__name__)

PURGE_INTERVAL_HOURS = 1.0
SettingName = Literal[
    "review_channel", "moderator_role", "min_votes", "deadline_hours", "member_age_hours",
    "account_age_days", "requester_may_vote", "check_cooldown", "review_cooldown",
]
# Option name -> stored field.
_OPTION_FIELDS: dict[str, str] = {
    "review_channel": "review_channel_id",
    "moderator_role": "moderator_role_id",
    "min_votes": "min_votes",
    "deadline_hours": "deadline_hours",
    "member_age_hours": "min_member_age_hours",
    "account_age_days": "min_account_age_days",
    "requester_may_vote": "requester_may_vote",
    "check_cooldown": "check_cooldown_seconds",
    "review_cooldown": "review_cooldown_seconds",
}
assert set(_OPTION_FIELDS.values()) == set(SETTING_FIELDS)
_FIELD_OPTIONS = {field: option for option, field in _OPTION_FIELDS.items()}
_REVIEW_CHANNEL_NEEDS = ("view_channel", "send_messages", "create_public_threads", "send_messages_in_threads",
                         "add_reactions", "read_message_history", "embed_links")


def _channel_warning(channel: discord.abc.GuildChannel) -> str | None:
    """Say so when the bot could not open reviews in the chosen channel."""
    me = channel.guild.me
    if me is None:
        return None
    perms = channel.permissions_for(me)
    missing = [name for name in _REVIEW_CHANNEL_NEEDS if not getattr(perms, name)]
    if isinstance(channel, discord.ForumChannel):
        missing = [m for m in missing if m not in ("create_public_threads",)]
    if not missing:
        return None
    words = ", ".join(name.replace("_", " ") for name in missing)
    return f"⚠️ The bot is missing permissions in {channel.mention}: {words}. Reviews cannot open there until fixed."


class GuildSettingsCog(commands.Cog, name="GuildSettings"):
    settings_group = app_commands.Group(
        name="settings",
        description="Second Opinion settings for this server",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )
    moderate = app_commands.Group(
        name="moderate",
        description="Moderator actions on reviews",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: SecondOpinionBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.purge_loop.start()

    async def cog_unload(self) -> None:
        self.purge_loop.cancel()

    # -- helpers other cogs may call ---------------------------------------------------------

    # -- /settings -----------------------------------------------------------------------------

    async def _refuse_non_manager(self, interaction: discord.Interaction) -> bool:
        if is_manager(interaction):
            return False
        await send_error(interaction, MANAGERS_ONLY)
        return True

    @settings_group.command(name="show", description="Show this server's settings")
    async def show(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        if await self._refuse_non_manager(interaction):
            return
        current = await self.bot.services.guild_settings.get(interaction.guild_id)
        note = None
        if current.review_channel_id and interaction.guild is not None:
            channel = interaction.guild.get_channel(current.review_channel_id)
            if channel is None:
                note = ("⚠️ The review channel no longer exists: reviews open in the channel where they are "
                        "asked for until you set another.")
            else:
                note = _channel_warning(channel)
        await interaction.response.send_message(embed=settings_embed(current, note=note), ephemeral=True)

    @settings_group.command(name="set", description="Change one or more settings")
    @app_commands.describe(
        review_channel="Where review threads open (a text or forum channel)",
        moderator_role="Members with this role may moderate reviews",
        min_votes="Votes a factor needs before it has an answer (quorum)",
        deadline_hours="Hours a review stays open for votes",
        member_age_hours="Hours a member must have been in the server to vote",
        account_age_days="Days a member's account must exist to vote",
        requester_may_vote="Whether the member who asked for a review may vote on it",
        check_cooldown="Seconds between two /checklink runs of one member",
        review_cooldown="Seconds between two review requests of one member",
    )
    async def set_(
        self,
        interaction: discord.Interaction,
        review_channel: discord.TextChannel | discord.ForumChannel | None = None,
        moderator_role: discord.Role | None = None,
        min_votes: int | None = None,
        deadline_hours: float | None = None,
        member_age_hours: float | None = None,
        account_age_days: float | None = None,
        requester_may_vote: bool | None = None,
        check_cooldown: float | None = None,
        review_cooldown: float | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        if await self._refuse_non_manager(interaction):
            return
        given: dict[str, Any] = {
            "review_channel": review_channel.id if review_channel is not None else None,
            "moderator_role": moderator_role.id if moderator_role is not None else None,
            "min_votes": min_votes,
            "deadline_hours": deadline_hours,
            "member_age_hours": member_age_hours,
            "account_age_days": account_age_days,
            "requester_may_vote": requester_may_vote,
            "check_cooldown": check_cooldown,
            "review_cooldown": review_cooldown,
        }
        changes = {_OPTION_FIELDS[name]: value for name, value in given.items() if value is not None}
        if not changes:
            await send_error(interaction, "Give at least one setting to change; /settings show lists them.")
            return
        if moderator_role is not None and moderator_role.is_default():
            await send_error(interaction, "moderator_role: @everyone cannot be the moderator role.")
            return
        try:
            updated = await self.bot.services.guild_settings.update(interaction.guild_id, self.bot.clock(), **changes)
        except GuildSettingsError as exc:
            option = _FIELD_OPTIONS.get(exc.field, exc.field)
            label = LABELS.get(exc.field, exc.field)
            reason = str(exc).split(": ", 1)[-1]
            await send_error(interaction, f"{option} ({label}): {reason}. Nothing was changed.")
            return
        await self.bot.services.audit.append(
            interaction.guild_id, None, interaction.user.id, "settings_changed",
            ", ".join(f"{name}={value}" for name, value in changes.items()), self.bot.clock(),
        )
        await self._rules_changed(interaction.guild_id)
        note = _channel_warning(review_channel) if review_channel is not None else None
        changed = ", ".join(LABELS[name] for name in changes)
        await interaction.response.send_message(
            embed=settings_embed(updated, title="Settings saved", note=note or f"Changed: {changed}."),
            ephemeral=True,
        )

    @settings_group.command(name="reset", description="Put a setting back to its default")
    @app_commands.describe(setting="The setting to reset")
    async def reset(self, interaction: discord.Interaction, setting: SettingName) -> None:
        assert interaction.guild_id is not None
        if await self._refuse_non_manager(interaction):
            return
        field = _OPTION_FIELDS[setting]
        updated = await self.bot.services.guild_settings.update(interaction.guild_id, self.bot.clock(), **{field: None})
        await self.bot.services.audit.append(
            interaction.guild_id, None, interaction.user.id, "settings_reset", field, self.bot.clock()
        )
        await self._rules_changed(interaction.guild_id)
        await interaction.response.send_message(
            embed=settings_embed(updated, title="Settings saved", note=f"{LABELS[field]} is back to its default."),
            ephemeral=True,
        )

    @property
    def _reviews(self) -> ReviewsCog | None:
        """The Reviews cog, which owns the live state of open reviews (threads, votes, summaries).
        Always there, unless the bot runs without the cogs.review extension."""
        return cast("ReviewsCog | None", self.bot.get_cog("Reviews"))

    async def _rules_changed(self, guild_id: int) -> None:
        if self._reviews is not None:
            await self._reviews.rules_changed(guild_id)

    # -- /moderate -----------------------------------------------------------------------------

    async def _refuse_non_moderator(self, interaction: discord.Interaction) -> bool:
        if await is_moderator(interaction):
            return False
        await send_error(interaction, MODERATORS_ONLY)
        return True

    @moderate.command(name="delete", description="Delete a review from the history (kept in the audit log)")
    @app_commands.describe(id="The review number", reason="Why (kept in the audit log)")
    async def delete(
        self, interaction: discord.Interaction, id: app_commands.Range[int, 1],  # noqa: A002
        reason: app_commands.Range[str, 3, 300],
    ) -> None:
        assert interaction.guild_id is not None
        if await self._refuse_non_moderator(interaction):
            return
        services = self.bot.services
        review = await services.reviews.get(id, interaction.guild_id)
        if review is None or review.status == "deleted":
            await send_error(interaction, f"There is no review #{id} in this server.")
            return
        if not await services.reviews.soft_delete(id, interaction.guild_id, reason):
            await send_error(interaction, f"Review #{id} was deleted already.")
            return
        await services.audit.append(interaction.guild_id, id, interaction.user.id, "deleted", reason, self.bot.clock())
        if self._reviews is not None:
            await self._reviews.review_deleted(interaction.guild_id, id)
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
        if await self._refuse_non_moderator(interaction):
            return
        services = self.bot.services
        if id is not None:
            review = await services.reviews.get(id, interaction.guild_id)
            if review is None or review.status == "deleted":
                await send_error(interaction, f"There is no review #{id} in this server.")
                return
        await interaction.response.defer(ephemeral=True, thinking=True)
        if self._reviews is not None:  # it also refreshes the tallies
            changed = await self._reviews.reset_votes(interaction.guild_id, member.id, id)
        else:
            changed = await services.votes.reset_member(interaction.guild_id, member.id, id, now=self.bot.clock())
        now = self.bot.clock()
        detail = f"votes of {member.id} withdrawn"
        for review_id in sorted(changed):
            await services.audit.append(interaction.guild_id, review_id, interaction.user.id, "votes_reset", detail, now)
        if not changed:
            # Still on record: a moderator acted, even if nothing was there to withdraw.
            await services.audit.append(interaction.guild_id, id, interaction.user.id, "votes_reset",
                                        detail + " (none on open reviews)", now)
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
        if await self._refuse_non_moderator(interaction):
            return
        review = await self.bot.services.reviews.get(id, interaction.guild_id)
        if review is None or review.status == "deleted":
            await send_error(interaction, f"There is no review #{id} in this server.")
            return
        # The Reviews cog owns the thread, the deadline and the vote tracking: it does the reopening,
        # checks the moderator again, answers the member and writes "reopened" to the timeline.
        if self._reviews is None:
            await send_error(interaction, "Reopening is unavailable: the review feature is not loaded.")
            return
        await self._reviews.handle_reopen(interaction, review_id=id)

    # -- guild lifecycle -----------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await self.bot.services.guild_settings.mark_left(guild.id, self.bot.clock())
        log.info("left guild %s; its data is purged after the retention period", guild.id)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.bot.services.guild_settings.mark_rejoined(guild.id, self.bot.clock())

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        # Re-added while the bot was offline: at the next start the guild simply shows up.
        await self.bot.services.guild_settings.mark_rejoined(guild.id, self.bot.clock())

    async def purge_departed_guilds(self) -> list[int]:
        """Delete the data of guilds the bot left longer ago than the retention period."""
        repo = self.bot.services.guild_settings
        retention = self.bot.settings.storage.retention_days_after_leave
        now = self.bot.clock()
        left_before = now - retention * 86400.0
        # Removed while the bot was offline: no event came, but the guild is not in READY either.
        # Only this process's shards count: a guild of another shard is missing from this cache
        # because another process holds it, not because the bot left it.
        for guild_id in await repo.guilds_with_data() - {g.id for g in self.bot.guilds}:
            if not self.bot.owns_guild(guild_id):
                continue
            await repo.mark_left(guild_id, now)
            log.info("guild %s is gone (left while the bot was offline); retention starts now", guild_id)
        purged = []
        for guild_id in await repo.guilds_to_purge(now, retention):
            if not self.bot.owns_guild(guild_id):
                continue  # the process holding its shard decides, with the cache that can tell
            if self.bot.get_guild(guild_id) is not None:
                # Back in the guild (the join event was missed while offline): keep its data.
                await repo.mark_rejoined(guild_id, now)
                continue
            if await repo.purge_guild(guild_id, left_before=left_before):
                await forget_filters(self.bot.services.db, guild_id, older_than=math.inf)
                purged.append(guild_id)
                log.info("purged the data of guild %s (left more than %s days ago)", guild_id, retention)
        return purged

    @tasks.loop(hours=PURGE_INTERVAL_HOURS)
    async def purge_loop(self) -> None:
        try:
            await self.purge_departed_guilds()
        except Exception:  # one failed round must not stop the hourly task
            log.exception("purging departed guilds failed")

    @purge_loop.before_loop
    async def _before_purge(self) -> None:
        await self.bot.wait_until_ready()


async def setup(bot: SecondOpinionBot) -> None:
    await bot.add_cog(GuildSettingsCog(bot))
