"""Persistent Previous/Next buttons of a /history page.

The custom_id carries the whole page state (filter token + keyset cursor), or a short id of a
filter kept in storage when the filter is too long, so the buttons keep working after a restart.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import discord

from bot.history import FilterError, HistoryFilter, PageCursor
from bot.storage.history import browse_reviews, count_reviews, load_page_state, save_page_state
from cogs.ui.history_embeds import history_page_embed
from cogs.ui.replies import send_error

if TYPE_CHECKING:
    from bot.client import SecondOpinionBot

PREFIX = "so:hp:"
# A custom_id holds 100 characters; the prefix takes 6.
STATE_BUDGET = 100 - len(PREFIX)


class HistoryPageButton(discord.ui.DynamicItem[discord.ui.Button], template=r"so:hp:(?P<state>.+)"):
    def __init__(self, state: str, label: str, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(label=label, style=discord.ButtonStyle.secondary, disabled=disabled,
                              custom_id=PREFIX + state)
        )
        self.state = state

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> HistoryPageButton:
        return cls(match["state"], item.label or "")

    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.guild_id is None:
            await send_error(interaction, "This only works in a server.")
            return
        bot: SecondOpinionBot = interaction.client  # type: ignore[assignment]
        try:
            # A stored filter is looked up under this guild only: another server's ref finds nothing.
            flt, cursor = await load_page_state(bot.services.db, interaction.guild_id, self.state)
        except FilterError as exc:
            await send_error(interaction, str(exc).capitalize())
            return
        embed, view = await render_page(bot, interaction.guild_id, flt, cursor)
        await interaction.response.edit_message(embed=embed, view=view)


async def _state_text(bot: SecondOpinionBot, guild_id: int, flt: HistoryFilter, cursor: PageCursor) -> str:
    return await save_page_state(bot.services.db, guild_id, flt, cursor, now=bot.clock(), budget=STATE_BUDGET)


async def render_page(
    bot: SecondOpinionBot, guild_id: int, flt: HistoryFilter, cursor: PageCursor | None
) -> tuple[discord.Embed, discord.ui.View]:
    """The page embed and its buttons; every read is scoped to `guild_id`."""
    db = bot.services.db
    page = await browse_reviews(db, guild_id, flt, cursor)
    total = await count_reviews(db, guild_id, flt)
    embed = history_page_embed(guild_id, flt, page, total)
    view = discord.ui.View(timeout=None)
    newer, older = page.newer_cursor(), page.older_cursor()
    if newer is not None or older is not None:
        if newer is not None:
            view.add_item(HistoryPageButton(await _state_text(bot, guild_id, flt, newer), "◀ Newer"))
        else:
            view.add_item(HistoryPageButton("x:newer", "◀ Newer", disabled=True))
        if older is not None:
            view.add_item(HistoryPageButton(await _state_text(bot, guild_id, flt, older), "Older ▶"))
        else:
            view.add_item(HistoryPageButton("x:older", "Older ▶", disabled=True))
    return embed, view
