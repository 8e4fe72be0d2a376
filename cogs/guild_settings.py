"""/settings (Manage Server), and the guild lifecycle: leave, rejoin, purge.

Settings are stored per guild through GuildSettingsRepo, which validates them and names the bad
field; a change is audited and announced to the review service. /moderate is in cogs/review.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Any, Literal, get_args

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.storage.guild_settings import SETTING_FIELDS, GuildSettingsError
from bot.storage.history import forget_filters
from cogs.ui.moderators import MANAGERS_ONLY, is_manager
from cogs.ui.replies import send_error
from cogs.ui.settings_embed import LABELS, settings_embed

if TYPE_CHECKING:
    from bot.client import SecondOpinionBot

log = logging.getLogger(__name__)

PURGE_INTERVAL_HOURS = 1.0
SettingName = Literal[
    "review_channel", "moderator_role", "min_votes", "deadline_hours", "member_age_hours",
    "account_age_days", "requester_may_vote", "check_cooldown", "review_cooldown",
    "watch_channel", "watch_interval_hours",
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
    "watch_channel": "watch_channel_id",
    "watch_interval_hours": "watch_interval_hours",
}
# The option names are spelled out for discord.py (the choices of /settings reset, the parameters
# of /settings set); these keep them to the one list of stored settings.
assert set(_OPTION_FIELDS.values()) == set(SETTING_FIELDS)
assert set(get_args(SettingName)) == set(_OPTION_FIELDS)
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

    def __init__(self, bot: SecondOpinionBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.purge_loop.start()

    async def cog_unload(self) -> None:
        self.purge_loop.cancel()

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
        watch_channel="Where link watch alerts go (default: the review channel)",
        watch_interval_hours="Hours between two re-checks of a watched link (24-720)",
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
        watch_channel: discord.TextChannel | None = None,
        watch_interval_hours: float | None = None,
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
            "watch_channel": watch_channel.id if watch_channel is not None else None,
            "watch_interval_hours": watch_interval_hours,
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

    async def _rules_changed(self, guild_id: int) -> None:
        review = self.bot.services.review
        if review is not None:  # absent only when the bot runs without the cogs.review extension
            await review.rules_changed(guild_id)

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
        # Only this process's shards: a guild on another process's shard is not in self.bot.guilds
        # but has not been left, and its own process decides about it.
        for guild_id in await repo.guilds_with_data() - {g.id for g in self.bot.guilds}:
            if not self.bot.owns_guild(guild_id):
                continue
            await repo.mark_left(guild_id, now)
            log.info("guild %s is gone (left while the bot was offline); retention starts now", guild_id)
        purged = []
        for guild_id in await repo.guilds_to_purge(now, retention):
            if not self.bot.owns_guild(guild_id):
                continue
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
