"""Replies that work whatever state the interaction is in."""

from __future__ import annotations

import logging

import discord

log = logging.getLogger(__name__)


async def send_error(interaction: discord.Interaction, message: str) -> None:
    """An ephemeral error, whether or not the interaction was answered or deferred already."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True)
        else:
            await interaction.response.send_message(message, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not deliver an error message to the member", exc_info=True)
