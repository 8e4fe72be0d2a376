"""The review board in Discord: what bot.review.ports.ReviewBoard asks for, done with REST calls.

It posts a review's thread and messages, keeps the summary current, publishes the verdict,
archives and locks finished threads, reads reactions back and tells a thread what happened.
Closing steps retry the server errors discord.py gives up on, since nothing else would publish
a verdict once the review is closed.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

import discord

from bot.analysis.report import Report
from bot.review.eligibility import VoterFacts
from bot.review.factors import CHOICE_EMOJI, FACTORS
from bot.review.ports import BoardRefused, Observed, Posted, ReviewGone
from bot.review.review import Review
from bot.review.rules import ReviewRules
from bot.review.verdict import Verdict
from bot.review.votes import Tally
from cogs.review.buttons import review_view
from cogs.review.reactions import members_of, read_reactions, resolve_thread
from cogs.review.render import factor_message, requester_notice, summary_embed, thread_title, verdict_embed
from cogs.review.votes import voter_facts

log = logging.getLogger(__name__)

# Longest auto-archive Discord offers: a review thread must stay open for its whole deadline.
AUTO_ARCHIVE_MINUTES: Final = 10080
SERVER_ERROR_RETRY_DELAYS = (0.5, 2.0)
_TAG_NAMES = ("review", "open")
# The moderator's reason stays in the audit log: the thread is public.
DELETED_NOTICE = "🗑️ A moderator deleted this review: its votes no longer count and it is gone from the history."
REFUSED = "Discord refused (check my permissions there)"


def _review_tags(forum: discord.ForumChannel) -> list[discord.ForumTag]:
    """The forum's tag for open reviews, if it has one: "review"/"open" exactly, else one containing
    them. A forum that requires a tag gets its first one the bot may apply rather than a refusal."""
    tags = [t for t in forum.available_tags if not t.moderated]
    for matches in (lambda name: name in _TAG_NAMES, lambda name: any(word in name for word in _TAG_NAMES)):
        found = [t for t in tags if matches(t.name.lower().strip())]
        if found:
            return found[:1]
    if forum.flags.require_tag and tags:
        return tags[:1]
    return []


@dataclass(frozen=True)
class Where:
    """Where a review may open: the guild's review channel, else the channel the member asked in."""

    guild: discord.Guild | None
    review_channel_id: int | None
    asked_in: Any  # interaction.channel


