"""Replies that work whatever state the interaction is in."""

from __future__ import annotations

import logging

import discord

log = logging.getLogger(__name__)


async def send_error(interaction: discord.Interaction, message: str) -> None:
    """An ephemeral error, whether or not the interaction was answered or deferred already.

    After a public "thinking…" deferral the first followup takes that public message's place
    (ephemeral or not), so the thinking message is deleted first: the error belongs to the
    member alone."""
    try:
        if not interaction.response.is_done():
            await interaction.response.send_message(message, ephemeral=True)
            return
        if interaction.response.type is discord.InteractionResponseType.deferred_channel_message:
            await _drop_public_thinking(interaction)
        await interaction.followup.send(message, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not deliver an error message to the member", exc_info=True)


async def _drop_public_thinking(interaction: discord.Interaction) -> None:
    try:
        original = await interaction.original_response()
        if original.flags.loading and not original.flags.ephemeral:
            await interaction.delete_original_response()
    except discord.HTTPException:
        pass
