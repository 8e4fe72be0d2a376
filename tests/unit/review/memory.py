"""In-memory repositories, board and live side for ReviewService unit tests: no database, no Discord.

Each keeps the rule its real counterpart keeps (only one open review per URL and target, writes
refused unless the review is open, closes won by one caller), so the service's rules can be
tested on their own.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Collection, Coroutine, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from bot.analysis.report import Report
from bot.review.deadlines import deadline_after, is_due
from bot.review.eligibility import ELIGIBLE, Eligibility, VoterFacts
from bot.review.factors import FACTOR_IDS, Choice
from bot.review.ports import BoardRefused, Observed, Posted, ReviewGone
from bot.review.review import CreateResult, FactorMessageRef, OpenReviewExistsError, Review
from bot.review.rules import ReviewRules
from bot.review.service import ReviewService
from bot.review.verdict import Verdict
from bot.review.votes import Tally, VoteOps, VoteRow
from bot.settings import ReviewDefaults
from bot.sharding import ShardPlan

NOW = 1_700_000_000.0
GUILD = 1


class Clock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class MemoryReviews:
    def __init__(self) -> None:
        self.rows: dict[int, Review] = {}
        self.messages: dict[int, dict[str, int]] = {}

    def _open_for(self, guild_id: int, url: str, target: str, other_than: int | None = None) -> Review | None:
        return next((r for r in self.rows.values() if r.guild_id == guild_id and r.url == url and r.target == target
                     and r.status in ("opening", "open") and r.id != other_than), None)

    async def create(self, *, guild_id: int, requester_id: int, origin_channel_id: int, url: str, domain: str,
                     now: float, deadline_at: float, target: str | None = None, keyword: str | None = None,
                     note: str | None = None, check_id: int | None = None, bot_risk_level: str | None = None,
                     bot_risk_score: int | None = None) -> CreateResult:
        existing = self._open_for(guild_id, url, target or "")
        if existing is not None:
            return CreateResult(existing, False)
        review = Review(
            id=len(self.rows) + 1, guild_id=guild_id, check_id=check_id, requester_id=requester_id,
            origin_channel_id=origin_channel_id, channel_id=None, thread_id=None, summary_message_id=None, url=url,
            domain=domain, target=target or "", keyword=keyword, note=note, status="opening",
            bot_risk_level=bot_risk_level, bot_risk_score=bot_risk_score, community_risk=None, verdict_json=None,
            broken=None, created_at=now, deadline_at=deadline_at, closed_at=None, closed_by=None, close_reason=None,
            deleted_reason=None,
        )
        self.rows[review.id] = review
        return CreateResult(review, True)

    async def find_open(self, guild_id: int, url: str, target: str | None) -> Review | None:
        return self._open_for(guild_id, url, target or "")

    async def attach(self, review_id: int, guild_id: int, *, channel_id: int, thread_id: int,
                     summary_message_id: int, factor_messages: Mapping[str, int]) -> Review | None:
        review = await self.get(review_id, guild_id)
        if review is None or review.status != "opening":
            return None
        self.rows[review_id] = replace(review, channel_id=channel_id, thread_id=thread_id,
                                       summary_message_id=summary_message_id, status="open")
        self.messages[review_id] = dict(factor_messages)
        return self.rows[review_id]

    async def abandon(self, review_id: int, guild_id: int, reason: str) -> bool:
        return self._update(review_id, guild_id, lambda r: r.status == "opening", status="deleted",
                            deleted_reason=reason)

    def _update(self, review_id: int, guild_id: int, when: Any, **changes: Any) -> bool:
        review = self.rows.get(review_id)
        if review is None or review.guild_id != guild_id or not when(review):
            return False
        self.rows[review_id] = replace(review, **changes)
        return True

    async def stale_openings(self, *, exclude: Collection[int] = ()) -> list[tuple[int, int]]:
        return [(r.id, r.guild_id) for r in self.rows.values() if r.status == "opening" and r.id not in exclude]

    async def get(self, review_id: int, guild_id: int) -> Review | None:
        review = self.rows.get(review_id)
        return review if review is not None and review.guild_id == guild_id else None

    async def by_thread(self, thread_id: int, guild_id: int) -> Review | None:
        return next((r for r in self.rows.values() if r.thread_id == thread_id and r.guild_id == guild_id), None)

    async def factor_messages(self, review_id: int, guild_id: int) -> dict[str, int]:
        return dict(self.messages.get(review_id, {}))

    async def open_factor_messages(self) -> dict[int, FactorMessageRef]:
        return {message_id: FactorMessageRef(review_id, self.rows[review_id].guild_id, factor)
                for review_id, messages in self.messages.items() if self.rows[review_id].is_open
                for factor, message_id in messages.items()}

    async def due_reviews(self, now: float, limit: int = 100, *, shards: ShardPlan | None = None) -> list[Review]:
        mine = (shards or ShardPlan()).owns
        due = [r for r in self.rows.values() if r.is_open and is_due(r.deadline_at, now) and mine(r.guild_id)]
        return sorted(due, key=lambda r: r.deadline_at)[:limit]

    async def next_deadline(self, *, shards: ShardPlan | None = None) -> float | None:
        mine = (shards or ShardPlan()).owns
        return min((r.deadline_at for r in self.rows.values() if r.is_open and mine(r.guild_id)), default=None)

    async def close(self, review_id: int, guild_id: int, *, verdict_json: str, community_risk: str,
                    closed_by: int | None, reason: str, now: float) -> bool:
        return self._update(review_id, guild_id, lambda r: r.is_open, status="closed", verdict_json=verdict_json,
                            community_risk=community_risk, closed_by=closed_by, close_reason=reason, closed_at=now)

    async def reopen(self, review_id: int, guild_id: int, *, now: float, deadline_seconds: float) -> Review | None:
        review = await self.get(review_id, guild_id)
        if review is None or review.status != "closed" or review.broken:
            return None
        other = self._open_for(guild_id, review.url, review.target, other_than=review_id)
        if other is not None:
            raise OpenReviewExistsError(other.id)
        self.rows[review_id] = replace(review, status="open", deadline_at=deadline_after(now, deadline_seconds),
                                       closed_at=None, closed_by=None, close_reason=None, verdict_json=None,
                                       community_risk=None)
        return self.rows[review_id]

    async def mark_broken(self, review_id: int, guild_id: int, reason: str) -> bool:
        return self._update(review_id, guild_id, lambda r: r.broken is None, broken=reason)

    async def soft_delete(self, review_id: int, guild_id: int, reason: str) -> bool:
        return self._update(review_id, guild_id, lambda r: r.status != "deleted", status="deleted",
                            deleted_reason=reason)

    async def last_closed_for_domain(self, guild_id: int, domain: str) -> Review | None:
        closed = [r for r in self.rows.values() if r.guild_id == guild_id and r.domain == domain
                  and r.status == "closed"]
        return max(closed, key=lambda r: r.closed_at or 0.0, default=None)


class MemoryVotes:
    """Votes keyed (review, factor, member), with the storage's guard: only open reviews change."""

    def __init__(self, reviews: MemoryReviews) -> None:
        self.reviews = reviews
        self.rows: dict[tuple[int, str, int], VoteRow] = {}
        self.resets: set[tuple[int, int]] = set()

    def _is_open(self, review_id: int) -> bool:
        review = self.reviews.rows.get(review_id)
        return review is not None and review.is_open

    def apply(self, ops: VoteOps) -> None:
        for g in ops.deletes:
            if self._is_open(g.key.review_id):
                self.rows.pop((g.key.review_id, g.key.factor, g.key.member_id), None)
        for g, choice in ops.deletes_if:
            key = (g.key.review_id, g.key.factor, g.key.member_id)
            if self._is_open(g.key.review_id) and key in self.rows and self.rows[key].choice == choice:
                del self.rows[key]
        for row in ops.upserts:
            if self._is_open(row.review_id):
                self.rows[(row.review_id, row.factor, row.member_id)] = row
        for row in ops.inserts_if_absent:
            if self._is_open(row.review_id):
                self.rows.setdefault((row.review_id, row.factor, row.member_id), row)
        for row, old in ops.replaces:
            key = (row.review_id, row.factor, row.member_id)
            if self._is_open(row.review_id) and key in self.rows and self.rows[key].choice == old:
                self.rows[key] = row

    def add(self, review_id: int, factor: str, member_id: int, choice: Choice, guild_id: int = GUILD) -> None:
        self.rows[(review_id, factor, member_id)] = VoteRow(guild_id, review_id, factor, member_id, choice, NOW)

    async def tally(self, review_id: int, guild_id: int) -> Tally:
        counts: dict[tuple[str, str], int] = {}
        for row in self.rows.values():
            if row.review_id == review_id and row.guild_id == guild_id:
                counts[(row.factor, row.choice.value)] = counts.get((row.factor, row.choice.value), 0) + 1
        return Tally.from_rows(review_id, ((f, c, n) for (f, c), n in counts.items()))

    async def votes_for_review(self, review_id: int, guild_id: int) -> list[VoteRow]:
        return sorted((r for r in self.rows.values() if r.review_id == review_id and r.guild_id == guild_id),
                      key=lambda r: (r.factor, r.member_id))

    async def reset_member(self, guild_id: int, member_id: int, review_id: int | None = None, *,
                           now: float) -> set[int]:
        changed = set()
        for key, row in list(self.rows.items()):
            if (row.guild_id == guild_id and row.member_id == member_id and review_id in (None, row.review_id)
                    and self._is_open(row.review_id)):
                del self.rows[key]
                changed.add(row.review_id)
        for review in self.reviews.rows.values():
            if review.guild_id == guild_id and review.is_open and review_id in (None, review.id):
                self.resets.add((review.id, member_id))
        return changed

    async def reset_members(self, review_id: int, guild_id: int) -> set[int]:
        return {member for rid, member in self.resets if rid == review_id}


