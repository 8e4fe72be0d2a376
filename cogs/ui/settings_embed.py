"""The /settings embed: each per-guild setting, its value, and whether the guild set it."""

from __future__ import annotations

import discord

from bot.storage.guild_settings import GuildSettings

LABELS: dict[str, str] = {
    "review_channel_id": "Review channel",
    "moderator_role_id": "Moderator role",
    "min_votes": "Quorum (votes per factor)",
    "deadline_hours": "Voting deadline",
    "min_member_age_hours": "Member age to vote",
    "min_account_age_days": "Account age to vote",
    "requester_may_vote": "Requester may vote",
    "check_cooldown_seconds": "/checklink cooldown",
    "review_cooldown_seconds": "Review request cooldown",
    "watch_channel_id": "Link watch channel",
    "watch_interval_hours": "Link watch interval",
}


def _number(value: float) -> str:
    return f"{value:g}"


def setting_value(settings: GuildSettings, name: str) -> str:
    value = getattr(settings, name)
    if name == "review_channel_id":
        return f"<#{value}>" if value else "not set"
    if name == "watch_channel_id":
        return f"<#{value}>" if value else "not set (the review channel)"
    if name == "watch_interval_hours":
        return f"{_number(value)} h"
    if name == "moderator_role_id":
        return f"<@&{value}>" if value else "not set (Manage Server only)"
    if name == "deadline_hours":
        return f"{_number(value)} h"
    if name == "min_member_age_hours":
        return f"{_number(value)} h in the server"
    if name == "min_account_age_days":
        return f"{_number(value)} days"
    if name.endswith("_seconds"):
        return f"{_number(value)} s"
    if name == "requester_may_vote":
        return "yes" if value else "no"
    return str(value)


def settings_embed(settings: GuildSettings, *, title: str = "Second Opinion settings", note: str | None = None) -> discord.Embed:
    embed = discord.Embed(title=title, colour=discord.Colour.blurple())
    for name, label in LABELS.items():
        origin = "set here" if name in settings.overridden else "default"
        embed.add_field(name=label, value=f"{setting_value(settings, name)}\n*{origin}*", inline=True)
    if note:
        embed.description = note
    embed.set_footer(text="Change with /settings set; /settings reset puts a setting back to its default")
    return embed
