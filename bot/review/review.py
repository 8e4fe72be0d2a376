"""The Review entity and its states: what a review is, whatever stores it or shows it.

A review goes opening → open → closed (and back to open when a moderator reopens it), or to
deleted (a moderator's deletion, or an opening that never finished). `broken` is not a state:
an open review whose thread or a vote message is gone stays open with the votes it has, until
its requester, a moderator or its deadline closes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from bot.review.deadlines import is_due

OPENING: Final = "opening"
OPEN: Final = "open"
CLOSED: Final = "closed"
DELETED: Final = "deleted"
STATUSES: tuple[str, ...] = (OPENING, OPEN, CLOSED, DELETED)


@dataclass(frozen=True)
class Review:
    id: int
    guild_id: int
    check_id: int | None
    requester_id: int
    origin_channel_id: int
    channel_id: int | None
    thread_id: int | None
    summary_message_id: int | None
    url: str
    domain: str
    target: str  # '' when the member gave none
    keyword: str | None
    note: str | None
    status: str  # opening | open | closed | deleted
    bot_risk_level: str | None
    bot_risk_score: int | None
    community_risk: str | None
    verdict_json: str | None
    broken: str | None
    created_at: float
    deadline_at: float
    closed_at: float | None
    closed_by: int | None
    close_reason: str | None
    deleted_reason: str | None

    @property
    def is_open(self) -> bool:
        return self.status == OPEN

    def is_due(self, now: float) -> bool:
        """Voting is over: the deadline sweep closes it with the votes it has."""
        return is_due(self.deadline_at, now)


@dataclass(frozen=True)
class FactorMessageRef:
    """What a reaction's message id points at: the hot path of every vote."""

    review_id: int
    guild_id: int
    factor: str


@dataclass(frozen=True)
class CreateResult:
    review: Review
    created: bool  # False: an open (or opening) review for this guild, URL and target existed


class OpenReviewExistsError(RuntimeError):
    """Another review for the same guild, URL and target is open; only one may be."""

    def __init__(self, existing_id: int | None) -> None:
        super().__init__(f"review {existing_id} for the same URL and target is already open")
        self.existing_id = existing_id
