"""The review rules in force for one guild: the ReviewDefaults with the guild's overrides applied."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from bot.settings import ReviewDefaults


@dataclass(frozen=True)
class ReviewRules(ReviewDefaults):
    """The same fields as ReviewDefaults (whose values are the built-in defaults), as they apply to
    one guild."""

    @classmethod
    def from_defaults(cls, defaults: ReviewDefaults) -> ReviewRules:
        return cls(**{f.name: getattr(defaults, f.name) for f in dataclasses.fields(ReviewDefaults)})

    @property
    def deadline_seconds(self) -> float:
        return self.deadline_hours * 3600.0
