"""The review rules in force for one guild: the ReviewDefaults with the guild's overrides applied."""

from __future__ import annotations

from dataclasses import dataclass

from bot.settings import ReviewDefaults


@dataclass(frozen=True)
class ReviewRules:
    min_votes: int = 3
    deadline_hours: float = 72.0
    min_member_age_hours: float = 24.0
    min_account_age_days: float = 7.0
    requester_may_vote: bool = False
    review_cooldown_seconds: float = 60.0
    tally_edit_interval: float = 2.0

    @classmethod
    def from_defaults(cls, defaults: ReviewDefaults) -> ReviewRules:
        return cls(
            min_votes=defaults.min_votes,
            deadline_hours=defaults.deadline_hours,
            min_member_age_hours=defaults.min_member_age_hours,
            min_account_age_days=defaults.min_account_age_days,
            requester_may_vote=defaults.requester_may_vote,
            review_cooldown_seconds=defaults.review_cooldown_seconds,
            tally_edit_interval=defaults.tally_edit_interval,
        )

    @property
    def deadline_seconds(self) -> float:
        return self.deadline_hours * 3600.0
