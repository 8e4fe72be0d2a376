"""Peer review in Discord: the /secondopinion and /review commands, and the gateway events of reviews.

Commands and listeners only. What a command does is in flows; the use cases and their rules in
bot.review.service; the vote hot path in votes (VoteDesk); the REST side in board; the loops and
tasks in runtime.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.review.ports import ReviewGone
from cogs.review import flows
from cogs.review.buttons import REVIEW_BUTTONS
from cogs.review.reactions import resolve_thread
from cogs.review.runtime import ReviewRuntime

if TYPE_CHECKING:
    from bot.client import SecondOpinionBot

log = logging.getLogger(__name__)


class ReviewsCog(commands.Cog, name="Reviews"):
    review_group = app_commands.Group(name="review", description="Manage a peer review", guild_only=True)
    runtime: ReviewRuntime  # built in cog_load: it opens a database connection

    def __init__(self, bot: SecondOpinionBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*REVIEW_BUTTONS)
        try:
            self.runtime = await ReviewRuntime.start(self.bot)
        except BaseException:
            self.bot.remove_dynamic_items(*REVIEW_BUTTONS)
            raise

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*REVIEW_BUTTONS)
        await self.runtime.close()

    # -- commands ----------------------------------------------------------------------------------
    @app_commands.command(name="secondopinion", description="Ask the community for a second opinion on a backlink")
    @app_commands.guild_only()
    @app_commands.describe(
        url="The page that would link to you",
        target="Your page or domain the link should point to",
        keyword="The topic or keyword you want to rank for",
        note="Anything the reviewers should know",
    )
    async def secondopinion(
        self,
        interaction: discord.Interaction,
        url: app_commands.Range[str, 1, 2048],
        target: app_commands.Range[str, 1, 2048] | None = None,
        keyword: app_commands.Range[str, 1, 100] | None = None,
        note: app_commands.Range[str, 1, 6000] | None = None,
    ) -> None:
        await flows.open_by_command(interaction, url, target, keyword, note)

    @review_group.command(name="close", description="Close this review now and post the verdict")
    async def review_close(self, interaction: discord.Interaction) -> None:
        await flows.close(interaction)

    @review_group.command(name="reopen", description="Moderators: reopen this closed review")
    async def review_reopen(self, interaction: discord.Interaction) -> None:
        await flows.reopen(interaction)

    # -- votes -------------------------------------------------------------------------------------
    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        self.runtime.desk.on_add(payload)

    @commands.Cog.listener()
    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        self.runtime.desk.on_remove(payload)

    @commands.Cog.listener()
    async def on_raw_reaction_clear(self, payload: discord.RawReactionClearEvent) -> None:
        await self._cleared(payload.message_id, restore=True)

    @commands.Cog.listener()
    async def on_raw_reaction_clear_emoji(self, payload: discord.RawReactionClearEmojiEvent) -> None:
        await self._cleared(payload.message_id, restore=False)

    async def _cleared(self, message_id: int, *, restore: bool) -> None:
        """Reactions were wiped by a moderator: re-read that review so the votes follow."""
        ref = self.runtime.desk.refs.get(message_id)
        if ref is None:
            return
        service = self.runtime.service
        review = await self.bot.services.reviews.get(ref.review_id, ref.guild_id)
        if review is None or not review.is_open:
            return
        await service.reconcile(review)
        if restore and review.thread_id:
            service.restore_vote_reactions(review.thread_id, {ref.factor: message_id})

    # -- the thread and its messages -----------------------------------------------------------------
    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        review = self.runtime.desk.review_of_message(payload.message_id)
        if review is not None:
            await self.runtime.service.break_review(review.review_id, review.guild_id,
                                                    "a vote message of this review was deleted")

    @commands.Cog.listener()
    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        review = self.runtime.desk.review_of_thread(payload.thread_id)
        if review is not None:
            await self.runtime.service.break_review(review.review_id, review.guild_id, "the review thread was deleted")

    @commands.Cog.listener()
    async def on_raw_thread_update(self, payload: discord.RawThreadUpdateEvent) -> None:
        """An open review's thread was archived: by a moderator, or by Discord itself after a week
        without messages (reactions are not activity, and deadlines may be longer). Nobody can react
        in an archived thread, so it is opened again; closing is what the Close button is for."""
        if not payload.data.get("thread_metadata", {}).get("archived"):
            return
        review = self.runtime.desk.review_of_thread(payload.thread_id)
        if review is None:
            return
        try:
            thread = payload.thread or await resolve_thread(self.bot, payload.thread_id)
        except (ReviewGone, discord.HTTPException) as exc:
            log.warning("could not reach the thread of open review %s: %s", review.review_id, exc)
            return
        await self.runtime.board.unarchive(thread, review.review_id)

    # -- the connection ------------------------------------------------------------------------------
    @commands.Cog.listener()
    async def on_ready(self) -> None:
        self.runtime.start_deadlines()
        self.runtime.schedule_reconcile()

    @commands.Cog.listener()
    async def on_resumed(self) -> None:
        self.runtime.schedule_reconcile()
