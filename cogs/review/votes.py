"""The vote hot path: reaction events on factor messages → eligibility → the vote queue.

Everything a reaction needs is in memory (which message is which factor of which open review,
the review's requester and deadline, the guild's rules), so an event is turned into a vote and
queued without awaiting anything: discord.py runs each event in its own task, and an await before
the queueing could let a later event of the same member overtake an earlier one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import discord

from bot.review.eligibility import Eligibility, ReviewFacts, VoterFacts, eligibility
from bot.review.factors import CHOICE_EMOJI, Choice, choice_for_emoji
from bot.review.ports import VoteQueueClosedError
from bot.review.reconcile import pick_choice
from bot.review.review import FactorMessageRef, Review
from bot.review.rules import ReviewRules
from bot.review.votes import VoteEvent, VoteRow
from bot.review_runtime.ingest import VoteIngestor
from cogs.review.tidy import ReactionTidier

log = logging.getLogger(__name__)

RULES_TTL_SECONDS = 30.0


@dataclass
class OpenReview:
    """What the hot path needs of an open review."""

    review_id: int
    guild_id: int
    requester_id: int
    deadline_at: float
    thread_id: int | None
    summary_message_id: int | None
    factor_messages: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, review: Review, factor_messages: dict[str, int]) -> OpenReview:
        return cls(review.id, review.guild_id, review.requester_id, review.deadline_at, review.thread_id,
                   review.summary_message_id, dict(factor_messages))


def voter_facts(member: discord.Member | discord.User | None, user_id: int) -> VoterFacts:
    """VoterFacts from the member in a raw event (or the cache); unknown join time when absent."""
    is_bot = bool(getattr(member, "bot", False))
    joined = getattr(member, "joined_at", None)
    pending = bool(getattr(member, "pending", False))
    return VoterFacts(
        member_id=user_id,
        is_bot=is_bot,
        joined_at=joined,
        account_created_at=discord.utils.snowflake_time(user_id),
        pending=pending,
    )


class VoteDesk:
    """Where reaction events become votes: the in-memory map of open reviews (which message is
    which factor of which review, the guild's rules, each member's current choice) and the
    handlers that turn an event into a queued vote without awaiting anything."""

    def __init__(self, bot: discord.Client, ingestor: VoteIngestor, tidier: ReactionTidier,
                 load_rules: Callable[[int], Awaitable[ReviewRules]], clock: Callable[[], float]) -> None:
        self.bot = bot
        self.ingestor = ingestor
        self.tidier = tidier
        self._load_rules = load_rules
        self.clock = clock
        self.refs: dict[int, FactorMessageRef] = {}
        self.reviews: dict[int, OpenReview] = {}
        self.rules: dict[int, tuple[float, ReviewRules]] = {}
        # (message id, member id) -> the member's current choice on that factor, as last seen;
        # lets a switch remove exactly the superseded reaction.
        self.current: dict[tuple[int, int], Choice] = {}
        self._refreshing: set[int] = set()
        # review id -> the sets of (factor, member) pairs that `watching` blocks collect.
        self._watches: dict[int, list[set[tuple[str, int]]]] = {}
        # Optional observer (benchmarks): called with each queued event and its future.
        self.observer: Callable[[VoteEvent, asyncio.Future[None]], None] | None = None

    # -- the map ---------------------------------------------------------------------------------
    def track(self, review: Review, factor_messages: Mapping[str, int], rules: ReviewRules) -> None:
        tracked = OpenReview.of(review, dict(factor_messages))
        self.reviews[review.id] = tracked
        self.rules[review.guild_id] = (time.monotonic(), rules)
        for factor_id, message_id in tracked.factor_messages.items():
            self.refs[message_id] = FactorMessageRef(review.id, review.guild_id, factor_id)

    def tracked(self, review_id: int) -> OpenReview | None:
        return self.reviews.get(review_id)

    def tracked_in(self, guild_id: int) -> list[int]:
        return [r.review_id for r in self.reviews.values() if r.guild_id == guild_id]

    def untrack(self, review_id: int) -> OpenReview | None:
        review = self.reviews.pop(review_id, None)
        if review is None:
            return None
        messages = set(review.factor_messages.values())
        for message_id in messages:
            self.refs.pop(message_id, None)
        self.current = {k: v for k, v in self.current.items() if k[0] not in messages}
        return review

    @contextmanager
    def watching(self, review_id: int) -> Iterator[set[tuple[str, int]]]:
        """The (factor, member) pairs whose votes live events change while the block runs: what a
        reconciliation reading reactions meanwhile must leave to the live path."""
        touched: set[tuple[str, int]] = set()
        self._watches.setdefault(review_id, []).append(touched)
        try:
            yield touched
        finally:
            watches = self._watches.get(review_id, [])
            watches[:] = [w for w in watches if w is not touched]
            if not watches:
                self._watches.pop(review_id, None)

    def review_of_thread(self, thread_id: int) -> OpenReview | None:
        return next((r for r in self.reviews.values() if r.thread_id == thread_id), None)

    def review_of_message(self, message_id: int) -> OpenReview | None:
        ref = self.refs.get(message_id)
        if ref is not None:
            return self.reviews.get(ref.review_id)
        return next((r for r in self.reviews.values() if r.summary_message_id == message_id), None)

    def rules_of(self, guild_id: int) -> ReviewRules | None:
        """The guild's rules as the vote desk applies them, when it tracks a review of the guild."""
        cached = self.rules.get(guild_id)
        if cached is None:
            return None
        fetched_at, rules = cached
        if time.monotonic() - fetched_at > RULES_TTL_SECONDS and guild_id not in self._refreshing:
            # Serve the cached rules now; refresh for the next events (no await on the hot path).
            self._refreshing.add(guild_id)
            asyncio.get_running_loop().create_task(self.refresh_rules(guild_id))
        return rules

    async def refresh_rules(self, guild_id: int) -> None:
        """Read the guild's rules (in the background when they expire; at once after /settings)."""
        try:
            rules = await self._load_rules(guild_id)
            self.rules[guild_id] = (time.monotonic(), rules)
        except Exception:
            log.exception("could not refresh the review rules of guild %s", guild_id)
        finally:
            self._refreshing.discard(guild_id)

    def check(self, review: OpenReview, facts: VoterFacts) -> Eligibility:
        rules = self.rules_of(review.guild_id) or ReviewRules()
        now = self.clock()
        return eligibility(
            facts,
            ReviewFacts(review.requester_id, "open", datetime.fromtimestamp(review.deadline_at, UTC)),
            rules,
            datetime.fromtimestamp(now, UTC),
        )

    # -- what the review service tells it ----------------------------------------------------------
    def remember_choices(self, factor_messages: Mapping[str, int], votes: list[VoteRow]) -> None:
        """A reopened review's stored votes are its members' current choices."""
        for vote in votes:
            if vote.factor in factor_messages:
                self.current.setdefault((factor_messages[vote.factor], vote.member_id), vote.choice)

    def adopt_reactions(self, factor_messages: Mapping[str, int], reactions: Mapping[str, Mapping[str, list[int]]],
                        eligible: Mapping[int, bool], changed_live: Collection[tuple[str, int]]) -> None:
        """The current choices as a reconciliation read them from the reactions."""
        for factor_id, by_emoji in reactions.items():
            message_id = factor_messages[factor_id]
            seen: dict[int, set[Choice]] = {}
            for emoji, users in by_emoji.items():
                choice = choice_for_emoji(emoji)
                for uid in users:
                    if choice is not None and eligible.get(uid) and (factor_id, uid) not in changed_live:
                        seen.setdefault(uid, set()).add(choice)
            for uid, choices in seen.items():
                # A live switch seen meanwhile knows the latest choice (its superseded reaction
                # is waiting to be tidied): keep it while its reaction stands, as reconcile does.
                if self.current.get((message_id, uid)) not in choices:
                    self.current[(message_id, uid)] = pick_choice(choices)

    def forget_member(self, guild_id: int, member_id: int, review_id: int | None) -> None:
        """A moderator reset the member's votes: forget their choices and take their reactions off."""
        for open_review in list(self.reviews.values()):
            if open_review.guild_id != guild_id or review_id not in (None, open_review.review_id):
                continue
            for message_id in open_review.factor_messages.values():
                key = (message_id, member_id)
                choice = self.current.pop(key, None)
                if choice is not None and open_review.thread_id is not None:
                    # Left alone if the member votes on the factor again before the removal runs.
                    self.tidier.request(open_review.thread_id, message_id, CHOICE_EMOJI[choice], member_id,
                                        lambda key=key: key not in self.current)  # type: ignore[misc]

    # -- events ----------------------------------------------------------------------------------
    def _ref_of(self, payload: discord.RawReactionActionEvent) -> FactorMessageRef | None:
        """The factor message a reaction is on, when it is one of ours, in its guild, and not the
        bot's own reaction."""
        ref = self.refs.get(payload.message_id)
        if ref is None or payload.guild_id != ref.guild_id:
            return None
        bot_user = self.bot.user
        if bot_user is not None and payload.user_id == bot_user.id:
            return None
        return ref

    def on_add(self, payload: discord.RawReactionActionEvent) -> None:
        ref = self._ref_of(payload)
        if ref is None:
            return
        review = self.reviews.get(ref.review_id)
        if review is None:
            return
        emoji = str(payload.emoji)
        choice = choice_for_emoji(emoji) if payload.emoji.is_unicode_emoji() else None
        if choice is None:
            self.tidier.request(payload.channel_id, payload.message_id, emoji, payload.user_id)
            return
        allowed = self.check(review, voter_facts(payload.member, payload.user_id))
        if not allowed.ok:
            log.debug("reaction of %s on review %s not counted: %s", payload.user_id, review.review_id, allowed.reason)
            self.tidier.request(payload.channel_id, payload.message_id, emoji, payload.user_id)
            return
        key = (payload.message_id, payload.user_id)
        previous = self.current.get(key)
        self.current[key] = choice
        self._submit(VoteEvent("add", ref.guild_id, ref.review_id, ref.factor, payload.user_id, choice, self.clock()))
        if previous is not None and previous != choice:
            old = CHOICE_EMOJI[previous]
            self.tidier.request(payload.channel_id, payload.message_id, old, payload.user_id,
                                lambda: self.current.get(key) != previous)

    def on_remove(self, payload: discord.RawReactionActionEvent) -> None:
        ref = self._ref_of(payload)
        if ref is None:
            return
        self.tidier.forget(payload.message_id, str(payload.emoji), payload.user_id)
        choice = choice_for_emoji(str(payload.emoji)) if payload.emoji.is_unicode_emoji() else None
        if choice is None:
            return
        key = (payload.message_id, payload.user_id)
        if self.current.get(key) == choice:
            del self.current[key]
        self._submit(VoteEvent("remove", ref.guild_id, ref.review_id, ref.factor, payload.user_id, choice, self.clock()))

    def _submit(self, event: VoteEvent) -> None:
        for touched in self._watches.get(event.review_id, ()):
            touched.add((event.factor, event.member_id))
        try:
            future = self.ingestor.submit(event)
        except VoteQueueClosedError:
            # Shutting down: the reconciliation at the next start reads this reaction back.
            return
        if self.observer is not None:
            self.observer(event, future)
