"""The community's verdict on a review, beside the bot's own analysis: the one rule for it.

Per factor
    The answer is the choice with the most votes (a plurality, since there are three choices),
    once the factor has at least `min_votes` votes. Below that quorum the answer is
    "no_consensus", and so is a tie between the top two choices: a 2–2 split between good and
    bad is not an answer, and picking either side would misreport the community.

Combined community risk (low | medium | high | no_consensus)
    Each factor that reached an answer gives risk points: good 0, unsure 1, bad 2. The "overall"
    factor counts twice (members answered the risk question itself there), every other factor
    once. The weighted mean (0..2) maps to low (< 0.5), medium (< 1.25) or high. Two floors
    follow, because in link building a single clearly bad sign is usually disqualifying and an
    average must not hide it:
    - any factor answered "bad" makes the risk at least medium;
    - the overall factor answered "unsure" makes it at least medium, "bad" makes it high.
    When no factor reached an answer the risk is "no_consensus".

Beside the bot
    The bot's factor verdicts (good | caution | bad | unknown) are shown per factor, and the
    overall factor is compared with the bot's risk level (low ~ good, medium ~ caution,
    high ~ bad). A disagreement is listed wherever both sides gave an answer and they differ
    (including the combined risk against the bot's risk level, as factor "combined_risk");
    it is `strong` when they sit at opposite ends (good against bad, low against high).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from bot.review.factors import FACTORS, OVERALL, Choice
from bot.review.rules import ReviewRules
from bot.review.votes import Tally

NO_CONSENSUS = "no_consensus"
COMBINED_RISK = "combined_risk"

_POINTS = {Choice.GOOD: 0, Choice.UNSURE: 1, Choice.BAD: 2}
_WEIGHT_OVERALL = 2.0
_WEIGHT_FACTOR = 1.0
_LOW_BELOW = 0.5
_MEDIUM_BELOW = 1.25
_RISK_LEVELS = ("low", "medium", "high")

# The bot's words and the community's on one 0..2 scale, so they can be compared.
_BOT_LEVEL = {"good": 0, "caution": 1, "bad": 2, "low": 0, "medium": 1, "high": 2}
_COMMUNITY_LEVEL = {"good": 0, "unsure": 1, "bad": 2, "low": 0, "medium": 1, "high": 2}
_RISK_AS_VERDICT = {"low": "good", "medium": "caution", "high": "bad"}


@dataclass(frozen=True)
class BotReportSummary:
    """What the verdict needs from the bot's analysis report."""

    # analysis factor id -> good | caution | bad | unknown
    factor_verdicts: Mapping[str, str] = field(default_factory=dict)
    risk_level: str | None = None  # low | medium | high


def summary_from_report(report: Any) -> BotReportSummary:
    """The summary of an analysis Report (bot/analysis/report.py): its factor verdicts and risk level.

    Read by attribute so this module does not depend on the analysis package's internals.
    """
    verdicts = {str(f.id): str(f.verdict) for f in getattr(report, "factors", ())}
    risk = getattr(report, "risk", None)
    return BotReportSummary(verdicts, str(risk.level) if risk is not None else None)


@dataclass(frozen=True)
class FactorOutcome:
    factor: str
    good: int
    unsure: int
    bad: int
    answer: str  # good | unsure | bad | no_consensus
    reason: str | None  # why there is no answer, in words
    bot: str | None  # the bot's verdict on this factor (overall: from its risk level)

    @property
    def total(self) -> int:
        return self.good + self.unsure + self.bad


@dataclass(frozen=True)
class Disagreement:
    factor: str  # a review factor id, or "combined_risk"
    community: str
    bot: str
    strong: bool


