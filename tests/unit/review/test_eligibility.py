from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.review.eligibility import ReviewFacts, VoterFacts, eligibility
from bot.review.rules import ReviewRules

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
RULES = ReviewRules()  # 24 h in the guild, 7-day-old account, requester may not vote
REVIEW = ReviewFacts(requester_id=1, status="open", deadline_at=NOW + timedelta(hours=10))
VOTER = VoterFacts(
    member_id=2,
    is_bot=False,
    joined_at=NOW - timedelta(days=30),
    account_created_at=NOW - timedelta(days=400),
    pending=False,
)

CASES = [
    ("eligible", VOTER, REVIEW, RULES, True, None),
    ("bot", replace(VOTER, is_bot=True), REVIEW, RULES, False, "bots do not vote"),
    ("requester", replace(VOTER, member_id=1), REVIEW, RULES, False, "conflict of interest"),
    ("requester allowed", replace(VOTER, member_id=1), REVIEW, replace(RULES, requester_may_vote=True), True, None),
    ("joined 23 h ago", replace(VOTER, joined_at=NOW - timedelta(hours=23)), REVIEW, RULES, False, "24 hours"),
    ("joined exactly 24 h ago", replace(VOTER, joined_at=NOW - timedelta(hours=24)), REVIEW, RULES, True, None),
    ("join time unknown", replace(VOTER, joined_at=None), REVIEW, RULES, False, "did not say when you joined"),
    ("account 6 days old", replace(VOTER, account_created_at=NOW - timedelta(days=6)), REVIEW, RULES, False,
     "accounts can vote once they are 7 days old"),
    ("young account, rule off", replace(VOTER, account_created_at=NOW - timedelta(hours=1)), REVIEW,
     replace(RULES, min_account_age_days=0), True, None),
    ("pending screening", replace(VOTER, pending=True), REVIEW, RULES, False, "membership screening"),
    ("closed review", VOTER, replace(REVIEW, status="closed"), RULES, False, "this review is closed"),
    ("opening review", VOTER, replace(REVIEW, status="opening"), RULES, False, "this review is closed"),
    ("past deadline", VOTER, replace(REVIEW, deadline_at=NOW), RULES, False, "deadline has passed"),
    # A bot that is also the requester is told the first, permanent reason.
    ("bot requester", replace(VOTER, member_id=1, is_bot=True), REVIEW, RULES, False, "bots do not vote"),
]


@pytest.mark.parametrize(("name", "voter", "review", "rules", "ok", "reason"), CASES, ids=[c[0] for c in CASES])
def test_eligibility(name, voter, review, rules, ok, reason) -> None:
    result = eligibility(voter, review, rules, NOW)
    assert result.ok is ok
    if reason is None:
        assert result.reason is None
    else:
        assert reason in result.reason
