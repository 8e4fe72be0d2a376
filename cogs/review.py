"""Peer review in Discord: /secondopinion, vote threads, reaction votes, tallies, verdicts.

The rules live in bot/review (eligibility, collapsing, reconcile, verdict); this cog turns Discord
events into their inputs and renders their outputs. Vote reactions take the in-memory path in
cogs/review_votes.py; everything else here may read the database.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.analysis.urls import host_of, registrable_domain
from bot.fetch import FetchError
from bot.ratelimit import Cooldown
from bot.review.coalesce import TallyCoalescer
from bot.review.deadlines import reopen_decision
from bot.review.factors import CHOICE_EMOJI, FACTORS, choice_for_emoji
from bot.review.ingest import IngestClosedError, VoteIngestor
from bot.review.reconcile import pick_choice, reconcile
from bot.review.verdict import Verdict, compute_verdict
from bot.review.votes import VoteOps
from bot.storage.checks import StoredCheck
from bot.storage.database import Database
from bot.storage.guild_settings import GuildSettings
from bot.storage.reviews import OpenReviewExistsError, Review
from cogs.review_reconcile import ReviewGone, members_of, read_reactions, resolve_thread
from cogs.review_votes import OpenReview, ReactionTidier, VoteDesk, voter_facts
from cogs.ui.replies import send_error
from cogs.ui.review_buttons import REVIEW_BUTTONS, AskButton, review_view
from cogs.ui.review_render import (
    bot_summary,
    community_note_text,
    factor_message,
    requester_notice,
    summary_embed,
    thread_title,
    verdict_embed,
)
from cogs.ui.text import safe

if TYPE_CHECKING:
    from bot.client import SecondOpinionBot

log = logging.getLogger(__name__)

# Longest auto-archive Discord offers: a review thread must stay open for its whole deadline.
AUTO_ARCHIVE_MINUTES = 10080
DEADLINE_CHECK_CAP_SECONDS = 60.0
SERVER_ERROR_RETRY_DELAYS = (0.5, 2.0)
_TAG_NAMES = ("review", "open")
# The moderator's reason stays in the audit log: the thread is public.
DELETED_NOTICE = "🗑️ A moderator deleted this review: its votes no longer count and it is gone from the history."


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


class ReviewError(Exception):
    """A refusal or failure to show the member, as is."""


@dataclass(frozen=True)
class Closed:
    """A review this process closed: its verdict, and what the thread refused (missing permissions)."""

    verdict: Verdict
    unpublished: tuple[str, ...] = ()


class ReviewsCog(commands.Cog, name="Reviews"):
    review_group = app_commands.Group(name="review", description="Manage a peer review", guild_only=True)

    def __init__(self, bot: SecondOpinionBot) -> None:
        self.bot = bot
        self.services = bot.services
        self.settings = bot.settings
        self.clock = bot.clock
        self.cooldown = Cooldown(self.settings.review.review_cooldown_seconds, self.clock)
        self.coalescer = TallyCoalescer(self.refresh_summary, interval=self.settings.review.tally_edit_interval)
        self._ingest_db: Database | None = None
        self.ingestor: VoteIngestor | None = None
        self.tidier = ReactionTidier(bot)
        self.desk: VoteDesk | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._deadline_task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._reconcile_task: asyncio.Task[None] | None = None
        self._opening: set[int] = set()  # reviews this process is opening right now
        self._reconcile_again = False
        self._reports: dict[int, dict[str, Any] | None] = {}
        self._guild_of: dict[int, int] = {}
        self._rendered: dict[int, tuple[str, bool]] = {}  # the summary as last shown, per review
        # Counters for tests and benchmarks.
        self.reconcile_runs = 0
        self.summary_edits = 0
        self.deadline_closes = 0

    # -- lifecycle -------------------------------------------------------------------------------
    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*REVIEW_BUTTONS)
        db: Database = self.services.db
        if db.description != ":memory:":
            # The writer's transactions span several awaits: its own connection keeps other
            # tasks' statements out of them and lets reads go on meanwhile (WAL).
            self._ingest_db = await db.open_another()
        try:
            self.ingestor = VoteIngestor(self._ingest_db or db, on_changed=self.coalescer.mark_many)
            self.ingestor.start()
            self.desk = VoteDesk(self.bot, self.ingestor, self.tidier, self.services.guild_settings.rules,
                                 self.clock)
            await self._load_open_reviews()
        except BaseException:
            # A cog whose load fails (or is cancelled by a stop during start-up) is never added,
            # so cog_unload will not run: close the connection's thread here, or the process
            # cannot exit.
            await self.cog_unload()
            raise

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*REVIEW_BUTTONS)
        for task in [self._deadline_task, self._reconcile_task, *self._tasks]:
            if task is not None:
                task.cancel()
        await asyncio.gather(*(t for t in [self._deadline_task, self._reconcile_task, *self._tasks] if t),
                             return_exceptions=True)
        await self.tidier.close()
        await self.coalescer.close(flush=False)  # the next start refreshes every open summary
        if self.ingestor is not None:
            await self.ingestor.close()
        if self._ingest_db is not None:
            await self._ingest_db.close()

    def _spawn(self, coro: Any, name: str) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _load_open_reviews(self) -> None:
        """Fill the hot-path map from the database: every open review's factor messages."""
        assert self.desk is not None
        refs = await self.services.reviews.open_factor_messages()
        by_review: dict[tuple[int, int], dict[str, int]] = {}
        for message_id, ref in refs.items():
            by_review.setdefault((ref.review_id, ref.guild_id), {})[ref.factor] = message_id
        for (review_id, guild_id), messages in by_review.items():
            review = await self.services.reviews.get(review_id, guild_id)
            if review is None or not review.is_open or review.broken:
                continue
            await self._track(review, messages)

    async def _track(self, review: Review, messages: dict[str, int]) -> None:
        assert self.desk is not None
        rules = await self.services.guild_settings.rules(review.guild_id)
        self._guild_of[review.id] = review.guild_id
        self.desk.track(OpenReview.of(review, messages), rules)

    # -- API used by the /checklink cog ----------------------------------------------------------
    def ask_button(self, check_id: int) -> discord.ui.Item[Any]:
        return AskButton(check_id)

    async def community_note(self, guild_id: int, domain: str) -> str | None:
        last = await self.services.reviews.last_closed_for_domain(guild_id, domain)
        return community_note_text(last) if last is not None else None

    # -- opening -----------------------------------------------------------------------------
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
        assert interaction.guild_id is not None
        checker = self.services.checker
        try:
            url, target = checker.validate(url, target)
        except FetchError as exc:
            await send_error(interaction, exc.user_message)
            return
        settings = await self.services.guild_settings.get(interaction.guild_id)
        if not await self._admit(interaction, settings, url, target):
            return
        await interaction.response.defer(thinking=True)
        reuse_after = self.clock() - self.settings.checks.reuse_seconds
        stored = await self.services.checks.latest_for_url(interaction.guild_id, url, target, keyword, reuse_after)
        if stored is None:
            try:
                report = await checker.check(url, target=target, keyword=keyword)
            except FetchError as exc:
                self.cooldown.reset((interaction.guild_id, interaction.user.id))
                await send_error(interaction, exc.user_message)
                return
            stored = await self._store_check(interaction, report.to_dict(), url, target, keyword)
        await self._open(interaction, stored, note=note, settings=settings)

    async def open_from_check(self, interaction: discord.Interaction, check_id: int) -> None:
        """The "Ask for a second opinion" button on a /checklink reply."""
        if interaction.guild_id is None:
            await send_error(interaction, "This only works in a server.")
            return
        stored = await self.services.checks.get(interaction.guild_id, check_id)
        if stored is None:
            await send_error(interaction, "That check is no longer stored; run /secondopinion with the URL.")
            return
        settings = await self.services.guild_settings.get(interaction.guild_id)
        if not await self._admit(interaction, settings, stored.url, stored.target):
            return
        await interaction.response.defer(thinking=True)
        await self._open(interaction, stored, note=None, settings=settings)

    async def _admit(self, interaction: discord.Interaction, settings: GuildSettings, url: str,
                     target: str | None) -> bool:
        """Refuse a second review of the same URL and target, and members asking too often."""
        assert interaction.guild_id is not None
        existing = await self.services.reviews.find_open(interaction.guild_id, url, target)
        if existing is not None:
            await send_error(interaction, self._points_to(existing))
            return False
        wait = self.cooldown.hit((interaction.guild_id, interaction.user.id), settings.review_cooldown_seconds)
        if wait:
            await send_error(interaction, f"Easy there: you can ask for another review in {wait:.0f} s.")
            return False
        return True

    @staticmethod
    def _points_to(review: Review) -> str:
        where = f" in <#{review.thread_id}>" if review.thread_id else " (its thread is being set up)"
        return f"A review of this page and target is already open{where}: review #{review.id}."

    async def _store_check(self, interaction: discord.Interaction, report: dict[str, Any], url: str,
                           target: str | None, keyword: str | None) -> StoredCheck:
        assert interaction.guild_id is not None and interaction.channel_id is not None
        checks = self.services.checks
        domain = registrable_domain(host_of(report.get("final_url") or url)) or host_of(url) or ""
        check_id = await checks.add(
            guild_id=interaction.guild_id, channel_id=interaction.channel_id, member_id=interaction.user.id,
            url=url, final_url=report.get("final_url"), domain=domain, target=target, keyword=keyword,
            report_json=json.dumps(report, ensure_ascii=False), risk_level=report["risk"]["level"],
            risk_score=int(report["risk"]["score"]), created_at=self.clock(),
        )
        stored = await checks.get(interaction.guild_id, check_id)
        assert stored is not None
        return stored

    async def _open(self, interaction: discord.Interaction, stored: StoredCheck, *, note: str | None,
                    settings: GuildSettings) -> None:
        assert interaction.guild_id is not None and interaction.channel_id is not None
        reviews = self.services.reviews
        rules = settings.review_rules(self.settings.review)
        now = self.clock()
        result = await reviews.create(
            guild_id=interaction.guild_id, requester_id=interaction.user.id,
            origin_channel_id=interaction.channel_id, url=stored.url, domain=stored.domain, now=now,
            deadline_at=now + rules.deadline_seconds, target=stored.target, keyword=stored.keyword, note=note,
            check_id=stored.id, bot_risk_level=stored.risk_level, bot_risk_score=stored.risk_score,
        )
        if not result.created:
            await send_error(interaction, self._points_to(result.review))
            return
        review = result.review
        report = json.loads(stored.report_json)
        self._reports[review.id] = report
        self._opening.add(review.id)
        try:
            review, messages = await self._post(interaction, review, report, settings)
        except (discord.HTTPException, ReviewError) as exc:
            await reviews.abandon(review.id, review.guild_id, f"posting the thread failed: {exc}")
            log.warning("could not post review %s: %s", review.id, exc)
            why = str(exc) if isinstance(exc, ReviewError) else "Discord refused (check my permissions there)"
            await send_error(interaction, f"I could not open the review thread: {why}. "
                                                        "Nothing was opened; you can try again.")
            return
        except BaseException:
            # Anything else (a busy database at the last step, a shutdown): the URL must not stay
            # blocked by a review that never opened. The command's error handler tells the member.
            await asyncio.shield(reviews.abandon(review.id, review.guild_id, "opening was interrupted"))
            raise
        finally:
            self._opening.discard(review.id)
        await self.services.audit.append(review.guild_id, review.id, interaction.user.id, "opened", review.url,
                                         self.clock())
        self._wake.set()
        await interaction.followup.send(
            f"🗳️ {interaction.user.mention} asked for a second opinion on **{safe(review.domain, 100)}**: "
            f"vote in <#{review.thread_id}> until <t:{int(review.deadline_at)}:f>."
        )
        self._spawn(self._add_vote_reactions(review.thread_id or 0, messages), f"review-{review.id}-reactions")

    async def _review_place(self, interaction: discord.Interaction,
                            settings: GuildSettings) -> discord.TextChannel | discord.ForumChannel:
        guild = interaction.guild
        assert guild is not None
        if settings.review_channel_id:
            channel = guild.get_channel(settings.review_channel_id)
            if isinstance(channel, discord.TextChannel | discord.ForumChannel):
                return channel
            log.warning("review channel %s of guild %s is gone; using the current channel",
                        settings.review_channel_id, guild.id)
        channel = interaction.channel
        if isinstance(channel, discord.Thread):
            channel = channel.parent
        if isinstance(channel, discord.TextChannel | discord.ForumChannel):
            return channel
        raise ReviewError("this channel cannot hold review threads; ask a moderator to set a review channel")

    async def _post(self, interaction: discord.Interaction, review: Review, report: dict[str, Any],
                    settings: GuildSettings) -> tuple[Review, dict[str, int]]:
        """Create the thread, the summary and the factor messages; then attach them (status open)."""
        place = await self._review_place(interaction, settings)
        title = thread_title(review.domain, review.id)
        shown = replace(review, status="open")
        embed = summary_embed(shown, report, None, rules=settings.review_rules(self.settings.review))
        view = review_view(review.id, is_open=True)
        thread: discord.Thread
        summary: discord.Message | None
        if isinstance(place, discord.ForumChannel):
            tags = _review_tags(place)
            created = await place.create_thread(name=title, embed=embed, view=view, applied_tags=tags,
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
            attached = await self.services.reviews.attach(
                review.id, review.guild_id, channel_id=place.id, thread_id=thread.id,
                summary_message_id=summary.id, factor_messages=messages,
            )
            if attached is None:
                raise ReviewError("the review was cancelled meanwhile")
        except BaseException:
            try:
                await thread.delete()
            except discord.HTTPException:
                pass
            raise
        await self._track(attached, messages)
        return attached, messages

    async def _add_vote_reactions(self, thread_id: int, messages: dict[str, int]) -> None:
        channel = self.bot.get_partial_messageable(thread_id)
        for message_id in messages.values():
            message = channel.get_partial_message(message_id)
            for emoji in CHOICE_EMOJI.values():
                try:
                    await message.add_reaction(emoji)
                except discord.HTTPException as exc:
                    log.warning("could not add %s to vote message %s: %s", emoji, message_id, exc)

    # -- summary refresh (coalesced) ------------------------------------------------------------
    async def refresh_summary(self, review_id: int) -> None:
        guild_id = self._guild_of.get(review_id)
        if guild_id is None:
            return
        review = await self.services.reviews.get(review_id, guild_id)
        if review is None or review.thread_id is None or review.summary_message_id is None:
            return
        tally = await self.services.votes.tally(review_id, guild_id)
        report = await self._report(review)
        verdict = Verdict.from_json(review.verdict_json) if review.verdict_json else None
        rules = None
        if review.is_open:
            # The vote desk's copy (kept current by /settings) spares a read per edit.
            rules = self.desk.rules_of(guild_id) if self.desk is not None else None
            rules = rules or await self.services.guild_settings.rules(guild_id)
        embed = summary_embed(review, report, tally, verdict=verdict, rules=rules)
        rendered = (json.dumps(embed.to_dict(), sort_keys=True), review.is_open)
        if self._rendered.get(review_id) == rendered:
            return  # e.g. the removal of a superseded reaction: nothing visible changed
        message = self.bot.get_partial_messageable(review.thread_id).get_partial_message(review.summary_message_id)
        try:
            await message.edit(embed=embed, view=review_view(review.id, is_open=review.is_open))
            self._rendered[review_id] = rendered
            self.summary_edits += 1
        except discord.NotFound:
            await self.break_review(review_id, guild_id, "the summary message or thread was deleted")
        except discord.HTTPException as exc:
            log.warning("could not update the summary of review %s: %s", review_id, exc)

    async def _report(self, review: Review) -> dict[str, Any] | None:
        if review.id not in self._reports:
            stored = await self.services.checks.get(review.guild_id, review.check_id) if review.check_id else None
            self._reports[review.id] = json.loads(stored.report_json) if stored else None
        return self._reports[review.id]

    # -- votes ------------------------------------------------------------------------------------
    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        if self.desk is not None:
            self.desk.on_add(payload)

    @commands.Cog.listener()
    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        if self.desk is not None:
            self.desk.on_remove(payload)

    @commands.Cog.listener()
    async def on_raw_reaction_clear(self, payload: discord.RawReactionClearEvent) -> None:
        await self._cleared(payload.message_id, restore=True)

    @commands.Cog.listener()
    async def on_raw_reaction_clear_emoji(self, payload: discord.RawReactionClearEmojiEvent) -> None:
        await self._cleared(payload.message_id, restore=False)

    async def _cleared(self, message_id: int, *, restore: bool) -> None:
        """Reactions were wiped by a moderator: re-read that review so the votes follow."""
        if self.desk is None or message_id not in self.desk.refs:
            return
        ref = self.desk.refs[message_id]
        review = await self.services.reviews.get(ref.review_id, ref.guild_id)
        if review is None or not review.is_open:
            return
        await self.reconcile_review(review)
        if restore and review.thread_id:
            self._spawn(self._add_vote_reactions(review.thread_id, {ref.factor: message_id}), "restore-reactions")

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        if self.desk is None:
            return
        review = self.desk.review_of_message(payload.message_id)
        if review is not None:
            await self.break_review(review.review_id, review.guild_id, "a vote message of this review was deleted")

    @commands.Cog.listener()
    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        if self.desk is None:
            return
        review = self.desk.review_of_thread(payload.thread_id)
        if review is not None:
            await self.break_review(review.review_id, review.guild_id, "the review thread was deleted")

    @commands.Cog.listener()
    async def on_raw_thread_update(self, payload: discord.RawThreadUpdateEvent) -> None:
        """An open review's thread was archived: by a moderator, or by Discord itself after a week
        without messages (reactions are not activity, and deadlines may be longer). Nobody can react
        in an archived thread, so it is opened again; closing is what the Close button is for."""
        if self.desk is None or not payload.data.get("thread_metadata", {}).get("archived"):
            return
        review = self.desk.review_of_thread(payload.thread_id)
        if review is None:
            return
        try:
            thread = payload.thread or await resolve_thread(self.bot, payload.thread_id)
        except (ReviewGone, discord.HTTPException) as exc:
            log.warning("could not reach the thread of open review %s: %s", review.review_id, exc)
            return
        await self._unarchive(thread, review.review_id)

    async def _unarchive(self, thread: Any, review_id: int) -> None:
        try:
            await thread.edit(archived=False)
            log.info("unarchived the thread of open review %s", review_id)
        except discord.HTTPException as exc:
            log.warning("could not unarchive the thread of open review %s: %s", review_id, exc)

    async def break_review(self, review_id: int, guild_id: int, reason: str) -> None:
        """No more votes: the thread or a vote message is gone.

        Without its thread the review closes now with the votes it has: nobody could close it
        otherwise, and it would hold its URL until the deadline. With its thread, the thread
        says that voting stopped (the summary shows why), and the requester, a moderator or the
        deadline closes it; the votes cast so far count.
        """
        assert self.desk is not None
        self.desk.untrack(review_id)
        if not await self.services.reviews.mark_broken(review_id, guild_id, reason):
            return
        await self.services.audit.append(guild_id, review_id, None, "broken", reason, self.clock())
        log.info("review %s can no longer take votes: %s", review_id, reason)
        review = await self.services.reviews.get(review_id, guild_id)
        if review is None or not review.is_open or review.thread_id is None:
            return
        try:
            thread = await resolve_thread(self.bot, review.thread_id)
        except ReviewGone:
            await self.close_review(review, actor_id=None, reason="moderator")  # only they delete threads
            return
        except discord.HTTPException as exc:
            log.warning("could not reach the thread of review %s: %s", review_id, exc)
            return
        await self._finishing_step(review_id, "say that voting stopped", lambda: thread.send(
            f"⚠️ Voting has stopped: {reason}. The votes cast so far count; the requester or a moderator "
            "can close the review now, or it closes at its deadline."))
        self.coalescer.mark_dirty(review_id)

    async def rules_changed(self, guild_id: int) -> None:
        """/settings changed the guild's rules: votes from now on are judged by the new ones, and
        the open reviews' summaries say so."""
        if self.desk is not None:
            await self.desk.refresh_rules(guild_id)
            for open_review in list(self.desk.reviews.values()):
                if open_review.guild_id == guild_id:
                    self.coalescer.mark_dirty(open_review.review_id)

    # -- a moderator's vote reset ----------------------------------------------------------------
    async def reset_votes(self, guild_id: int, member_id: int, review_id: int | None) -> set[int]:
        """Withdraw a member's votes on open reviews (one, or all of the guild); the ids whose
        tally changed. The member's reactions are removed where the bot manages messages; those it
        cannot remove stay on Discord but no longer count (the reset is stored for reconciliation)."""
        assert self.desk is not None and self.ingestor is not None
        try:
            await self.ingestor.submit_ops(VoteOps())  # a barrier: the member's queued votes land first
        except IngestClosedError:
            pass
        changed = await self.services.votes.reset_member(guild_id, member_id, review_id, now=self.clock())
        self.coalescer.mark_many(changed)  # the tallies shown in the summaries
        for open_review in list(self.desk.reviews.values()):
            if open_review.guild_id != guild_id or review_id not in (None, open_review.review_id):
                continue
            for message_id in open_review.factor_messages.values():
                key = (message_id, member_id)
                choice = self.desk.current.pop(key, None)
                if choice is not None and open_review.thread_id is not None:
                    # Left alone if the member votes on the factor again before the removal runs.
                    self.tidier.request(open_review.thread_id, message_id, CHOICE_EMOJI[choice], member_id,
                                        lambda key=key: key not in self.desk.current)  # type: ignore[misc]
        return changed

    # -- deletion by a moderator ------------------------------------------------------------------
    async def review_deleted(self, guild_id: int, review_id: int) -> None:
        """/moderate delete removed this review (stored as deleted already): stop tracking it now,
        and retire its thread in the background: the moderator's command must answer within 3 s."""
        assert self.desk is not None
        self.desk.untrack(review_id)  # no new votes (the database refuses them too: it is not open)
        self.coalescer.forget(review_id)
        self._guild_of.pop(review_id, None)  # a refresh marked meanwhile finds nothing to render
        self._rendered.pop(review_id, None)
        self._reports.pop(review_id, None)
        self._spawn(self._retire_deleted(guild_id, review_id), f"review-{review_id}-deleted")

    async def _retire_deleted(self, guild_id: int, review_id: int) -> None:
        try:
            review = await self.services.reviews.get(review_id, guild_id)
            # A closed review's thread is archived with its verdict; a deleted one while opening has none.
            if review is None or review.thread_id is None or review.closed_at is not None:
                return
            await self._retire_thread(review)
        except Exception:
            log.exception("could not retire the thread of deleted review %s", review_id)

    async def _retire_thread(self, review: Review) -> None:
        """Say in the thread that the review was deleted, take the buttons off its summary, lock it."""
        assert review.thread_id is not None
        try:
            thread: Any = await resolve_thread(self.bot, review.thread_id)
        except (ReviewGone, discord.HTTPException) as exc:
            log.info("the thread of deleted review %s is not reachable: %s", review.id, exc)
            return
        tally = await self.services.votes.tally(review.id, review.guild_id)
        report = await self._report(review)
        self._reports.pop(review.id, None)  # read for this last render only
        await self._finishing_step(review.id, "post the deletion notice", lambda: thread.send(DELETED_NOTICE))
        if review.summary_message_id:
            summary = thread.get_partial_message(review.summary_message_id)
            if await self._finishing_step(review.id, "edit the summary", lambda: summary.edit(
                    embed=summary_embed(review, report, tally), view=None)):
                self.summary_edits += 1
        await self._archive(review.id, thread)

    # -- reconciliation -----------------------------------------------------------------------
    @commands.Cog.listener()
    async def on_ready(self) -> None:
        if self._deadline_task is None or self._deadline_task.done():
            self._deadline_task = asyncio.get_running_loop().create_task(self._deadline_loop(), name="deadlines")
        self.schedule_reconcile()

    @commands.Cog.listener()
    async def on_resumed(self) -> None:
        self.schedule_reconcile()

    def schedule_reconcile(self) -> None:
        """Run a reconciliation pass now, or once more after the one running (events may be missed)."""
        if self._reconcile_task is not None and not self._reconcile_task.done():
            self._reconcile_again = True
            return
        self._reconcile_task = asyncio.get_running_loop().create_task(self._reconcile_loop(), name="reconcile")

    async def _reconcile_loop(self) -> None:
        while True:
            self._reconcile_again = False
            try:
                await self.reconcile_all()
            except Exception:
                log.exception("reconciliation pass failed")
            self.reconcile_runs += 1
            if not self._reconcile_again:
                return

    async def reconcile_all(self) -> None:
        assert self.desk is not None
        # Reviews left 'opening' by a process that stopped mid-way would block their URL forever.
        for review_id, guild_id in await self.services.reviews.stale_openings(exclude=self._opening):
            if not self.bot.owns_guild(guild_id):
                continue  # another shard's process may be opening it right now
            if await self.services.reviews.abandon(review_id, guild_id, "opening was interrupted (restart)"):
                log.warning("review %s was left half-opened; abandoned it", review_id)
        refs = await self.services.reviews.open_factor_messages()
        keys = sorted({(ref.review_id, ref.guild_id) for ref in refs.values() if self.bot.owns_guild(ref.guild_id)})
        for review_id, guild_id in keys:
            review = await self.services.reviews.get(review_id, guild_id)
            if review is not None and review.is_open and not review.broken:
                await self.reconcile_review(review)

    async def reconcile_review(self, review: Review) -> None:
        """Make the stored votes say what the reactions say (missed adds, removals, clears)."""
        assert self.desk is not None and self.ingestor is not None
        if review.thread_id is None:
            return
        if self.clock() >= review.deadline_at:
            return  # voting is over; the deadline sweeper closes it with the votes it has
        open_review = self.desk.reviews.get(review.id)
        if open_review is None:
            return  # closed or broken meanwhile: its votes are final
        messages = open_review.factor_messages
        # The stored votes are read BEFORE the reactions: the writes are conditional on them, so a
        # live change landing during the read only makes a write miss. Read after, a vote withdrawn
        # live between the two reads would be inserted again from the stale reactions.
        # Live events of the review while the reads run are newer than what the reads return.
        with self.desk.watching(review.id) as changed_live:
            stored = await self.services.votes.votes_for_review(review.id, review.guild_id)
            reset_members = await self.services.votes.reset_members(review.id, review.guild_id)
            try:
                observed = await read_reactions(self.bot, review.thread_id, messages)
            except ReviewGone as gone:
                await self.break_review(review.id, review.guild_id, str(gone))
                return
            if observed.archived_thread is not None:
                # Archived while the bot was away (Discord does so after a week without messages).
                self._spawn(self._unarchive(observed.archived_thread, review.id), f"review-{review.id}-unarchive")
            members = await members_of(self.bot.get_guild(review.guild_id), observed.users)
            eligible = {uid: self.desk.check(open_review, voter_facts(m, uid)).ok for uid, m in members.items()}
            changed = set(changed_live)  # as of now: no await from here to the writes' queueing
            ops = reconcile(guild_id=review.guild_id, review_id=review.id, stored=stored,
                            observed=observed.reactions, is_eligible=lambda uid: eligible.get(uid, False),
                            now=self.clock(), changed_live=changed, reset_members=reset_members)
        for factor_id, by_emoji in observed.reactions.items():
            message_id = messages[factor_id]
            seen: dict[int, set[Any]] = {}
            for emoji, users in by_emoji.items():
                for uid in users:
                    if eligible.get(uid) and (factor_id, uid) not in changed:
                        seen.setdefault(uid, set()).add(choice_for_emoji(emoji))
            for uid, choices in seen.items():
                # A live switch seen meanwhile knows the latest choice (its superseded reaction
                # is waiting to be tidied): keep it while its reaction stands, as reconcile does.
                if self.desk.current.get((message_id, uid)) not in choices:
                    self.desk.current[(message_id, uid)] = pick_choice(choices)
        try:
            if ops:
                await self.ingestor.submit_ops(ops)
        except IngestClosedError:
            return
        self.coalescer.mark_dirty(review.id)

    # -- deadlines --------------------------------------------------------------------------------
    async def _deadline_loop(self) -> None:
        reviews = self.services.reviews
        while True:
            self._wake.clear()
            next_at: float | None = None
            try:
                # Only this process's shards: another process closes the other guilds' reviews.
                shards = self.bot.shard_plan
                for review in await reviews.due_reviews(self.clock(), shards=shards):
                    if await self.close_review(review, actor_id=None, reason="deadline") is not None:
                        self.deadline_closes += 1
                next_at = await reviews.next_deadline(shards=shards)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("the deadline sweep failed")
            delay = DEADLINE_CHECK_CAP_SECONDS if next_at is None else next_at - self.clock()
            delay = min(DEADLINE_CHECK_CAP_SECONDS, max(0.05, delay))
            try:
                await asyncio.wait_for(self._wake.wait(), delay)
            except TimeoutError:
                pass

    # -- closing and reopening -----------------------------------------------------------------
    async def close_review(self, review: Review, *, actor_id: int | None, reason: str) -> Closed | None:
        """Close into a verdict; None when someone else closed it first."""
        assert self.desk is not None and self.ingestor is not None
        services = self.services
        self.desk.untrack(review.id)  # no new votes from here on
        try:
            await self.ingestor.submit_ops(VoteOps())  # a barrier: votes queued before are stored
        except IngestClosedError:
            pass
        tally = await services.votes.tally(review.id, review.guild_id)
        report = await self._report(review)
        rules = await services.guild_settings.rules(review.guild_id)
        verdict = compute_verdict(tally, bot_summary(report), rules)
        now = self.clock()
        closed_ok = await services.reviews.close(
            review.id, review.guild_id, verdict_json=verdict.to_json(), community_risk=verdict.community_risk,
            closed_by=actor_id, reason=reason, now=now,
        )
        if not closed_ok:
            return None
        self.coalescer.forget(review.id)
        await services.audit.append(review.guild_id, review.id, actor_id, "closed",
                                    f"{reason}; community risk {verdict.community_risk}", now)
        closed = await services.reviews.get(review.id, review.guild_id) or review
        return Closed(verdict, await self._publish_verdict(closed, verdict, report, tally))

    async def _publish_verdict(self, review: Review, verdict: Verdict, report: dict[str, Any] | None,
                               tally: Any) -> tuple[str, ...]:
        """Post the verdict, close the summary, archive the thread, tell the requester; what could
        not be done in the thread (the closer is told: the review is closed either way)."""
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
                await origin.send(requester_notice(review, verdict),
                                  allowed_mentions=discord.AllowedMentions.none())
            except discord.HTTPException as exc:
                log.warning("could not tell the requester of review %s: %s", review.id, exc)
        return tuple(failed)

    async def _archive(self, review_id: int, thread: Any) -> bool:
        """Archive and lock a finished review's thread. Locking needs Manage Threads; the bot owns
        the thread, so without it the thread is still archived."""
        return (await self._finishing_step(review_id, "archive and lock the thread",
                                           lambda: thread.edit(archived=True, locked=True))
                or await self._finishing_step(review_id, "archive the thread",
                                              lambda: thread.edit(archived=True)))

    async def _finishing_step(self, review_id: int, what: str, call: Callable[[], Awaitable[Any]]) -> bool:
        """One REST call of closing a review. discord.py retries 500/502/504 itself but gives up at
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

    async def reopen_review(self, review: Review, actor_id: int) -> Review:
        services = self.services
        rules = await services.guild_settings.rules(review.guild_id)
        now = self.clock()
        decision = reopen_decision(review.status, review.broken, now, rules)
        if not decision.ok:
            raise ReviewError(f"This review cannot be reopened: {decision.reason}.")
        thread: Any = None
        if review.thread_id is not None:
            # Its thread may have been deleted after it closed (nothing watches closed reviews):
            # reopened, it would take no votes and hold its URL until the new deadline.
            try:
                thread = await resolve_thread(self.bot, review.thread_id)
            except ReviewGone:
                await services.reviews.mark_broken(review.id, review.guild_id, "the review thread was deleted")
                raise ReviewError("This review cannot be reopened: its thread was deleted. "
                                  "Ask for a new review with /secondopinion.") from None
            except discord.HTTPException as exc:
                # Unknown: reopen anyway; the next reconciliation finds a thread that is gone.
                log.warning("could not reach the thread of review %s to reopen it: %s", review.id, exc)
        try:
            reopened = await services.reviews.reopen(review.id, review.guild_id, now=now,
                                                     deadline_seconds=rules.deadline_seconds)
        except OpenReviewExistsError as exc:
            raise ReviewError(f"Another review of this page and target is open (#{exc.existing_id}); "
                              "close it first.") from None
        if reopened is None:
            raise ReviewError("This review cannot be reopened: it is not closed any more.")
        if thread is not None:
            try:
                await thread.edit(archived=False, locked=False)
                await thread.send(f"🔓 Reopened by <@{actor_id}>: voting closes <t:{int(reopened.deadline_at)}:R>. "
                                  "Earlier votes still count.")
            except discord.HTTPException as exc:
                log.warning("could not reopen the thread of review %s: %s", review.id, exc)
        messages = await services.reviews.factor_messages(reopened.id, reopened.guild_id)
        await self._track(reopened, messages)
        # Closing forgot each member's current choice; the kept votes are those choices, so a
        # switch right after the reopen removes the older reaction as before the close.
        assert self.desk is not None
        for vote in await services.votes.votes_for_review(reopened.id, reopened.guild_id):
            if vote.factor in messages:
                self.desk.current.setdefault((messages[vote.factor], vote.member_id), vote.choice)
        await services.audit.append(reopened.guild_id, reopened.id, actor_id, "reopened", None, now)
        self._wake.set()
        self.coalescer.mark_dirty(reopened.id)
        return reopened

    # -- permissions and handlers ---------------------------------------------------------------
    @staticmethod
    def is_moderator(interaction: discord.Interaction, settings: GuildSettings) -> bool:
        permissions = interaction.permissions
        if permissions.manage_guild or permissions.administrator:
            return True
        member = interaction.user
        role_id = settings.moderator_role_id
        return bool(role_id and isinstance(member, discord.Member) and member.get_role(role_id) is not None)

    async def _review_for(self, interaction: discord.Interaction, review_id: int | None) -> Review | None:
        assert interaction.guild_id is not None
        reviews = self.services.reviews
        if review_id is not None:
            return await reviews.get(review_id, interaction.guild_id)
        if interaction.channel_id is None:
            return None
        return await reviews.by_thread(interaction.channel_id, interaction.guild_id)

    async def handle_close(self, interaction: discord.Interaction, *, review_id: int | None = None) -> None:
        if interaction.guild_id is None:
            await send_error(interaction, "This only works in a server.")
            return
        review = await self._review_for(interaction, review_id)
        if review is None:
            await send_error(interaction, "This is not a review thread: use /review close inside one.")
            return
        if review.status != "open":
            await send_error(interaction, "This review is already closed.")
            return
        settings = await self.services.guild_settings.get(interaction.guild_id)
        is_requester = interaction.user.id == review.requester_id
        if not is_requester and not self.is_moderator(interaction, settings):
            await send_error(interaction, "Only the member who asked for this review or a moderator can close it.")
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        closed = await self.close_review(review, actor_id=interaction.user.id,
                                         reason="requester" if is_requester else "moderator")
        if closed is None:
            await interaction.followup.send("This review was closed already.", ephemeral=True)
            return
        message = f"Closed. Community risk: {closed.verdict.community_risk.replace('_', ' ')}."
        if closed.unpublished:
            message += (f" I could not {', '.join(closed.unpublished)} in the thread: check my permissions "
                        "there (Send Messages in Threads, Manage Threads). The verdict is stored either way.")
        await interaction.followup.send(message, ephemeral=True)

    async def handle_reopen(self, interaction: discord.Interaction, *, review_id: int | None = None) -> None:
        if interaction.guild_id is None:
            await send_error(interaction, "This only works in a server.")
            return
        settings = await self.services.guild_settings.get(interaction.guild_id)
        if not self.is_moderator(interaction, settings):
            await send_error(interaction, "Only moderators (Manage Server or the moderator role) can reopen a review.")
            return
        review = await self._review_for(interaction, review_id)
        if review is None:
            await send_error(interaction, "This is not a review thread: use /review reopen inside one.")
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            reopened = await self.reopen_review(review, interaction.user.id)
        except ReviewError as exc:
            await interaction.followup.send(str(exc), ephemeral=True)
            return
        await interaction.followup.send(f"Reopened until <t:{int(reopened.deadline_at)}:f>.", ephemeral=True)

    @review_group.command(name="close", description="Close this review now and post the verdict")
    async def review_close(self, interaction: discord.Interaction) -> None:
        await self.handle_close(interaction)

    @review_group.command(name="reopen", description="Moderators: reopen this closed review")
    async def review_reopen(self, interaction: discord.Interaction) -> None:
        await self.handle_reopen(interaction)



async def setup(bot: SecondOpinionBot) -> None:
    await bot.add_cog(ReviewsCog(bot))
