"""The link watch in Discord: /watch, the "Watch this link" buttons, alerts, and the per-guild scheduler."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.client import SecondOpinionBot


async def setup(bot: SecondOpinionBot) -> None:
    from cogs.watch.cog import WatchCog

    await bot.add_cog(WatchCog(bot))
