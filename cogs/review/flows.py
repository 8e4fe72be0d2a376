"""What a member's command or button does with a review: checks, deferral, the service call, the reply.

Shared by the slash commands (cogs/review/_cog.py, _moderate.py) and the persistent buttons
(cogs/review/buttons.py), which reach the review service through `bot.services.review`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.fetch import FetchError
from bot.review.ports import CheckedPage
from bot.review.review import Review
from bot.review.service import OpenRequest, ReviewRefused, ReviewService
from cogs.review.board import Where
from cogs.ui.moderators import is_moderator
from cogs.ui.replies import send_error
from cogs.ui.text import safe

if TYPE_CHECKING:
    from bot.analysis.report import Report
    from bot.client import SecondOpinionBot
    from bot.storage.guild_settings import GuildSettings

log = logging.getLogger(__name__)

UNAVAILABLE = "Reviews are not available right now."


def _bot(interaction: discord.Interaction) -> SecondOpinionBot:
    return interaction.client  # type: ignore[return-value]


async def _service(interaction: discord.Interaction) -> ReviewService | None:
    service = _bot(interaction).services.review
    if service is None:
        await send_error(interaction, UNAVAILABLE)
    return service


# -- opening ------------------------------------------------------------------------------------
async def open_by_command(interaction: discord.Interaction, url: str, target: str | None, keyword: str | None,
                          note: str | None) -> None:
    """/secondopinion: a fresh (or recent enough) analysis of the page, then the review."""
    assert interaction.guild_id is not None and interaction.channel_id is not None
    bot = _bot(interaction)
    services = bot.services
    service = await _service(interaction)
    if service is None:
        return
    try:
        url, target = services.checker.validate(url, target)
    except FetchError as exc:
        await send_error(interaction, exc.user_message)
        return
    settings = await services.guild_settings.get(interaction.guild_id)
    if not await _admit(interaction, service, settings, url, target):
        return
    await interaction.response.defer(thinking=True)
    reuse_after = bot.clock() - bot.settings.checks.reuse_seconds
    stored = await services.checks.latest_for_url(interaction.guild_id, url, target, keyword, reuse_after)
    if stored is None:
        try:
            report = await services.checker.check(url, target=target, keyword=keyword)
        except FetchError as exc:
            service.forgive(interaction.guild_id, interaction.user.id)
            await send_error(interaction, exc.user_message)
            return
        check_id = await services.checks.add_report(
            report, guild_id=interaction.guild_id, channel_id=interaction.channel_id, member_id=interaction.user.id,
            url=url, target=target, keyword=keyword, created_at=bot.clock(),
        )
        stored = await services.checks.get(interaction.guild_id, check_id)
        assert stored is not None
    await _open(interaction, service, stored, stored.report(), note=note, settings=settings)


async def open_from_check(interaction: discord.Interaction, check_id: int) -> None:
    """The "Ask for a second opinion" button on a /checklink reply."""
    if interaction.guild_id is None:
        await send_error(interaction, "This only works in a server.")
        return
    service = await _service(interaction)
    if service is None:
        return
    services = _bot(interaction).services
    stored = await services.checks.get(interaction.guild_id, check_id)
    if stored is None:
        await send_error(interaction, "That check is no longer stored; run /secondopinion with the URL.")
        return
    settings = await services.guild_settings.get(interaction.guild_id)
    if not await _admit(interaction, service, settings, stored.url, stored.target):
        return
    await interaction.response.defer(thinking=True)
    await _open(interaction, service, stored, stored.report(), note=None, settings=settings)


async def _admit(interaction: discord.Interaction, service: ReviewService, settings: GuildSettings, url: str,
                 target: str | None) -> bool:
    assert interaction.guild_id is not None
    try:
        await service.admit(interaction.guild_id, interaction.user.id, url, target,
                            settings.review_cooldown_seconds)
    except ReviewRefused as exc:
        await send_error(interaction, str(exc))
        return False
    return True


async def _open(interaction: discord.Interaction, service: ReviewService, check: CheckedPage, report: Report,
                *, note: str | None, settings: GuildSettings) -> None:
    assert interaction.guild_id is not None and interaction.channel_id is not None
    request = OpenRequest(
        guild_id=interaction.guild_id, requester_id=interaction.user.id, origin_channel_id=interaction.channel_id,
        check=check, report=report, note=note,
        place=Where(interaction.guild, settings.review_channel_id, interaction.channel),
    )
    try:
        opened = await service.open(request)
    except ReviewRefused as exc:
        await send_error(interaction, str(exc))
        return
    review = opened.review
    await interaction.followup.send(
        f"🗳️ {interaction.user.mention} asked for a second opinion on **{safe(review.domain, 100)}**: "
        f"vote in <#{review.thread_id}> until <t:{int(review.deadline_at)}:f>."
    )
    service.start_voting(opened)


# -- closing and reopening ------------------------------------------------------------------------
async def _review_for(interaction: discord.Interaction, review_id: int | None) -> Review | None:
    assert interaction.guild_id is not None
    reviews = _bot(interaction).services.reviews
    if review_id is not None:
        return await reviews.get(review_id, interaction.guild_id)
    if interaction.channel_id is None:
        return None
    return await reviews.by_thread(interaction.channel_id, interaction.guild_id)


async def close(interaction: discord.Interaction, *, review_id: int | None = None) -> None:
    if interaction.guild_id is None:
        await send_error(interaction, "This only works in a server.")
        return
    service = await _service(interaction)
    if service is None:
        return
    review = await _review_for(interaction, review_id)
    if review is None:
        await send_error(interaction, "This is not a review thread: use /review close inside one.")
        return
    moderator = review.status == "open" and await is_moderator(interaction)
    try:
        reason = service.close_reason(review, actor_id=interaction.user.id, is_moderator=moderator)
    except ReviewRefused as exc:
        await send_error(interaction, str(exc))
        return
    await interaction.response.defer(ephemeral=True, thinking=True)
    closed = await service.close(review, actor_id=interaction.user.id, reason=reason)
    if closed is None:
        await interaction.followup.send("This review was closed already.", ephemeral=True)
        return
    message = f"Closed. Community risk: {closed.verdict.community_risk.replace('_', ' ')}."
    if closed.unpublished:
        message += (f" I could not {', '.join(closed.unpublished)} in the thread: check my permissions "
                    "there (Send Messages in Threads, Manage Threads). The verdict is stored either way.")
    await interaction.followup.send(message, ephemeral=True)


async def reopen(interaction: discord.Interaction, *, review_id: int | None = None) -> None:
    if interaction.guild_id is None:
        await send_error(interaction, "This only works in a server.")
        return
    service = await _service(interaction)
    if service is None:
        return
    if not await is_moderator(interaction):
        await send_error(interaction, "Only moderators (Manage Server or the moderator role) can reopen a review.")
        return
    review = await _review_for(interaction, review_id)
    if review is None:
        await send_error(interaction, "This is not a review thread: use /review reopen inside one.")
        return
    await interaction.response.defer(ephemeral=True, thinking=True)
    try:
        reopened = await service.reopen(review, interaction.user.id)
    except ReviewRefused as exc:
        await interaction.followup.send(str(exc), ephemeral=True)
        return
    await interaction.followup.send(f"Reopened until <t:{int(reopened.deadline_at)}:f>.", ephemeral=True)