class MemoryQueue:
    """The vote writer, writing at once; remembers what it was asked to write (barriers included)."""

    def __init__(self, votes: MemoryVotes) -> None:
        self.votes = votes
        self.submitted: list[VoteOps] = []

    def submit_ops(self, ops: VoteOps) -> Awaitable[None]:
        self.submitted.append(ops)
        self.votes.apply(ops)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


class MemoryChecks:
    def __init__(self) -> None:
        self.reports: dict[tuple[int, int], Report] = {}

    async def report(self, guild_id: int, check_id: int) -> Report | None:
        return self.reports.get((guild_id, check_id))


class MemoryRules:
    def __init__(self, rules: ReviewRules) -> None:
        self.current = rules

    async def rules(self, guild_id: int) -> ReviewRules:
        return self.current


@dataclass(frozen=True)
class Entry:
    guild_id: int
    review_id: int | None
    actor_id: int | None
    action: str
    detail: str | None
    at: float


class MemoryAudit:
    def __init__(self) -> None:
        self.entries: list[Entry] = []

    async def append(self, guild_id: int, review_id: int | None, actor_id: int | None, action: str,
                     detail: str | None, at: float) -> int:
        self.entries.append(Entry(guild_id, review_id, actor_id, action, detail, at))
        return len(self.entries)

    def actions(self, review_id: int) -> list[str]:
        return [e.action for e in self.entries if e.review_id == review_id]


