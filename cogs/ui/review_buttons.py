"""Persistent review buttons: stable custom ids, so they keep working after a restart."""

from __future__ import annotations

import re
from typing import Any

import discord

from cogs.ui.replies import send_error


def _reviews_cog(interaction: discord.Interaction) -> Any:
    return interaction.client.get_cog("Reviews")  # type: ignore[attr-defined]


class AskButton(discord.ui.DynamicItem[discord.ui.Button], template=r"so:ask:(?P<check>\d+)"):
    """On a /checklink reply: open a peer review of that stored check."""

    def __init__(self, check_id: int) -> None:
        super().__init__(
            discord.ui.Button(label="Ask for a second opinion", emoji="🗳️", style=discord.ButtonStyle.primary,
                              custom_id=f"so:ask:{check_id}")
        )
        self.check_id = check_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> AskButton:
        return cls(int(match["check"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        cog = _reviews_cog(interaction)
        if cog is None:
            await send_error(interaction, "Reviews are not available right now.")
            return
        await cog.open_from_check(interaction, self.check_id)


class CloseButton(discord.ui.DynamicItem[discord.ui.Button], template=r"so:close:(?P<review>\d+)"):
    def __init__(self, review_id: int, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(label="Close review", emoji="🔒", style=discord.ButtonStyle.danger,
                              custom_id=f"so:close:{review_id}", disabled=disabled)
        )
        self.review_id = review_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> CloseButton:
        return cls(int(match["review"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        cog = _reviews_cog(interaction)
        if cog is None:
            await send_error(interaction, "Reviews are not available right now.")
            return
        await cog.handle_close(interaction, review_id=self.review_id)


class ReopenButton(discord.ui.DynamicItem[discord.ui.Button], template=r"so:reopen:(?P<review>\d+)"):
    def __init__(self, review_id: int, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(label="Reopen (moderators)", emoji="🔓", style=discord.ButtonStyle.secondary,
                              custom_id=f"so:reopen:{review_id}", disabled=disabled)
        )
        self.review_id = review_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> ReopenButton:
        return cls(int(match["review"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        cog = _reviews_cog(interaction)
        if cog is None:
            await send_error(interaction, "Reviews are not available right now.")
            return
        await cog.handle_reopen(interaction, review_id=self.review_id)


def review_view(review_id: int, *, is_open: bool) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(CloseButton(review_id, disabled=not is_open))
    view.add_item(ReopenButton(review_id, disabled=is_open))
    return view


REVIEW_BUTTONS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (AskButton, CloseButton, ReopenButton)
