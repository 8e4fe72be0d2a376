"""Reading a review's reactions back from Discord, to catch up on what happened while away."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import discord

from bot.review.factors import choice_for_emoji
from bot.review.ports import Observed, ReviewGone

log = logging.getLogger(__name__)


async def resolve_thread(bot: discord.Client, thread_id: int) -> discord.abc.Messageable:
    """The review thread, from the cache or the API; ReviewGone when Discord says it is gone."""
    channel = bot.get_channel(thread_id)
    if channel is not None:
        return channel  # type: ignore[return-value]
    try:
        return await bot.fetch_channel(thread_id)  # type: ignore[return-value]
    except discord.NotFound:
        raise ReviewGone("the review thread was deleted") from None


async def read_reactions(bot: discord.Client, thread_id: int, factor_messages: Mapping[str, int]) -> Observed:
    """The vote reactions on every factor message (paginated user lists).

    A message that cannot be read for another reason than deletion is left out, which the pure
    reconcile treats as "no evidence" for that factor.
    """
    thread = await resolve_thread(bot, thread_id)
    observed = Observed(archived_thread=thread if getattr(thread, "archived", False) else None)
    for factor_id, message_id in factor_messages.items():
        try:
            message = await thread.fetch_message(message_id)
        except discord.NotFound:
            raise ReviewGone(f"the {factor_id} vote message was deleted") from None
        except discord.HTTPException as exc:
            log.warning("could not read factor message %s: %s", message_id, exc)
            continue
        by_emoji: dict[str, list[int]] = {}
        for reaction in message.reactions:
            if reaction.is_custom_emoji():
                continue
            emoji = str(reaction.emoji)
            if choice_for_emoji(emoji) is None:
                continue
            users = [user.id async for user in reaction.users(limit=None)]
            by_emoji[emoji] = users
            observed.users.update(users)
        observed.reactions[factor_id] = by_emoji
    return observed


async def members_of(guild: discord.Guild | None, user_ids: set[int]) -> dict[int, discord.Member | None]:
    """Members for eligibility: the cache first, then the API; None for who left the guild."""
    found: dict[int, discord.Member | None] = {}
    for user_id in user_ids:
        member = guild.get_member(user_id) if guild is not None else None
        if member is None and guild is not None:
            try:
                member = await guild.fetch_member(user_id)
            except discord.NotFound:
                member = None
            except discord.HTTPException as exc:
                log.info("could not fetch member %s: %s", user_id, exc)
                member = None
        found[user_id] = member
    return found