@dataclass
class Tracked:
    review_id: int
    guild_id: int
    factor_messages: dict[str, int]


class MemoryLive:
    """The vote desk's bookkeeping, without Discord events."""

    def __init__(self, rules: MemoryRules) -> None:
        self.rules = rules
        self.reviews: dict[int, Tracked] = {}
        self.current: dict[tuple[int, int], Choice] = {}
        self.forgotten_members: list[tuple[int, int, int | None]] = []
        self.ineligible: set[int] = set()

    def track(self, review: Review, factor_messages: Mapping[str, int], rules: ReviewRules) -> None:
        self.reviews[review.id] = Tracked(review.id, review.guild_id, dict(factor_messages))

    def untrack(self, review_id: int) -> object:
        return self.reviews.pop(review_id, None)

    def tracked(self, review_id: int) -> Tracked | None:
        return self.reviews.get(review_id)

    def tracked_in(self, guild_id: int) -> list[int]:
        return [r.review_id for r in self.reviews.values() if r.guild_id == guild_id]

    @contextmanager
    def watching(self, review_id: int) -> Iterator[set[tuple[str, int]]]:
        yield set()

    def check(self, review: Any, facts: VoterFacts) -> Eligibility:
        return Eligibility(False, "not allowed") if facts.member_id in self.ineligible else ELIGIBLE

    def rules_of(self, guild_id: int) -> ReviewRules | None:
        return self.rules.current

    async def refresh_rules(self, guild_id: int) -> None:
        pass

    def remember_choices(self, factor_messages: Mapping[str, int], votes: list[VoteRow]) -> None:
        for vote in votes:
            self.current[(factor_messages[vote.factor], vote.member_id)] = vote.choice

    def adopt_reactions(self, factor_messages: Mapping[str, int], reactions: Mapping[str, Mapping[str, list[int]]],
                        eligible: Mapping[int, bool], changed_live: Collection[tuple[str, int]]) -> None:
        pass

    def forget_member(self, guild_id: int, member_id: int, review_id: int | None) -> None:
        self.forgotten_members.append((guild_id, member_id, review_id))


