"""Plain frozen records that history hands to the cog, the CLI and the exporters."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from bot.history.paging import PageCursor
from bot.storage.reviews import Review


@dataclass(frozen=True)
class ReviewSummary:
    """One line of /history."""

    id: int
    created_at: float
    domain: str
    url: str
    requester_id: int
    status: str
    community_risk: str | None
    bot_risk_level: str | None
    thread_id: int | None


@dataclass(frozen=True)
class HistoryPage:
    rows: tuple[ReviewSummary, ...]
    has_older: bool
    has_newer: bool
    # The cursor this page was read from: an empty page (all its rows deleted meanwhile) still
    # needs a way back.
    anchor: PageCursor | None = None

    def older_cursor(self) -> PageCursor | None:
        """The cursor for the Next (older) button, or None when there is nothing older."""
        if not self.has_older:
            return None
        if not self.rows:
            return None if self.anchor is None else dataclasses.replace(self.anchor, direction="older")
        last = self.rows[-1]
        return PageCursor(last.created_at, last.id, "older")

    def newer_cursor(self) -> PageCursor | None:
        """The cursor for the Previous (newer) button, or None on the first page."""
        if not self.has_newer:
            return None
        if not self.rows:
            return None if self.anchor is None else dataclasses.replace(self.anchor, direction="newer")
        first = self.rows[0]
        return PageCursor(first.created_at, first.id, "newer")


@dataclass(frozen=True)
class VoteRecord:
    review_id: int
    factor: str
    member_id: int
    choice: str
    voted_at: float


@dataclass(frozen=True)
class FactorTally:
    factor: str
    good: int
    unsure: int
    bad: int
    # The community's final answer for this factor (from verdict_json), None while open.
    answer: str | None

    @property
    def total(self) -> int:
        return self.good + self.unsure + self.bad


@dataclass(frozen=True)
class TimelineEntry:
    id: int
    created_at: float
    action: str
    actor_id: int | None  # None: the bot itself
    detail: str | None


@dataclass(frozen=True)
class CheckSummary:
    id: int
    created_at: float
    member_id: int
    url: str
    risk_level: str
    risk_score: int


@dataclass(frozen=True)
class CheckReport:
    """The stored analysis behind a review."""

    id: int
    created_at: float
    risk_level: str
    risk_score: int
    report: dict[str, Any] | None  # None when the stored JSON is unreadable


@dataclass(frozen=True)
class ReviewDetail:
    review: Review
    check: CheckReport | None
    # Who voted what: the cog shows these identities to moderators only.
    votes: tuple[VoteRecord, ...]
    tallies: tuple[FactorTally, ...]
    verdict: dict[str, Any] | None
    answers: dict[str, str]
    timeline: tuple[TimelineEntry, ...]


@dataclass(frozen=True)
class RiskComparison:
    review_id: int
    closed_at: float | None
    bot_risk_level: str
    community_risk: str

    @property
    def agrees(self) -> bool:
        return self.bot_risk_level == self.community_risk


@dataclass(frozen=True)
class DomainDossier:
    domain: str
    check_count: int
    checks: tuple[CheckSummary, ...]  # newest first, at most the limit asked for
    review_count: int  # deleted reviews not counted
    reviews: tuple[ReviewSummary, ...]  # newest first, at most the limit asked for
    latest_verdict: ReviewSummary | None  # the most recently closed review
    # Closed reviews with both a bot risk and a community risk (low/medium/high).
    compared: int
    agreed: int
    no_consensus: int  # closed reviews where the community reached no verdict
    comparisons: tuple[RiskComparison, ...] = field(default=())

    @property
    def agreement_rate(self) -> float | None:
        return self.agreed / self.compared if self.compared else None


@dataclass(frozen=True)
class ReviewerStats:
    member_id: int
    reviews_requested: int
    votes_cast: int
    reviews_voted: int
    # Votes on closed reviews whose final answer for that factor was good/unsure/bad.
    votes_scored: int
    votes_agreed: int

    @property
    def agreement_rate(self) -> float | None:
        return self.votes_agreed / self.votes_scored if self.votes_scored else None


@dataclass(frozen=True)
class DomainMemory:
    """What /checklink says about a domain this guild has seen before."""

    domain: str
    check_count: int
    last_check_risk: str | None
    last_checked_at: float | None
    last_review_id: int | None
    last_verdict: str | None  # community_risk of the most recently closed review
    last_verdict_at: float | None

    @property
    def seen_before(self) -> bool:
        return self.check_count > 0 or self.last_review_id is not None
