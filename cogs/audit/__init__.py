"""/audit: a bulk audit of a backlink export, in Discord (a thin adapter over bot.audit)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.audit.cog import AuditCog

if TYPE_CHECKING:
    from bot.client import SecondOpinionBot


async def setup(bot: SecondOpinionBot) -> None:
    await bot.add_cog(AuditCog(bot))