class DiscordBoard:
    def __init__(self, bot: discord.Client) -> None:
        self.bot = bot
        self._rendered: dict[int, tuple[str, bool]] = {}  # the summary as last shown, per review
        self.summary_edits = 0  # what the vote storm bench reports as the bot's own edits

    def remembers(self, review_id: int) -> bool:
        return review_id in self._rendered

    def forget(self, review_id: int) -> None:
        self._rendered.pop(review_id, None)

    # -- opening --------------------------------------------------------------------------------
    def _review_place(self, where: Where) -> discord.TextChannel | discord.ForumChannel:
        guild = where.guild
        assert guild is not None
        if where.review_channel_id:
            channel = guild.get_channel(where.review_channel_id)
            if isinstance(channel, discord.TextChannel | discord.ForumChannel):
                return channel
            log.warning("review channel %s of guild %s is gone; using the current channel",
                        where.review_channel_id, guild.id)
        channel = where.asked_in
        if isinstance(channel, discord.Thread):
            channel = channel.parent
        if isinstance(channel, discord.TextChannel | discord.ForumChannel):
            return channel
        raise BoardRefused("this channel cannot hold review threads; ask a moderator to set a review channel")

    async def post(self, review: Review, report: Report | None, rules: ReviewRules, place: Any) -> Posted:
        try:
            return await self._post(review, report, rules, place)
        except discord.HTTPException as exc:
            raise BoardRefused(REFUSED, str(exc)) from None

    async def _post(self, review: Review, report: Report | None, rules: ReviewRules, where: Where) -> Posted:
        place = self._review_place(where)
        title = thread_title(review.domain, review.id)
        shown = replace(review, status="open")
        embed = summary_embed(shown, report, None, rules=rules)
        view = review_view(review.id, is_open=True)
        thread: discord.Thread
        summary: discord.Message | None
        if isinstance(place, discord.ForumChannel):
            created = await place.create_thread(name=title, embed=embed, view=view, applied_tags=_review_tags(place),
                                                auto_archive_duration=AUTO_ARCHIVE_MINUTES)
            thread, summary = created.thread, created.message
        else:
            thread = await place.create_thread(name=title, type=discord.ChannelType.public_thread,
                                               auto_archive_duration=AUTO_ARCHIVE_MINUTES)
            summary = None
        try:
            if summary is None:
                summary = await thread.send(embed=embed, view=view)
            messages: dict[str, int] = {}
            for factor in FACTORS:
                message = await thread.send(factor_message(factor, report))
                messages[factor.id] = message.id
        except BaseException:
            await self._delete_thread(thread)
            raise
        return Posted(place.id, thread.id, summary.id, messages, thread)

    async def take_down(self, posted: Posted) -> None:
        await self._delete_thread(posted.thread)

    @staticmethod
    async def _delete_thread(thread: discord.Thread) -> None:
        try:
            await thread.delete()
        except discord.HTTPException:
            pass

    async def add_vote_reactions(self, thread_id: int, factor_messages: Mapping[str, int]) -> None:
        channel = self.bot.get_partial_messageable(thread_id)
        for message_id in factor_messages.values():
            message = channel.get_partial_message(message_id)
            for emoji in CHOICE_EMOJI.values():
                try:
                    await message.add_reaction(emoji)
                except discord.HTTPException as exc:
                    log.warning("could not add %s to vote message %s: %s", emoji, message_id, exc)

    # -- the thread -----------------------------------------------------------------------------
    async def find_thread(self, thread_id: int) -> Any | None:
        try:
            return await resolve_thread(self.bot, thread_id)
        except discord.HTTPException as exc:
            log.warning("could not reach review thread %s: %s", thread_id, exc)
            return None

    async def say_voting_stopped(self, review_id: int, thread: Any, reason: str) -> None:
        await self._finishing_step(review_id, "say that voting stopped", lambda: thread.send(
            f"⚠️ Voting has stopped: {reason}. The votes cast so far count; the requester or a moderator "
            "can close the review now, or it closes at its deadline."))

    async def reopen_thread(self, review: Review, thread: Any, actor_id: int) -> None:
        try:
            await thread.edit(archived=False, locked=False)
            await thread.send(f"🔓 Reopened by <@{actor_id}>: voting closes <t:{int(review.deadline_at)}:R>. "
                              "Earlier votes still count.")
        except discord.HTTPException as exc:
            log.warning("could not reopen the thread of review %s: %s", review.id, exc)

    async def unarchive(self, thread: Any, review_id: int) -> None:
        try:
            await thread.edit(archived=False)
            log.info("unarchived the thread of open review %s", review_id)
        except discord.HTTPException as exc:
            log.warning("could not unarchive the thread of open review %s: %s", review_id, exc)

    # -- the summary and the verdict -------------------------------------------------------------
    async def show_summary(self, review: Review, report: Report | None, tally: Tally, verdict: Verdict | None,
                           rules: ReviewRules | None) -> None:
        assert review.thread_id is not None and review.summary_message_id is not None
        embed = summary_embed(review, report, tally, verdict=verdict, rules=rules)
        rendered = (json.dumps(embed.to_dict(), sort_keys=True), review.is_open)
        if self._rendered.get(review.id) == rendered:
            return  # e.g. the removal of a superseded reaction: nothing visible changed
        message = self.bot.get_partial_messageable(review.thread_id).get_partial_message(review.summary_message_id)
        try:
            await message.edit(embed=embed, view=review_view(review.id, is_open=review.is_open))
            self._rendered[review.id] = rendered
            self.summary_edits += 1
        except discord.NotFound:
            raise ReviewGone("the summary message or thread was deleted") from None
        except discord.HTTPException as exc:
            log.warning("could not update the summary of review %s: %s", review.id, exc)

    async def publish_verdict(self, review: Review, verdict: Verdict, report: Report | None,
                              tally: Tally) -> tuple[str, ...]:
        thread: Any = None
        if review.thread_id is not None:
            try:
                thread = await resolve_thread(self.bot, review.thread_id)
            except (ReviewGone, discord.HTTPException):
                thread = None
        failed: list[str] = []
        if thread is not None:
            # Each step on its own: a verdict that could not be posted still shows in the summary,
            # and the thread is still archived.
            if not await self._finishing_step(review.id, "post the verdict", lambda: thread.send(
                    embed=verdict_embed(review, verdict, closed_by=review.closed_by,
                                        reason=review.close_reason or ""))):
                failed.append("post the verdict")
            if review.summary_message_id:
                summary = thread.get_partial_message(review.summary_message_id)
                if await self._finishing_step(review.id, "edit the summary", lambda: summary.edit(
                        embed=summary_embed(review, report, tally, verdict=verdict),
                        view=review_view(review.id, is_open=False))):
                    self.summary_edits += 1
                else:
                    failed.append("mark the summary closed")
            if not await self._archive(review.id, thread):
                failed.append("archive the thread")
        if review.origin_channel_id != review.thread_id:
            origin = self.bot.get_partial_messageable(review.origin_channel_id)
            try:
                await origin.send(requester_notice(review, verdict), allowed_mentions=discord.AllowedMentions.none())
            except discord.HTTPException as exc:
                log.warning("could not tell the requester of review %s: %s", review.id, exc)
        return tuple(failed)

    async def retire_deleted(self, review: Review, thread: Any, report: Report | None, tally: Tally) -> None:
        """Say in the thread that the review was deleted, take the buttons off its summary, lock it."""
        await self._finishing_step(review.id, "post the deletion notice", lambda: thread.send(DELETED_NOTICE))
        if review.summary_message_id:
            summary = thread.get_partial_message(review.summary_message_id)
            if await self._finishing_step(review.id, "edit the summary", lambda: summary.edit(
                    embed=summary_embed(review, report, tally), view=None)):
                self.summary_edits += 1
        await self._archive(review.id, thread)

    async def _archive(self, review_id: int, thread: Any) -> bool:
        """Archive and lock a finished review's thread. Locking needs Manage Threads; the bot owns
        the thread, so without it the thread is still archived."""
        return (await self._finishing_step(review_id, "archive and lock the thread",
                                           lambda: thread.edit(archived=True, locked=True))
                or await self._finishing_step(review_id, "archive the thread",
                                              lambda: thread.edit(archived=True)))

    async def _finishing_step(self, review_id: int, what: str, call: Callable[[], Awaitable[Any]]) -> bool:
        """One REST call of finishing a review. discord.py retries 500/502/504 itself but gives up at
        once on other 5xx (503 when Discord is overloaded): those get a few more tries, since the
        review is closed already and nothing else would publish its verdict."""
        for delay in (*SERVER_ERROR_RETRY_DELAYS, None):
            try:
                await call()
                return True
            except discord.DiscordServerError as exc:
                if delay is None:
                    log.warning("could not %s of review %s: %s", what, review_id, exc)
                    return False
                await asyncio.sleep(delay)
            except discord.HTTPException as exc:
                log.warning("could not %s of review %s: %s", what, review_id, exc)
                return False
        return False

    # -- reading back ---------------------------------------------------------------------------
    async def read_reactions(self, thread_id: int, factor_messages: Mapping[str, int]) -> Observed:
        return await read_reactions(self.bot, thread_id, factor_messages)

    async def voter_facts(self, guild_id: int, user_ids: set[int]) -> dict[int, VoterFacts]:
        members = await members_of(self.bot.get_guild(guild_id), user_ids)
        return {uid: voter_facts(member, uid) for uid, member in members.items()}
