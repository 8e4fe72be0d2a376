"""The review use cases: open, close, reopen, break, delete, reset votes, the deadline sweep and
reconciliation from the reactions Discord shows.

The service owns the rule of each transition and its audit entry. It receives everything it
works on through its constructor, typed by bot/review/ports.py: repositories (bot/app.py passes
the bot/storage ones), the board (Discord), the vote desk and tally display (the live side), a
clock. It runs no loop and starts no task: the Discord side calls `sweep_deadlines` and
`reconcile_all` when it sees fit, and runs what must not hold up a command through `Background`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.ratelimit import Cooldown
from bot.review.deadlines import deadline_for, reopen_decision
from bot.review.ports import (
    AuditRepository,
    Background,
    BoardRefused,
    CheckedPage,
    CheckRepository,
    Clock,
    DeadlineAlarm,
    LiveVotes,
    ReviewBoard,
    ReviewGone,
    ReviewRepository,
    RulesRepository,
    TallyDisplay,
    VoteQueue,
    VoteQueueClosedError,
    VoteRepository,
)
from bot.review.reconcile import reconcile
from bot.review.review import OpenReviewExistsError, Review
from bot.review.rules import ReviewRules
from bot.review.verdict import Verdict, compute_verdict, summary_from_report
from bot.review.votes import VoteOps
from bot.sharding import ShardPlan

if TYPE_CHECKING:
    from bot.analysis.report import Report

log = logging.getLogger(__name__)


class ReviewRefused(Exception):
    """A refusal to show the member, as is."""


class AlreadyOpenError(ReviewRefused):
    """A review of the same page and target is open (or being opened) in the guild."""

    def __init__(self, review: Review) -> None:
        where = f" in <#{review.thread_id}>" if review.thread_id else " (its thread is being set up)"
        super().__init__(f"A review of this page and target is already open{where}: review #{review.id}.")
        self.review = review


class TooSoonError(ReviewRefused):
    def __init__(self, wait: float) -> None:
        super().__init__(f"Easy there: you can ask for another review in {wait:.0f} s.")
        self.wait = wait


class NoSuchReviewError(ReviewRefused):
    def __init__(self, review_id: int) -> None:
        super().__init__(f"There is no review #{review_id} in this server.")


@dataclass(frozen=True)
class OpenRequest:
    guild_id: int
    requester_id: int
    origin_channel_id: int
    check: CheckedPage
    report: Report | None
    note: str | None
    place: Any  # where the member asked and where the guild wants reviews, for the board


@dataclass(frozen=True)
class Opened:
    review: Review
    factor_messages: dict[str, int]


@dataclass(frozen=True)
class Closed:
    """A review this process closed: its verdict, and what the thread refused (missing permissions)."""

    verdict: Verdict
    unpublished: tuple[str, ...] = ()


class ReviewService:
    def __init__(
        self,
        *,
        reviews: ReviewRepository,
        votes: VoteRepository,
        checks: CheckRepository,
        rules: RulesRepository,
        audit: AuditRepository,
        board: ReviewBoard,
        live: LiveVotes,
        queue: VoteQueue,
        display: TallyDisplay,
        background: Background,
        alarm: DeadlineAlarm,
        clock: Clock,
        cooldown_seconds: float,
        shards: ShardPlan | None = None,
    ) -> None:
        self.reviews = reviews
        self.votes = votes
        self.checks = checks
        self.rules = rules
        self.audit = audit
        self.board = board
        self.live = live
        self.queue = queue
        self.display = display
        self.background = background
        self.alarm = alarm
        self.clock = clock
        self.cooldown = Cooldown(cooldown_seconds, clock)
        # The shards this process runs. Processes sharing one database each do the background
        # work (deadlines, reconciliation, the start-up sweep) of their own shards' guilds only, so
        # nothing is done twice and a guild of another process is never taken for a gone one.
        self.shards = shards or ShardPlan()
        self.owns_guild = self.shards.owns
        self._opening: set[int] = set()  # reviews this process is opening right now
        # A review's analysis, read once: every summary refresh and the close render it.
        self._reports: dict[int, Report | None] = {}
        # The tally display refreshes by review id alone; reads of a review take its guild.
        self._guild_of: dict[int, int] = {}

    def remembers(self, review_id: int) -> bool:
        """Whether the service keeps anything of this review in memory."""
        return review_id in self._reports or review_id in self._guild_of

    # -- start ----------------------------------------------------------------------------------
    async def load_open_reviews(self) -> None:
        """Fill the vote desk from the database: every open review's factor messages."""
        refs = await self.reviews.open_factor_messages()
        by_review: dict[tuple[int, int], dict[str, int]] = {}
        for message_id, ref in refs.items():
            if not self.owns_guild(ref.guild_id):
                continue  # its reactions reach the process of its shard, not this one
            by_review.setdefault((ref.review_id, ref.guild_id), {})[ref.factor] = message_id
        for (review_id, guild_id), messages in by_review.items():
            review = await self.reviews.get(review_id, guild_id)
            if review is None or not review.is_open or review.broken:
                continue
            await self._track(review, messages)

    async def _track(self, review: Review, messages: dict[str, int]) -> None:
        rules = await self.rules.rules(review.guild_id)
        self._guild_of[review.id] = review.guild_id
        self.live.track(review, messages, rules)

    async def _report(self, review: Review) -> Report | None:
        if review.id not in self._reports:
            self._reports[review.id] = (
                await self.checks.report(review.guild_id, review.check_id) if review.check_id else None
            )
        return self._reports[review.id]

    async def _barrier(self) -> None:
        """Votes queued before this call are stored when it returns."""
        try:
            await self.queue.submit_ops(VoteOps())
        except VoteQueueClosedError:
            pass

    # -- opening --------------------------------------------------------------------------------
    async def admit(self, guild_id: int, member_id: int, url: str, target: str | None,
                    cooldown_seconds: float) -> None:
        """Refuse a second review of the same URL and target, and members asking too often."""
        existing = await self.reviews.find_open(guild_id, url, target)
        if existing is not None:
            raise AlreadyOpenError(existing)
        wait = self.cooldown.hit((guild_id, member_id), cooldown_seconds)
        if wait:
            raise TooSoonError(wait)

    def forgive(self, guild_id: int, member_id: int) -> None:
        """The member's request failed on our side: it does not count against the cooldown."""
        self.cooldown.reset((guild_id, member_id))

    async def open(self, request: OpenRequest) -> Opened:
        """Store the review, post its thread, open it for votes. AlreadyOpenError when another
        member opened one meanwhile; ReviewRefused (nothing opened) when the board refused."""
        rules = await self.rules.rules(request.guild_id)
        check = request.check
        now = self.clock()
        result = await self.reviews.create(
            guild_id=request.guild_id, requester_id=request.requester_id,
            origin_channel_id=request.origin_channel_id, url=check.url, domain=check.domain, now=now,
            deadline_at=deadline_for(now, rules), target=check.target, keyword=check.keyword, note=request.note,
            check_id=check.id, bot_risk_level=check.risk_level, bot_risk_score=check.risk_score,
        )
        if not result.created:
            raise AlreadyOpenError(result.review)
        review = result.review
        self._reports[review.id] = request.report
        self._opening.add(review.id)
        try:
            review, messages = await self._post(review, request, rules)
        except BoardRefused as exc:
            await self.reviews.abandon(review.id, review.guild_id, f"posting the thread failed: {exc.detail}")
            log.warning("could not post review %s: %s", review.id, exc.detail)
            raise ReviewRefused(f"I could not open the review thread: {exc.why}. "
                                "Nothing was opened; you can try again.") from None
        except BaseException:
            # Anything else (a busy database at the last step, a shutdown): the URL must not stay
            # blocked by a review that never opened. The command's error handler tells the member.
            await self.background.finish(self.reviews.abandon(review.id, review.guild_id, "opening was interrupted"))
            raise
        finally:
            self._opening.discard(review.id)
        await self.audit.append(review.guild_id, review.id, request.requester_id, "opened", review.url, self.clock())
        self.alarm.wake()
        return Opened(review, messages)

    async def _post(self, review: Review, request: OpenRequest,
                    rules: ReviewRules) -> tuple[Review, dict[str, int]]:
        posted = await self.board.post(review, request.report, rules, request.place)
        try:
            attached = await self.reviews.attach(
                review.id, review.guild_id, channel_id=posted.channel_id, thread_id=posted.thread_id,
                summary_message_id=posted.summary_message_id, factor_messages=posted.factor_messages,
            )
            if attached is None:
                raise BoardRefused("the review was cancelled meanwhile")
        except BaseException:
            await self.board.take_down(posted)
            raise
        await self._track(attached, posted.factor_messages)
        return attached, posted.factor_messages

    def start_voting(self, opened: Opened) -> None:
        """Put the vote reactions under the factor messages, in the background."""
        self.background.spawn(self.board.add_vote_reactions(opened.review.thread_id or 0, opened.factor_messages),
                              f"review-{opened.review.id}-reactions")

    def restore_vote_reactions(self, thread_id: int, factor_messages: dict[str, int]) -> None:
        self.background.spawn(self.board.add_vote_reactions(thread_id, factor_messages), "restore-reactions")

    # -- the summary ----------------------------------------------------------------------------
    async def refresh_summary(self, review_id: int) -> None:
        """Show the stored tally in the summary (the tally display calls this, coalesced)."""
        guild_id = self._guild_of.get(review_id)
        if guild_id is None:
            return
        review = await self.reviews.get(review_id, guild_id)
        if review is None or review.thread_id is None or review.summary_message_id is None:
            return
        tally = await self.votes.tally(review_id, guild_id)
        report = await self._report(review)
        verdict = Verdict.from_json(review.verdict_json) if review.verdict_json else None
        rules = None
        if review.is_open:
            # The vote desk's copy (kept current by /settings) spares a read per edit.
            rules = self.live.rules_of(guild_id) or await self.rules.rules(guild_id)
        try:
            await self.board.show_summary(review, report, tally, verdict, rules)
        except ReviewGone:
            await self.break_review(review_id, guild_id, "the summary message or thread was deleted")

    async def rules_changed(self, guild_id: int) -> None:
        """/settings changed the guild's rules: votes from now on are judged by the new ones, and
        the open reviews' summaries say so."""
        await self.live.refresh_rules(guild_id)
        for review_id in self.live.tracked_in(guild_id):
            self.display.mark_dirty(review_id)

    async def community_verdict(self, guild_id: int, domain: str) -> Review | None:
        """The guild's latest closed review of a domain, for the /checklink reply."""
        return await self.reviews.last_closed_for_domain(guild_id, domain)

    # -- breaking -------------------------------------------------------------------------------
    async def break_review(self, review_id: int, guild_id: int, reason: str) -> None:
        """No more votes: the thread or a vote message is gone.

        Without its thread the review closes now with the votes it has: nobody could close it
        otherwise, and it would hold its URL until the deadline. With its thread, the thread
        says that voting stopped (the summary shows why), and the requester, a moderator or the
        deadline closes it; the votes cast so far count.
        """
        self.live.untrack(review_id)
        if not await self.reviews.mark_broken(review_id, guild_id, reason):
            return
        await self.audit.append(guild_id, review_id, None, "broken", reason, self.clock())
        log.info("review %s can no longer take votes: %s", review_id, reason)
        review = await self.reviews.get(review_id, guild_id)
        if review is None or not review.is_open or review.thread_id is None:
            return
        try:
            thread = await self.board.find_thread(review.thread_id)
        except ReviewGone:
            await self.close(review, actor_id=None, reason="moderator")  # only they delete threads
            return
        if thread is None:
            return
        await self.board.say_voting_stopped(review_id, thread, reason)
        self.display.mark_dirty(review_id)

    # -- closing --------------------------------------------------------------------------------
    async def close(self, review: Review, *, actor_id: int | None, reason: str) -> Closed | None:
        """Close into a verdict; None when someone else closed it first."""
        self.live.untrack(review.id)  # no new votes from here on
        await self._barrier()  # votes queued before are stored
        tally = await self.votes.tally(review.id, review.guild_id)
        report = await self._report(review)
        rules = await self.rules.rules(review.guild_id)
        verdict = compute_verdict(tally, summary_from_report(report) if report else None, rules)
        now = self.clock()
        closed_ok = await self.reviews.close(
            review.id, review.guild_id, verdict_json=verdict.to_json(), community_risk=verdict.community_risk,
            closed_by=actor_id, reason=reason, now=now,
        )
        if not closed_ok:
            return None
        self.display.forget(review.id)
        await self.audit.append(review.guild_id, review.id, actor_id, "closed",
                                f"{reason}; community risk {verdict.community_risk}", now)
        closed = await self.reviews.get(review.id, review.guild_id) or review
        return Closed(verdict, await self.board.publish_verdict(closed, verdict, report, tally))

    @staticmethod
    def close_reason(review: Review, *, actor_id: int, is_moderator: bool) -> str:
        """Who may close an open review now, as the close reason: its requester or a moderator."""
        if review.status != "open":
            raise ReviewRefused("This review is already closed.")
        if actor_id == review.requester_id:
            return "requester"
        if not is_moderator:
            raise ReviewRefused("Only the member who asked for this review or a moderator can close it.")
        return "moderator"

    async def sweep_deadlines(self) -> float | None:
        """Close every review whose deadline passed; the next deadline, for the caller's timer."""
        # Only this process's shards, filtered in the query: another process closes the others.
        for review in await self.reviews.due_reviews(self.clock(), shards=self.shards):
            if await self.close(review, actor_id=None, reason="deadline") is not None:
                log.info("review %s closed at its deadline", review.id)
        return await self.reviews.next_deadline(shards=self.shards)

    # -- reopening ------------------------------------------------------------------------------
    async def reopen(self, review: Review, actor_id: int) -> Review:
        rules = await self.rules.rules(review.guild_id)
        now = self.clock()
        decision = reopen_decision(review.status, review.broken, now, rules)
        if not decision.ok:
            raise ReviewRefused(f"This review cannot be reopened: {decision.reason}.")
        thread: Any = None
        if review.thread_id is not None:
            # Its thread may have been deleted after it closed (nothing watches closed reviews):
            # reopened, it would take no votes and hold its URL until the new deadline.
            try:
                thread = await self.board.find_thread(review.thread_id)
            except ReviewGone:
                await self.reviews.mark_broken(review.id, review.guild_id, "the review thread was deleted")
                raise ReviewRefused("This review cannot be reopened: its thread was deleted. "
                                    "Ask for a new review with /secondopinion.") from None
            # None: unknown; reopen anyway, the next reconciliation finds a thread that is gone.
        try:
            reopened = await self.reviews.reopen(review.id, review.guild_id, now=now,
                                                 deadline_seconds=rules.deadline_seconds)
        except OpenReviewExistsError as exc:
            raise ReviewRefused(f"Another review of this page and target is open (#{exc.existing_id}); "
                                "close it first.") from None
        if reopened is None:
            raise ReviewRefused("This review cannot be reopened: it is not closed any more.")
        if thread is not None:
            await self.board.reopen_thread(reopened, thread, actor_id)
        messages = await self.reviews.factor_messages(reopened.id, reopened.guild_id)
        await self._track(reopened, messages)
        # Closing forgot each member's current choice; the kept votes are those choices, so a
        # switch right after the reopen removes the older reaction as before the close.
        self.live.remember_choices(messages, await self.votes.votes_for_review(reopened.id, reopened.guild_id))
        await self.audit.append(reopened.guild_id, reopened.id, actor_id, "reopened", None, now)
        self.alarm.wake()
        self.display.mark_dirty(reopened.id)
        return reopened

    # -- a moderator's deletion and vote reset ----------------------------------------------------
    async def delete(self, guild_id: int, review_id: int, *, actor_id: int, reason: str) -> Review:
        """Delete a review from the history (the audit log keeps it and the reason). Stop tracking
        it now, and retire its thread in the background: the moderator's command must answer
        within 3 s."""
        review = await self.find(guild_id, review_id)
        if not await self.reviews.soft_delete(review_id, guild_id, reason):
            raise ReviewRefused(f"Review #{review_id} was deleted already.")
        await self.audit.append(guild_id, review_id, actor_id, "deleted", reason, self.clock())
        self.live.untrack(review_id)  # no new votes (the database refuses them too: it is not open)
        self.display.forget(review_id)
        self._guild_of.pop(review_id, None)  # a refresh marked meanwhile finds nothing to render
        self._reports.pop(review_id, None)
        self.board.forget(review_id)
        self.background.spawn(self._retire_deleted(guild_id, review_id), f"review-{review_id}-deleted")
        return review

    async def _retire_deleted(self, guild_id: int, review_id: int) -> None:
        try:
            review = await self.reviews.get(review_id, guild_id)
            # A closed review's thread is archived with its verdict; a deleted one while opening has none.
            if review is None or review.thread_id is None or review.closed_at is not None:
                return
            try:
                thread = await self.board.find_thread(review.thread_id)
            except ReviewGone:
                thread = None
            if thread is None:
                log.info("the thread of deleted review %s is not reachable", review.id)
                return
            tally = await self.votes.tally(review.id, review.guild_id)
            report = await self._report(review)
            self._reports.pop(review.id, None)  # read for this last render only
            await self.board.retire_deleted(review, thread, report, tally)
        except Exception:
            log.exception("could not retire the thread of deleted review %s", review_id)

    async def find(self, guild_id: int, review_id: int) -> Review:
        """A review of the guild that is not deleted; NoSuchReviewError otherwise."""
        review = await self.reviews.get(review_id, guild_id)
        if review is None or review.status == "deleted":
            raise NoSuchReviewError(review_id)
        return review

    async def reset_votes(self, guild_id: int, member_id: int, review_id: int | None, *, actor_id: int) -> set[int]:
        """Withdraw a member's votes on open reviews (one, or all of the guild); the ids whose
        tally changed. The member's reactions are removed where the bot manages messages; those it
        cannot remove stay on Discord but no longer count (the reset is stored for reconciliation)."""
        await self._barrier()  # the member's queued votes land first
        changed = await self.votes.reset_member(guild_id, member_id, review_id, now=self.clock())
        self.display.mark_many(changed)  # the tallies shown in the summaries
        self.live.forget_member(guild_id, member_id, review_id)
        now = self.clock()
        detail = f"votes of {member_id} withdrawn"
        for changed_id in sorted(changed):
            await self.audit.append(guild_id, changed_id, actor_id, "votes_reset", detail, now)
        if not changed:
            # Still on record: a moderator acted, even if nothing was there to withdraw.
            await self.audit.append(guild_id, review_id, actor_id, "votes_reset", detail + " (none on open reviews)",
                                    now)
        return changed

    # -- reconciliation -------------------------------------------------------------------------
    async def reconcile_all(self) -> None:
        # Reviews left 'opening' by a process that stopped mid-way would block their URL forever.
        for review_id, guild_id in await self.reviews.stale_openings(exclude=self._opening):
            if not self.owns_guild(guild_id):
                continue  # another shard's process may be opening it right now
            if await self.reviews.abandon(review_id, guild_id, "opening was interrupted (restart)"):
                log.warning("review %s was left half-opened; abandoned it", review_id)
        refs = await self.reviews.open_factor_messages()
        keys = sorted({(ref.review_id, ref.guild_id) for ref in refs.values() if self.owns_guild(ref.guild_id)})
        for review_id, guild_id in keys:
            review = await self.reviews.get(review_id, guild_id)
            if review is not None and review.is_open and not review.broken:
                await self.reconcile(review)

    async def reconcile(self, review: Review) -> None:
        """Make the stored votes say what the reactions say (missed adds, removals, clears)."""
        if review.thread_id is None:
            return
        if review.is_due(self.clock()):
            return  # voting is over; the deadline sweep closes it with the votes it has
        tracked = self.live.tracked(review.id)
        if tracked is None:
            return  # closed or broken meanwhile: its votes are final
        messages = tracked.factor_messages
        # The stored votes are read BEFORE the reactions: the writes are conditional on them, so a
        # live change landing during the read only makes a write miss. Read after, a vote withdrawn
        # live between the two reads would be inserted again from the stale reactions.
        # Live events of the review while the reads run are newer than what the reads return.
        with self.live.watching(review.id) as changed_live:
            stored = await self.votes.votes_for_review(review.id, review.guild_id)
            reset_members = await self.votes.reset_members(review.id, review.guild_id)
            try:
                observed = await self.board.read_reactions(review.thread_id, messages)
            except ReviewGone as gone:
                await self.break_review(review.id, review.guild_id, str(gone))
                return
            if observed.archived_thread is not None:
                # Archived while the bot was away (Discord does so after a week without messages).
                self.background.spawn(self.board.unarchive(observed.archived_thread, review.id),
                                      f"review-{review.id}-unarchive")
            facts = await self.board.voter_facts(review.guild_id, observed.users)
            eligible = {uid: self.live.check(tracked, f).ok for uid, f in facts.items()}
            changed = set(changed_live)  # as of now: no await from here to the writes' queueing
            ops = reconcile(guild_id=review.guild_id, review_id=review.id, stored=stored,
                            observed=observed.reactions, is_eligible=lambda uid: eligible.get(uid, False),
                            now=self.clock(), changed_live=changed, reset_members=reset_members)
        self.live.adopt_reactions(messages, observed.reactions, eligible, changed)
        try:
            if ops:
                await self.queue.submit_ops(ops)
        except VoteQueueClosedError:
            return
        self.display.mark_dirty(review.id)
