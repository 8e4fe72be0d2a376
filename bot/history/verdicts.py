"""Reading the per-factor answers out of a closed review's verdict_json.

bot/review/verdict.py owns the shape of verdict_json and `Verdict.from_json` reads it; there is no
other reader. History only needs one thing from it: the community's final answer for each review
factor, to tell whether a member's vote agreed. Text that is not a stored Verdict has no answers.
"""

from __future__ import annotations

import json
from typing import Any

from bot.review.factors import FACTOR_IDS
from bot.review.verdict import Verdict

__all__ = ["ANSWERS", "FACTOR_IDS", "SCORABLE_ANSWERS", "factor_answers", "json_object", "stored_verdict",
           "vote_agrees"]

ANSWERS: frozenset[str] = frozenset({"good", "unsure", "bad", "no_consensus"})
# Only these can be agreed with; "no_consensus" means the community gave no answer to match.
SCORABLE_ANSWERS: frozenset[str] = frozenset({"good", "unsure", "bad"})


def stored_verdict(text: str | None) -> Verdict | None:
    """The Verdict a closed review stored, or None when the text is not one."""
    if not text:
        return None
    try:
        return Verdict.from_json(text)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def factor_answers(verdict_json: str | None) -> dict[str, str]:
    """The community's final answer per factor id; empty when there is no stored verdict."""
    stored = stored_verdict(verdict_json)
    if stored is None:
        return {}
    return {o.factor: o.answer for o in stored.factors if o.factor in FACTOR_IDS and o.answer in ANSWERS}


def json_object(text: str | None) -> dict[str, Any] | None:
    """A stored JSON object (verdict, check report) as a dict, or None when absent or unreadable."""
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def vote_agrees(choice: str, answer: str | None) -> bool | None:
    """True/False when the vote can be scored against the final answer, None when it cannot."""
    if answer not in SCORABLE_ANSWERS:
        return None
    return choice == answer
