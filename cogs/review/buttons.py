"""Persistent review buttons: stable custom ids, so they keep working after a restart."""

from __future__ import annotations

import re
from typing import Any

import discord

from cogs.watch.buttons import WatchReviewButton


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
        from cogs.review import flows  # flows → board → these buttons: imported when pressed

        await flows.open_from_check(interaction, self.check_id)


class ReviewActionButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"so:(?P<action>close|reopen):(?P<review>\d+)"
):
    """Close (requester or moderators) and Reopen (moderators) on a review's summary message."""

    LOOKS: dict[str, tuple[str, str, discord.ButtonStyle]] = {
        "close": ("Close review", "🔒", discord.ButtonStyle.danger),
        "reopen": ("Reopen (moderators)", "🔓", discord.ButtonStyle.secondary),
    }

    def __init__(self, action: str, review_id: int, *, disabled: bool = False) -> None:
        label, emoji, style = self.LOOKS[action]
        super().__init__(
            discord.ui.Button(label=label, emoji=emoji, style=style, custom_id=f"so:{action}:{review_id}",
                              disabled=disabled)
        )
        self.action = action
        self.review_id = review_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> ReviewActionButton:
        return cls(match["action"], int(match["review"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        from cogs.review import flows

        if self.action == "close":
            await flows.close(interaction, review_id=self.review_id)
        else:
            await flows.reopen(interaction, review_id=self.review_id)


def review_view(review_id: int, *, is_open: bool) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ReviewActionButton("close", review_id, disabled=not is_open))
    view.add_item(ReviewActionButton("reopen", review_id, disabled=is_open))
    if not is_open:  # a closed review's link can be watched; the Watch cog handles the click
        view.add_item(WatchReviewButton(review_id))
    return view


REVIEW_BUTTONS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (AskButton, ReviewActionButton)
