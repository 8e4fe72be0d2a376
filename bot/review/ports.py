"""What the review service needs from the rest of the process, as small protocols.

bot/review stays free of storage and Discord: bot/app.py hands the service the concrete
repositories (bot/storage), and the cogs.review extension hands it the Discord side (the board,
the vote desk, the tally display, a way to run work in the background). Each protocol lists only
the calls the service makes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Coroutine, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from bot.review.eligibility import Eligibility, VoterFacts
from bot.review.review import CreateResult, FactorMessageRef, Review
from bot.review.rules import ReviewRules
from bot.review.verdict import Verdict
from bot.review.votes import Tally, VoteOps, VoteRow
from bot.sharding import ShardPlan

if TYPE_CHECKING:
    from bot.analysis.report import Report

Clock = Callable[[], float]


class ReviewGone(Exception):
    """The thread or a vote message of a review no longer exists; the reason is the message."""


class BoardRefused(Exception):
    """The board could not post a review: `why` is for the member, `detail` for the log."""

    def __init__(self, why: str, detail: str | None = None) -> None:
        super().__init__(why)
        self.why = why
        self.detail = detail or why


class VoteQueueClosedError(RuntimeError):
    """The vote queue is shutting down and takes no more writes."""


@dataclass
class Observed:
    """A review's vote reactions as Discord shows them now."""

    # factor id -> emoji -> user ids (only the three vote emoji)
    reactions: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    # every user id seen, for eligibility look-ups
    users: set[int] = field(default_factory=set)
    # the thread read, when Discord says it is archived (nobody can react until it is not)
    archived_thread: Any = None


@dataclass(frozen=True)
class Posted:
    """A review's thread and messages, posted but not yet recorded."""

    channel_id: int
    thread_id: int
    summary_message_id: int
    factor_messages: dict[str, int]
    thread: Any  # the board's handle, to take the thread down again if recording fails


class CheckedPage(Protocol):
    """The stored analysis a review is opened from (bot.storage.checks.StoredCheck)."""

    @property
    def id(self) -> int: ...
    @property
    def url(self) -> str: ...
    @property
    def domain(self) -> str: ...
    @property
    def target(self) -> str | None: ...
    @property
    def keyword(self) -> str | None: ...
    @property
    def risk_level(self) -> str: ...
    @property
    def risk_score(self) -> int: ...


# -- storage ------------------------------------------------------------------------------------

class ReviewRepository(Protocol):
    async def create(self, *, guild_id: int, requester_id: int, origin_channel_id: int, url: str, domain: str,
                     now: float, deadline_at: float, target: str | None = None, keyword: str | None = None,
                     note: str | None = None, check_id: int | None = None, bot_risk_level: str | None = None,
                     bot_risk_score: int | None = None) -> CreateResult: ...
    async def find_open(self, guild_id: int, url: str, target: str | None) -> Review | None: ...
    async def attach(self, review_id: int, guild_id: int, *, channel_id: int, thread_id: int,
                     summary_message_id: int, factor_messages: Mapping[str, int]) -> Review | None: ...
    async def abandon(self, review_id: int, guild_id: int, reason: str) -> bool: ...
    async def stale_openings(self, *, exclude: Collection[int] = ()) -> list[tuple[int, int]]: ...
    async def get(self, review_id: int, guild_id: int) -> Review | None: ...
    async def by_thread(self, thread_id: int, guild_id: int) -> Review | None: ...
    async def factor_messages(self, review_id: int, guild_id: int) -> dict[str, int]: ...
    async def open_factor_messages(self) -> dict[int, FactorMessageRef]: ...
    # shards: only the guilds of those shards (filtered by the storage, in its query).
    async def due_reviews(self, now: float, limit: int = 100, *, shards: ShardPlan | None = None) -> list[Review]: ...
    async def next_deadline(self, *, shards: ShardPlan | None = None) -> float | None: ...
    async def close(self, review_id: int, guild_id: int, *, verdict_json: str, community_risk: str,
                    closed_by: int | None, reason: str, now: float) -> bool: ...
    async def reopen(self, review_id: int, guild_id: int, *, now: float,
                     deadline_seconds: float) -> Review | None: ...
    async def mark_broken(self, review_id: int, guild_id: int, reason: str) -> bool: ...
    async def soft_delete(self, review_id: int, guild_id: int, reason: str) -> bool: ...
    async def last_closed_for_domain(self, guild_id: int, domain: str) -> Review | None: ...


class VoteRepository(Protocol):
    async def tally(self, review_id: int, guild_id: int) -> Tally: ...
    async def votes_for_review(self, review_id: int, guild_id: int) -> list[VoteRow]: ...
    async def reset_member(self, guild_id: int, member_id: int, review_id: int | None = None, *,
                           now: float) -> set[int]: ...
    async def reset_members(self, review_id: int, guild_id: int) -> set[int]: ...


