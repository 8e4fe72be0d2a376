"""Persistent "Watch this link" buttons: under a /checklink result and on a closed review's summary.

Stable custom ids (registered by the Watch cog as dynamic items), so they keep working after a restart.
The review renderer only adds `WatchReviewButton`; what a click does lives in cogs.watch.flows.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from cogs.watch.flows import watch_from_check, watch_from_review

LABEL = "Watch this link"
EMOJI = "👀"


class WatchCheckButton(discord.ui.DynamicItem[discord.ui.Button], template=r"so:watch:check:(?P<check>\d+)"):
    def __init__(self, check_id: int) -> None:
        super().__init__(
            discord.ui.Button(label=LABEL, emoji=EMOJI, style=discord.ButtonStyle.secondary,
                              custom_id=f"so:watch:check:{check_id}")
        )
        self.check_id = check_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> WatchCheckButton:
        return cls(int(match["check"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await watch_from_check(interaction, self.check_id)


class WatchReviewButton(discord.ui.DynamicItem[discord.ui.Button], template=r"so:watch:review:(?P<review>\d+)"):
    def __init__(self, review_id: int) -> None:
        super().__init__(
            discord.ui.Button(label=LABEL, emoji=EMOJI, style=discord.ButtonStyle.secondary,
                              custom_id=f"so:watch:review:{review_id}")
        )
        self.review_id = review_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> WatchReviewButton:
        return cls(int(match["review"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await watch_from_review(interaction, self.review_id)


WATCH_BUTTONS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (WatchCheckButton, WatchReviewButton)