class MemoryDisplay:
    def __init__(self) -> None:
        self.dirty: list[int] = []
        self.forgotten: list[int] = []

    def mark_dirty(self, review_id: int) -> None:
        self.dirty.append(review_id)

    def mark_many(self, review_ids: set[int]) -> None:
        self.dirty.extend(sorted(review_ids))

    def forget(self, review_id: int) -> None:
        self.forgotten.append(review_id)


class MemoryBackground:
    """Keeps the work handed over; a test runs it when it wants (no timing involved)."""

    def __init__(self) -> None:
        self.work: list[tuple[str, Coroutine[Any, Any, Any]]] = []

    def spawn(self, work: Coroutine[Any, Any, Any], name: str) -> None:
        self.work.append((name, work))

    async def finish(self, work: Coroutine[Any, Any, Any]) -> None:
        await work

    async def run_all(self) -> list[str]:
        names = []
        while self.work:
            name, work = self.work.pop(0)
            await work
            names.append(name)
        return names

    def discard(self) -> None:
        for _, work in self.work:
            work.close()
        self.work.clear()


class MemoryAlarm:
    def __init__(self) -> None:
        self.wakes = 0

    def wake(self) -> None:
        self.wakes += 1


@dataclass
class Thread:
    id: int
    archived: bool = False
    locked: bool = False
    messages: list[str] = field(default_factory=list)


