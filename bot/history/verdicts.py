"""Reading the per-factor answers out of a closed review's verdict_json.

bot/review/verdict.py owns the shape of verdict_json, and `Verdict.from_json` reads it: that is
how every verdict the bot stored is read here. History only needs one thing from it: the
community's final answer for each review factor, to tell whether a member's vote agreed.

A row in another shape (written by hand or by another tool into the database) is read leniently:
answers keyed by review factor id, each good | unsure | bad | no_consensus, directly or under an
"answer"/"result"/"verdict"/"choice" key, at the top level or under "factors".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bot.review.factors import FACTOR_IDS
from bot.review.verdict import Verdict

__all__ = ["ANSWERS", "FACTOR_IDS", "SCORABLE_ANSWERS", "factor_answers", "json_object", "stored_verdict",
           "vote_agrees"]

ANSWERS: frozenset[str] = frozenset({"good", "unsure", "bad", "no_consensus"})
# Only these can be agreed with; "no_consensus" means the community gave no answer to match.
SCORABLE_ANSWERS: frozenset[str] = frozenset({"good", "unsure", "bad"})
_ANSWER_KEYS = ("answer", "result", "verdict", "choice", "outcome", "value")


def _answer_of(value: Any) -> str | None:
    if isinstance(value, str):
        text = value.strip().lower().replace(" ", "_").replace("-", "_")
        return text if text in ANSWERS else None
    if isinstance(value, Mapping):
        for key in _ANSWER_KEYS:
            if key in value:
                found = _answer_of(value[key])
                if found is not None:
                    return found
    return None


def _from_mapping(data: Mapping[str, Any]) -> dict[str, str]:
    answers: dict[str, str] = {}
    for factor_id in FACTOR_IDS:
        if factor_id in data:
            found = _answer_of(data[factor_id])
            if found is not None:
                answers[factor_id] = found
    return answers


def _from_list(items: list[Any]) -> dict[str, str]:
    answers: dict[str, str] = {}
    for item in items:
        if not isinstance(item, Mapping):
            continue
        factor_id = item.get("factor", item.get("id"))
        if factor_id in FACTOR_IDS:
            found = _answer_of(item)
            if found is not None:
                answers[factor_id] = found
    return answers


def stored_verdict(text: str | None) -> Verdict | None:
    """The Verdict a closed review stored, or None when the text is not one."""
    if not text:
        return None
    try:
        return Verdict.from_json(text)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def factor_answers(verdict: str | Mapping[str, Any] | None) -> dict[str, str]:
    """The community's final answer per factor id; empty when there is no (readable) verdict."""
    if verdict is None:
        return {}
    if isinstance(verdict, str):
        stored = stored_verdict(verdict)
        if stored is not None:
            return {o.factor: o.answer for o in stored.factors if o.factor in FACTOR_IDS and o.answer in ANSWERS}
        try:
            data: Any = json.loads(verdict)
        except ValueError:
            return {}
    else:
        data = verdict
    if not isinstance(data, Mapping):
        return {}
    nested = data.get("factors")
    answers: dict[str, str] = {}
    if isinstance(nested, Mapping):
        answers = _from_mapping(nested)
    elif isinstance(nested, list):
        answers = _from_list(nested)
    # Top-level keys fill in whatever "factors" did not give (e.g. "overall" kept beside it).
    for factor_id, answer in _from_mapping(data).items():
        answers.setdefault(factor_id, answer)
    return answers


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
