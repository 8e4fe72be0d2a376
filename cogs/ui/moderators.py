"""Who may moderate: Manage Server, or the guild's moderator role from its settings.

Discord's default permissions only hide a command; a server admin can show it to anyone in
Server Settings → Integrations. So every moderator command checks again at run time, here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

if TYPE_CHECKING:
    from bot.client import SecondOpinionBot

MANAGERS_ONLY = "Only members with the Manage Server permission can change the bot's settings."
MODERATORS_ONLY = "Only moderators (Manage Server or the server's moderator role) can do this."


def is_manager(interaction: discord.Interaction) -> bool:
    # interaction.permissions are the member's resolved permissions in this channel, sent by Discord.
    permissions = interaction.permissions
    return interaction.guild_id is not None and (permissions.manage_guild or permissions.administrator)


async def is_moderator(interaction: discord.Interaction) -> bool:
    """Manage Server, or the moderator role configured for this guild."""
    if interaction.guild_id is None:
        return False
    if is_manager(interaction):
        return True
    bot: SecondOpinionBot = interaction.client  # type: ignore[assignment]
    settings = await bot.services.guild_settings.get(interaction.guild_id)
    role_id = settings.moderator_role_id
    if role_id is None:
        return False
    member = interaction.user
    return isinstance(member, discord.Member) and member.get_role(role_id) is not None
