"""The Discord side of peer reviews, one extension (`cogs.review`):

- _cog.py: /secondopinion, /review close|reopen and the gateway events of reviews
- _moderate.py: /moderate delete|reset-votes|reopen
- flows.py: what those commands and the buttons do (checks, deferral, service call, reply)
- runtime.py: builds the pieces below and the review service; owns the tasks and the loops
- board.py: the REST side (post, summary, verdict, archive, read back)
- votes.py: the vote hot path (VoteDesk); tidy.py: taking off reactions that do not count
- reactions.py: reading a review's reactions and voters back from Discord
- render.py, buttons.py: what a review looks like, and its persistent buttons
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.client import SecondOpinionBot


async def setup(bot: SecondOpinionBot) -> None:
    # Imported here: the /checklink cog imports cogs.review.buttons, which must not load the cogs.
    from cogs.review._cog import ReviewsCog
    from cogs.review._moderate import ModerationCog

    await bot.add_cog(ReviewsCog(bot))
    await bot.add_cog(ModerationCog(bot))
