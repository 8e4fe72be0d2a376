"""When a review's voting ends, and what a reopen does to it: the one place for the deadline rule.

Time is passed in (unix seconds). The storage's sweep query (`deadline_at <= now`) is `is_due`
in SQL, so the database picks the due reviews without reading every open one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.review.rules import ReviewRules


def deadline_after(start: float, voting_seconds: float) -> float:
    """The end of a voting period of `voting_seconds` that starts at `start` (opening or reopening)."""
    return start + voting_seconds


def deadline_for(opened_at: float, rules: ReviewRules) -> float:
    return deadline_after(opened_at, rules.deadline_seconds)


def is_due(deadline_at: float, now: float) -> bool:
    return now >= deadline_at


@dataclass(frozen=True)
class ReopenDecision:
    ok: bool
    reason: str | None = None
    new_deadline_at: float | None = None


def reopen_decision(status: str, broken: str | None, now: float, rules: ReviewRules) -> ReopenDecision:
    """A moderator reopens a closed review: it goes back to 'open' with a full new voting period
    (now + the guild's deadline) and keeps every vote cast before the close, so members do not
    have to vote again; the next close computes a fresh verdict from all of them."""
    if status == "open":
        return ReopenDecision(False, "this review is already open")
    if status != "closed":
        return ReopenDecision(False, "only a closed review can be reopened")
    if broken:
        return ReopenDecision(False, f"this review cannot take votes any more ({broken})")
    return ReopenDecision(True, None, deadline_for(now, rules))
