"""Taking off reactions that do not count: other emoji, ineligible voters, superseded votes."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable

import discord

log = logging.getLogger(__name__)

# Discord allows about one reaction request per 0.25 s per channel.
REACTION_PACE_SECONDS = 0.26
# Clean-up waits a little so it never competes with a burst of votes it belongs to.
CLEANUP_DEFER_SECONDS = 0.5


class ReactionTidier:
    """Removes reactions that do not count, paced per channel and deferred behind the burst.

    Each request carries a check run just before the delete, so a reaction that became the
    member's current vote again meanwhile is left alone.
    """

    def __init__(self, bot: discord.Client, *, pace: float = REACTION_PACE_SECONDS,
                 defer: float = CLEANUP_DEFER_SECONDS) -> None:
        self.bot = bot
        self.pace = pace
        self.defer = defer
        self._queues: dict[int, deque[tuple[int, str, int, Callable[[], bool]]]] = {}
        self._pending: set[tuple[int, str, int]] = set()
        self._workers: dict[int, asyncio.Task[None]] = {}
        self.removed = 0  # reactions removed, which the vote storm bench reports
        self._closed = False

    @property
    def busy(self) -> bool:
        """Removals are queued or running."""
        return bool(self._workers)

    def can_tidy(self, channel_id: int) -> bool:
        channel = self.bot.get_channel(channel_id)
        guild = getattr(channel, "guild", None)
        if channel is None or guild is None or guild.me is None:
            return False
        try:
            return channel.permissions_for(guild.me).manage_messages  # type: ignore[union-attr]
        except Exception:  # a thread whose parent is not cached: unknown, so leave the reaction
            return False

    def request(self, channel_id: int, message_id: int, emoji: str, user_id: int,
                still_wanted: Callable[[], bool] = lambda: True) -> bool:
        if self._closed or not self.can_tidy(channel_id):
            return False
        key = (message_id, emoji, user_id)
        if key in self._pending:
            return True
        self._pending.add(key)
        self._queues.setdefault(channel_id, deque()).append((message_id, emoji, user_id, still_wanted))
        if channel_id not in self._workers:
            self._workers[channel_id] = asyncio.get_running_loop().create_task(
                self._work(channel_id), name=f"reaction-tidy-{channel_id}")
        return True

    def forget(self, message_id: int, emoji: str, user_id: int) -> None:
        """The reaction was removed (by the member or anyone): nothing left to tidy."""
        self._pending.discard((message_id, emoji, user_id))

    async def _work(self, channel_id: int) -> None:
        try:
            await asyncio.sleep(self.defer)
            queue = self._queues[channel_id]
            while queue:
                message_id, emoji, user_id, still_wanted = queue.popleft()
                key = (message_id, emoji, user_id)
                if key not in self._pending:
                    continue  # the reaction went away by itself meanwhile
                self._pending.discard(key)
                if not still_wanted():
                    continue
                message = self.bot.get_partial_messageable(channel_id).get_partial_message(message_id)
                try:
                    await message.remove_reaction(emoji, discord.Object(user_id))
                    self.removed += 1
                except discord.NotFound:
                    pass
                except discord.HTTPException as exc:
                    log.info("could not remove a reaction in channel %s: %s", channel_id, exc)
                await asyncio.sleep(self.pace)
        finally:
            self._workers.pop(channel_id, None)
            if not self._queues.get(channel_id):
                self._queues.pop(channel_id, None)

    async def close(self) -> None:
        self._closed = True
        workers = list(self._workers.values())
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
