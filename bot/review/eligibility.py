"""Who may vote on a review: the one rule, with reasons a member can read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.review.deadlines import is_due
from bot.review.rules import ReviewRules


@dataclass(frozen=True)
class VoterFacts:
    """What the cog knows about the member who reacted."""

    member_id: int
    is_bot: bool
    # None when Discord did not tell us (a member object without joined_at): treated as unknown,
    # which is not counted, because "joined long enough ago" cannot be shown.
    joined_at: datetime | None
    account_created_at: datetime
    # Still pending membership screening (Discord's "pending" flag).
    pending: bool = False


@dataclass(frozen=True)
class ReviewFacts:
    requester_id: int
    status: str  # opening | open | closed | deleted
    deadline_at: datetime


@dataclass(frozen=True)
class Eligibility:
    ok: bool
    reason: str | None = None


ELIGIBLE = Eligibility(True, None)


def _age(hours: float) -> str:
    if hours >= 48 and hours % 24 == 0:
        return f"{int(hours // 24)} days"
    if hours == int(hours):
        return f"{int(hours)} hours"
    return f"{hours:g} hours"


def eligibility(voter: VoterFacts, review: ReviewFacts, rules: ReviewRules, now: datetime) -> Eligibility:
    """Whether this member's vote counts on this review now, and if not, why (in plain words).

    The order puts the reasons that can never change first, so a member is told the real one.
    """
    if voter.is_bot:
        return Eligibility(False, "bots do not vote")
    if review.status != "open":
        return Eligibility(False, "this review is closed")
    if is_due(review.deadline_at.timestamp(), now.timestamp()):
        return Eligibility(False, "the voting deadline has passed")
    if voter.member_id == review.requester_id and not rules.requester_may_vote:
        return Eligibility(False, "you asked for this review, so your vote is not counted (conflict of interest)")
    if voter.pending:
        return Eligibility(False, "you have not completed this server's membership screening yet")
    if voter.joined_at is None:
        return Eligibility(False, "Discord did not say when you joined this server, so your vote cannot count yet")
    if now - voter.joined_at < timedelta(hours=rules.min_member_age_hours):
        return Eligibility(
            False, f"members can vote once they have been in this server for {_age(rules.min_member_age_hours)}"
        )
    if now - voter.account_created_at < timedelta(days=rules.min_account_age_days):
        return Eligibility(
            False,
            f"accounts can vote once they are {_age(rules.min_account_age_days * 24)} old",
        )
    return ELIGIBLE
