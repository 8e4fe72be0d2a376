from __future__ import annotations

import json

import pytest

from bot.history.verdicts import factor_answers, vote_agrees
from bot.storage.history import leaderboard, reviewer_stats

from .fixtures import T0, Rev, add_review, verdict_json

G = 1001
OTHER = 2002


def test_factor_answers_reads_the_stored_verdict() -> None:
    stored = verdict_json("high", relevance="good", overall="bad", placement="no_consensus")
    assert factor_answers(stored) == {"relevance": "good", "overall": "bad", "placement": "no_consensus"}


@pytest.mark.parametrize(
    "text",
    [
        None, "", "not json", "[1, 2]",
        # Shapes the bot never stored are not guessed at: one reader, Verdict.from_json.
        json.dumps({"factors": {"relevance": {"answer": "good"}}}),
        json.dumps({"relevance": "good", "overall": "bad"}),
    ],
)
def test_factor_answers_has_none_for_anything_but_a_stored_verdict(text) -> None:
    assert factor_answers(text) == {}


def test_factor_answers_drops_unknown_factors_and_answers() -> None:
    stored = verdict_json("low", relevance="maybe", unknown="good", overall="good")
    assert factor_answers(stored) == {"overall": "good"}


def test_vote_agrees() -> None:
    assert vote_agrees("good", "good") is True
    assert vote_agrees("bad", "good") is False
    assert vote_agrees("good", "no_consensus") is None
    assert vote_agrees("good", None) is None


@pytest.fixture
async def votes(db):
    v1 = verdict_json("high", relevance="bad", overall="bad", placement="no_consensus")
    await add_review(db, Rev(G, "a.com", T0, requester_id=10, community_risk="high", verdict=v1, votes=[
        ("relevance", 20, "bad"), ("overall", 20, "bad"), ("placement", 20, "good"),  # 2 agree, 1 unscored
        ("relevance", 21, "good"), ("overall", 21, "bad"),  # 1 of 2
        ("overall", 22, "bad"),
    ]))
    v2 = verdict_json("low", overall="good", anchor_text="good")
    await add_review(db, Rev(G, "b.com", T0 + 1, requester_id=20, community_risk="low", verdict=v2, votes=[
        ("overall", 20, "unsure"), ("anchor_text", 20, "good"),  # 1 of 2
        ("overall", 21, "good"),  # 1 of 1
    ]))
    # Open: counted as votes cast, not scored.
    await add_review(db, Rev(G, "c.com", T0 + 2, requester_id=10, status="open", votes=[
        ("overall", 20, "good"), ("overall", 22, "good"),
    ]))
    # Deleted: neither requested nor voted.
    await add_review(db, Rev(G, "d.com", T0 + 3, requester_id=10, status="deleted", community_risk="low",
                            verdict=verdict_json("low", overall="good"), votes=[("overall", 20, "good")] ))
    # Another guild: the same members, invisible here.
    await add_review(db, Rev(OTHER, "a.com", T0, requester_id=20, community_risk="low",
                            verdict=verdict_json("low", overall="good"),
                            votes=[("overall", 20, "good"), ("overall", 23, "good")]))


async def test_reviewer_stats(db, votes) -> None:
    s20 = await reviewer_stats(db, G, 20)
    assert (s20.reviews_requested, s20.votes_cast, s20.reviews_voted) == (1, 6, 3)
    assert (s20.votes_scored, s20.votes_agreed) == (4, 3)
    assert s20.agreement_rate == 0.75
    s10 = await reviewer_stats(db, G, 10)
    assert (s10.reviews_requested, s10.votes_cast, s10.agreement_rate) == (2, 0, None)
    s21 = await reviewer_stats(db, G, 21)
    assert (s21.votes_cast, s21.votes_scored, s21.votes_agreed) == (3, 3, 2)
    nobody = await reviewer_stats(db, G, 999)
    assert (nobody.reviews_requested, nobody.votes_cast, nobody.agreement_rate) == (0, 0, None)
    other = await reviewer_stats(db, OTHER, 20)
    assert (other.reviews_requested, other.votes_cast, other.votes_agreed) == (1, 1, 1)


async def test_leaderboard(db, votes) -> None:
    board = await leaderboard(db, G, top=10)
    assert [(s.member_id, s.votes_cast) for s in board] == [(20, 6), (21, 3), (22, 2)]
    assert [s.votes_agreed for s in board] == [3, 2, 1]
    assert board[2].agreement_rate == 1.0
    assert [s.member_id for s in await leaderboard(db, G, top=1)] == [20]
    assert [s.member_id for s in await leaderboard(db, OTHER)] == [20, 23]
    assert await leaderboard(db, 3003) == []
