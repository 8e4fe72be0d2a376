"""What the /watch commands and the "Watch this link" buttons do: checks, one service call, the reply.

Module functions over the typed services, so the buttons reach them without looking a cog up.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

import discord

from bot.analysis.report import Report
from bot.ratelimit import Cooldown
from bot.watch.service import WatchError
from cogs.ui.replies import send_error
from cogs.watch.render import added_embed

if TYPE_CHECKING:
    from bot.client import SecondOpinionBot

NO_MENTIONS = discord.AllowedMentions.none()
# One cooldown per bot: a command that fetches a page waits out the guild's /checklink cooldown,
# as a check does. Weak, so a bot that is gone (tests start several) takes its cooldown with it.
_cooldowns: weakref.WeakKeyDictionary[SecondOpinionBot, Cooldown] = weakref.WeakKeyDictionary()


def _bot(interaction: discord.Interaction) -> SecondOpinionBot:
    return interaction.client  # type: ignore[return-value]


def _cooldown(bot: SecondOpinionBot) -> Cooldown:
    cooldown = _cooldowns.get(bot)
    if cooldown is None:
        # The bot's clock is read at each use: tests move it.
        cooldown = _cooldowns[bot] = Cooldown(bot.settings.checks.cooldown_seconds, lambda: bot.clock())
    return cooldown


async def cooling_down(interaction: discord.Interaction) -> bool:
    """True (and the member is told) when the member fetched a page too recently."""
    assert interaction.guild_id is not None
    bot = _bot(interaction)
    seconds = (await bot.services.guild_settings.get(interaction.guild_id)).check_cooldown_seconds
    wait = _cooldown(bot).hit((interaction.guild_id, interaction.user.id), seconds)
    if wait:
        await send_error(interaction, f"Easy there: you can fetch another page in {wait:.0f} s.")
    return bool(wait)


async def watch_from_check(interaction: discord.Interaction, check_id: int) -> None:
    """The button under a /checklink result: the stored analysis is the first observation."""
    assert interaction.guild_id is not None
    stored = await _bot(interaction).services.checks.get(interaction.guild_id, check_id)
    if stored is None:
        await send_error(interaction, "That check is no longer stored.")
        return
    if not stored.target:
        await send_error(interaction, "That check names no target to watch for; use /watch add url target.")
        return
    await add_watch(interaction, url=stored.url, target=stored.target, keyword=stored.keyword,
                    check_id=check_id, baseline=stored.report(), ephemeral=True)


async def watch_from_review(interaction: discord.Interaction, review_id: int) -> None:
    """The button on a closed review: its alerts also go to the review's thread."""
    assert interaction.guild_id is not None
    services = _bot(interaction).services
    review = await services.reviews.get(review_id, interaction.guild_id)
    if review is None or review.status == "deleted":
        await send_error(interaction, f"There is no review #{review_id} in this server.")
        return
    if not review.target:
        await send_error(interaction, "That review names no target to watch for; use /watch add url target.")
        return
    baseline = None
    if review.check_id is not None:
        stored = await services.checks.get(interaction.guild_id, review.check_id)
        if stored is not None and stored.target == review.target:
            baseline = stored.report()
    await add_watch(interaction, url=review.url, target=review.target, keyword=review.keyword,
                    review_id=review.id, thread_id=review.thread_id, check_id=review.check_id,
                    baseline=baseline, ephemeral=True,
                    # The button sits in the review's thread; the alerts' own place is where it was asked.
                    channel_id=review.origin_channel_id)


async def add_watch(
    interaction: discord.Interaction,
    *,
    url: str,
    target: str,
    keyword: str | None,
    review_id: int | None = None,
    thread_id: int | None = None,
    check_id: int | None = None,
    baseline: Report | None = None,
    ephemeral: bool = False,
    channel_id: int | None = None,
) -> None:
    assert interaction.guild_id is not None and interaction.channel_id is not None
    bot = _bot(interaction)
    service = bot.services.watch
    if baseline is None:  # a fetch follows: refuse a bad URL at once, else answer within three seconds
        try:
            service.validate(url, target)
        except WatchError as exc:
            await send_error(interaction, str(exc))
            return
        if await cooling_down(interaction):
            return
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
    try:
        alert = await service.add(
            guild_id=interaction.guild_id, channel_id=channel_id or interaction.channel_id,
            member_id=interaction.user.id,
            member_name=interaction.user.display_name, url=url, target=target, keyword=keyword,
            now=bot.clock(), review_id=review_id, thread_id=thread_id, check_id=check_id,
            baseline=baseline,
        )
    except WatchError as exc:
        await send_error(interaction, str(exc))
        return
    interval = await bot.services.guild_settings.watch_interval_hours(interaction.guild_id)
    embed = added_embed(alert, interval)
    if interaction.response.is_done():
        await interaction.followup.send(embed=embed, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS)
    else:
        await interaction.response.send_message(embed=embed, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS)