@dataclass(frozen=True)
class Verdict:
    factors: tuple[FactorOutcome, ...]
    community_risk: str  # low | medium | high | no_consensus
    community_score: float | None  # the weighted mean 0..2 before floors; None without answers
    bot_risk: str | None
    disagreements: tuple[Disagreement, ...]
    min_votes: int

    def factor(self, factor_id: str) -> FactorOutcome:
        for outcome in self.factors:
            if outcome.factor == factor_id:
                return outcome
        raise KeyError(factor_id)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Verdict:
        data = json.loads(text)
        return cls(
            factors=tuple(FactorOutcome(**f) for f in data["factors"]),
            community_risk=data["community_risk"],
            community_score=data["community_score"],
            bot_risk=data["bot_risk"],
            disagreements=tuple(Disagreement(**d) for d in data["disagreements"]),
            min_votes=data["min_votes"],
        )


def factor_answer(counts: Mapping[Choice, int], min_votes: int) -> tuple[str, str | None]:
    """(answer, reason-if-none) for one factor's counts; see the module doc."""
    total = sum(counts.values())
    if total < min_votes:
        return NO_CONSENSUS, f"{total} of {min_votes} votes needed"
    ranked = sorted(Choice, key=lambda c: counts.get(c, 0), reverse=True)
    top, second = ranked[0], ranked[1]
    if counts.get(top, 0) == counts.get(second, 0):
        tied = [c.value for c in Choice if counts.get(c, 0) == counts.get(top, 0)]
        return NO_CONSENSUS, f"tie between {' and '.join(tied)}"
    return top.value, None


def _combined_risk(outcomes: tuple[FactorOutcome, ...]) -> tuple[str, float | None]:
    weighted = 0.0
    weights = 0.0
    floor = 0
    for o in outcomes:
        if o.answer == NO_CONSENSUS:
            continue
        points = _POINTS[Choice(o.answer)]
        weight = _WEIGHT_OVERALL if o.factor == OVERALL else _WEIGHT_FACTOR
        weighted += points * weight
        weights += weight
        if o.factor == OVERALL:
            floor = max(floor, points)
        elif points == 2:
            floor = max(floor, 1)
    if weights == 0:
        return NO_CONSENSUS, None
    score = weighted / weights
    band = 0 if score < _LOW_BELOW else 1 if score < _MEDIUM_BELOW else 2
    return _RISK_LEVELS[max(band, floor)], round(score, 4)


def _bot_verdict_for(analysis_factor: str | None, bot: BotReportSummary | None) -> str | None:
    if bot is None:
        return None
    if analysis_factor is None:
        return _RISK_AS_VERDICT.get(bot.risk_level or "")
    return bot.factor_verdicts.get(analysis_factor)


def _disagreement(factor_id: str, community: str, bot: str | None) -> Disagreement | None:
    if bot is None or community == NO_CONSENSUS or bot not in _BOT_LEVEL:
        return None
    gap = abs(_COMMUNITY_LEVEL[community] - _BOT_LEVEL[bot])
    if gap == 0:
        return None
    return Disagreement(factor_id, community, bot, strong=gap == 2)


def compute_verdict(tally: Tally, bot_report_summary: BotReportSummary | None, rules: ReviewRules) -> Verdict:
    """The verdict for a review from its stored votes and the bot's analysis (see module doc)."""
    outcomes = []
    disagreements = []
    for f in FACTORS:
        counts = {c: tally.count(f.id, c) for c in Choice}
        answer, reason = factor_answer(counts, rules.min_votes)
        bot = _bot_verdict_for(f.analysis_factor, bot_report_summary)
        outcomes.append(
            FactorOutcome(
                factor=f.id,
                good=counts[Choice.GOOD],
                unsure=counts[Choice.UNSURE],
                bad=counts[Choice.BAD],
                answer=answer,
                reason=reason,
                bot=bot,
            )
        )
        d = _disagreement(f.id, answer, bot)
        if d is not None:
            disagreements.append(d)
    outcome_tuple = tuple(outcomes)
    risk, score = _combined_risk(outcome_tuple)
    bot_risk = bot_report_summary.risk_level if bot_report_summary else None
    d = _disagreement(COMBINED_RISK, risk, bot_risk)
    if d is not None:
        disagreements.append(d)
    return Verdict(
        factors=outcome_tuple,
        community_risk=risk,
        community_score=score,
        bot_risk=bot_risk,
        disagreements=tuple(disagreements),
        min_votes=rules.min_votes,
    )