class CheckRepository(Protocol):
    async def report(self, guild_id: int, check_id: int) -> Report | None: ...


class RulesRepository(Protocol):
    async def rules(self, guild_id: int) -> ReviewRules: ...


class AuditRepository(Protocol):
    async def append(self, guild_id: int, review_id: int | None, actor_id: int | None, action: str,
                     detail: str | None, at: float) -> int: ...


# -- the live side ------------------------------------------------------------------------------

class VoteQueue(Protocol):
    """The one writer of votes (bot.review_runtime.ingest.VoteIngestor): writes queue at call time,
    in order with the live votes; the future resolves once they are stored."""

    def submit_ops(self, ops: VoteOps) -> Awaitable[None]: ...


class TrackedReview(Protocol):
    @property
    def review_id(self) -> int: ...
    @property
    def guild_id(self) -> int: ...
    @property
    def factor_messages(self) -> dict[str, int]: ...


class LiveVotes(Protocol):
    """The in-memory map of open reviews that the vote hot path reads (cogs.review.votes.VoteDesk)."""

    def track(self, review: Review, factor_messages: Mapping[str, int], rules: ReviewRules) -> None: ...
    def untrack(self, review_id: int) -> object: ...
    def tracked(self, review_id: int) -> TrackedReview | None: ...
    def tracked_in(self, guild_id: int) -> list[int]: ...
    def watching(self, review_id: int) -> AbstractContextManager[set[tuple[str, int]]]: ...
    def check(self, review: Any, facts: VoterFacts) -> Eligibility: ...
    def rules_of(self, guild_id: int) -> ReviewRules | None: ...
    async def refresh_rules(self, guild_id: int) -> None: ...
    def remember_choices(self, factor_messages: Mapping[str, int], votes: list[VoteRow]) -> None: ...
    def adopt_reactions(self, factor_messages: Mapping[str, int], reactions: Mapping[str, Mapping[str, list[int]]],
                        eligible: Mapping[int, bool], changed_live: Collection[tuple[str, int]]) -> None: ...
    def forget_member(self, guild_id: int, member_id: int, review_id: int | None) -> None: ...


class TallyDisplay(Protocol):
    """Coalesced refreshes of the summaries (bot.review_runtime.coalesce.TallyCoalescer)."""

    def mark_dirty(self, review_id: int) -> None: ...
    def mark_many(self, review_ids: set[int]) -> None: ...
    def forget(self, review_id: int) -> None: ...


class Background(Protocol):
    """Runs work the caller must not wait for (a command answers within 3 s); the Discord side
    owns those tasks and cancels them when it unloads."""

    def spawn(self, work: Coroutine[Any, Any, Any], name: str) -> None: ...

    async def finish(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run `work` to its end even when the caller is being cancelled (a shutdown mid-way)."""


class DeadlineAlarm(Protocol):
    def wake(self) -> None:
        """A deadline may be earlier than the sweeper thinks: look again now."""


class ReviewBoard(Protocol):
    """What the service needs from Discord: post a review, publish its verdict, archive it, read
    its reactions, tell its thread what happened."""

    async def post(self, review: Review, report: Report | None, rules: ReviewRules, place: Any) -> Posted:
        """Create the thread, the summary and the factor messages; BoardRefused when Discord
        refuses or there is nowhere to post."""
    async def take_down(self, posted: Posted) -> None: ...
    async def add_vote_reactions(self, thread_id: int, factor_messages: Mapping[str, int]) -> None: ...
    async def find_thread(self, thread_id: int) -> Any | None:
        """The thread's handle; None when Discord could not say; ReviewGone when it is deleted."""
    async def say_voting_stopped(self, review_id: int, thread: Any, reason: str) -> None: ...
    async def reopen_thread(self, review: Review, thread: Any, actor_id: int) -> None: ...
    async def unarchive(self, thread: Any, review_id: int) -> None: ...
    async def show_summary(self, review: Review, report: Report | None, tally: Tally, verdict: Verdict | None,
                           rules: ReviewRules | None) -> None:
        """Edit the summary (nothing when it would look the same); ReviewGone when it is deleted."""
    async def publish_verdict(self, review: Review, verdict: Verdict, report: Report | None,
                              tally: Tally) -> tuple[str, ...]:
        """Post the verdict, close the summary, archive the thread, tell the requester; what could
        not be done in the thread."""
    async def retire_deleted(self, review: Review, thread: Any, report: Report | None, tally: Tally) -> None: ...
    async def read_reactions(self, thread_id: int, factor_messages: Mapping[str, int]) -> Observed: ...
    async def voter_facts(self, guild_id: int, user_ids: set[int]) -> dict[int, VoterFacts]: ...
    def forget(self, review_id: int) -> None:
        """Drop what the board remembers of a review (the summary as last shown)."""