class MemoryBoard:
    """A Discord that keeps threads as plain objects and says what was done to them."""

    def __init__(self) -> None:
        self.threads: dict[int, Thread] = {}
        self.gone: set[int] = set()  # thread ids Discord says are deleted
        self.unreachable: set[int] = set()  # thread ids Discord does not answer for
        self.refuse_posting: str | None = None
        self.fail_posting: BaseException | None = None  # anything else going wrong while posting
        self.verdicts: dict[int, Verdict] = {}
        self.summaries: dict[int, Tally] = {}
        self.reactions: dict[int, Observed] = {}  # thread id -> what reading the reactions returns
        self.retired: list[int] = []
        self.forgotten: list[int] = []
        self.reacted: list[int] = []
        self._next_id = 1000

    def _id(self) -> int:
        self._next_id += 1
        return self._next_id

    async def post(self, review: Review, report: Report | None, rules: ReviewRules, place: Any) -> Posted:
        if self.refuse_posting is not None:
            raise BoardRefused("Discord refused (check my permissions there)", self.refuse_posting)
        if self.fail_posting is not None:
            raise self.fail_posting
        thread = Thread(self._id())
        self.threads[thread.id] = thread
        messages = {factor: self._id() for factor in FACTOR_IDS}
        return Posted(channel_id=77, thread_id=thread.id, summary_message_id=self._id(), factor_messages=messages,
                      thread=thread)

    async def take_down(self, posted: Posted) -> None:
        self.threads.pop(posted.thread_id, None)

    async def add_vote_reactions(self, thread_id: int, factor_messages: Mapping[str, int]) -> None:
        self.reacted.append(thread_id)

    async def find_thread(self, thread_id: int) -> Any | None:
        if thread_id in self.gone:
            raise ReviewGone("the review thread was deleted")
        if thread_id in self.unreachable:
            return None
        return self.threads.get(thread_id)

    async def say_voting_stopped(self, review_id: int, thread: Thread, reason: str) -> None:
        thread.messages.append(f"voting stopped: {reason}")

    async def reopen_thread(self, review: Review, thread: Thread, actor_id: int) -> None:
        thread.archived = thread.locked = False
        thread.messages.append(f"reopened by {actor_id}")

    async def unarchive(self, thread: Thread, review_id: int) -> None:
        thread.archived = False

    async def show_summary(self, review: Review, report: Report | None, tally: Tally, verdict: Verdict | None,
                           rules: ReviewRules | None) -> None:
        if review.thread_id in self.gone:
            raise ReviewGone("the summary message or thread was deleted")
        self.summaries[review.id] = tally

    async def publish_verdict(self, review: Review, verdict: Verdict, report: Report | None,
                              tally: Tally) -> tuple[str, ...]:
        self.verdicts[review.id] = verdict
        thread = self.threads.get(review.thread_id or 0)
        if thread is None or review.thread_id in self.gone:
            return ()
        thread.messages.append("verdict")
        thread.archived = thread.locked = True
        return ()

    async def retire_deleted(self, review: Review, thread: Thread, report: Report | None, tally: Tally) -> None:
        thread.messages.append("deleted")
        thread.archived = thread.locked = True
        self.retired.append(review.id)

    async def read_reactions(self, thread_id: int, factor_messages: Mapping[str, int]) -> Observed:
        if thread_id in self.gone:
            raise ReviewGone("the review thread was deleted")
        return self.reactions.get(thread_id, Observed())

    async def voter_facts(self, guild_id: int, user_ids: set[int]) -> dict[int, VoterFacts]:
        from datetime import UTC, datetime

        long_ago = datetime(2020, 1, 1, tzinfo=UTC)
        return {uid: VoterFacts(uid, False, long_ago, long_ago) for uid in user_ids}

    def forget(self, review_id: int) -> None:
        self.forgotten.append(review_id)


@dataclass
class World:
    """A ReviewService over in-memory everything, and handles on each part."""

    clock: Clock
    reviews: MemoryReviews
    votes: MemoryVotes
    checks: MemoryChecks
    rules: MemoryRules
    audit: MemoryAudit
    board: MemoryBoard
    live: MemoryLive
    queue: MemoryQueue
    display: MemoryDisplay
    background: MemoryBackground
    alarm: MemoryAlarm
    service: ReviewService


def world(shards: ShardPlan | None = None, **rule_overrides: Any) -> World:
    clock = Clock()
    reviews = MemoryReviews()
    votes = MemoryVotes(reviews)
    rules = MemoryRules(dataclasses.replace(ReviewRules.from_defaults(ReviewDefaults()), **rule_overrides))
    checks, audit, board = MemoryChecks(), MemoryAudit(), MemoryBoard()
    live, queue, display = MemoryLive(rules), MemoryQueue(votes), MemoryDisplay()
    background, alarm = MemoryBackground(), MemoryAlarm()
    service = ReviewService(
        reviews=reviews, votes=votes, checks=checks, rules=rules, audit=audit, board=board, live=live, queue=queue,
        display=display, background=background, alarm=alarm, clock=clock, cooldown_seconds=60.0, shards=shards,
    )
    return World(clock, reviews, votes, checks, rules, audit, board, live, queue, display, background, alarm,
                 service)
