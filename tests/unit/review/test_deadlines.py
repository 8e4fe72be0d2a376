from __future__ import annotations

from bot.review.deadlines import deadline_for, is_due, reopen_decision
from bot.review.rules import ReviewRules
from bot.settings import ReviewDefaults

RULES = ReviewRules.from_defaults(ReviewDefaults(deadline_hours=48))


def test_deadline_and_due() -> None:
    assert deadline_for(1000.0, RULES) == 1000.0 + 48 * 3600
    assert not is_due(2000.0, 1999.9) and is_due(2000.0, 2000.0)


def test_reopen_rule() -> None:
    ok = reopen_decision("closed", None, 5000.0, RULES)
    assert ok.ok and ok.new_deadline_at == 5000.0 + 48 * 3600
    assert "already open" in reopen_decision("open", None, 0, RULES).reason
    assert not reopen_decision("deleted", None, 0, RULES).ok
    broken = reopen_decision("closed", "thread deleted", 0, RULES)
    assert not broken.ok and "thread deleted" in broken.reason
