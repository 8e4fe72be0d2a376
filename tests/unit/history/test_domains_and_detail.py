from __future__ import annotations

from bot.storage.history import domain_dossier, domain_memory, review_detail

from .fixtures import DAY, T0, Rev, add_audit, add_check, add_review, verdict_json

G = 1001
OTHER = 2002


async def test_review_detail_has_analysis_votes_verdict_and_timeline(db) -> None:
    report = {"risk": {"level": "medium", "score": 55}, "factors": [{"id": "relevance", "verdict": "ok"}]}
    check_id = await add_check(db, guild_id=G, domain="alpha.com", report=report, score=55)
    review_id = await add_review(
        db,
        Rev(G, "alpha.com", T0, check_id=check_id, community_risk="high", thread_id=555,
            verdict=verdict_json("high", relevance="bad", overall="bad", placement="no_consensus"),
            votes=[("relevance", 20, "bad"), ("relevance", 21, "good"), ("relevance", 22, "bad"),
                   ("overall", 20, "bad"), ("placement", 23, "unsure")]),
    )
    await add_audit(db, guild_id=G, review_id=review_id, action="opened", created_at=T0, actor_id=100)
    await add_audit(db, guild_id=G, review_id=review_id, action="closed", created_at=T0 + DAY, detail="deadline")
    await add_audit(db, guild_id=G, review_id=review_id, action="reopened", created_at=T0 + 2 * DAY, actor_id=9)
    # The same review id asked for by another guild, and another guild's audit row on it: neither shows.
    await add_audit(db, guild_id=OTHER, review_id=review_id, action="forged", created_at=T0 + 3)

    detail = await review_detail(db, G, review_id)
    assert detail is not None
    assert detail.review.id == review_id and detail.review.thread_id == 555
    assert detail.check is not None and detail.check.id == check_id and detail.check.report == report
    assert detail.check.risk_score == 55
    assert [(v.factor, v.member_id, v.choice) for v in detail.votes] == [
        ("overall", 20, "bad"), ("placement", 23, "unsure"),
        ("relevance", 20, "bad"), ("relevance", 21, "good"), ("relevance", 22, "bad"),
    ]
    tallies = {t.factor: t for t in detail.tallies}
    assert [t.factor for t in detail.tallies] == ["relevance", "placement", "overall"]  # review order
    assert (tallies["relevance"].good, tallies["relevance"].unsure, tallies["relevance"].bad) == (1, 0, 2)
    assert tallies["relevance"].total == 3 and tallies["relevance"].answer == "bad"
    assert tallies["placement"].answer == "no_consensus"
    assert detail.verdict is not None and detail.verdict["community_risk"] == "high"
    assert detail.answers == {"relevance": "bad", "overall": "bad", "placement": "no_consensus"}
    assert [(e.action, e.actor_id, e.detail) for e in detail.timeline] == [
        ("opened", 100, None), ("closed", None, "deadline"), ("reopened", 9, None)
    ]
    assert await review_detail(db, OTHER, review_id) is None
    assert await review_detail(db, G, review_id + 100) is None


async def test_review_detail_of_open_review_and_deleted_review(db) -> None:
    open_id = await add_review(db, Rev(G, "x.com", T0, status="open", votes=[("overall", 1, "good")]))
    detail = await review_detail(db, G, open_id)
    assert detail is not None and detail.check is None and detail.verdict is None and detail.answers == {}
    assert [(t.factor, t.good, t.answer) for t in detail.tallies] == [("overall", 1, None)]

    deleted = await add_review(db, Rev(G, "x.com", T0 + 1, status="deleted"))
    assert await review_detail(db, G, deleted) is None
    shown = await review_detail(db, G, deleted, include_deleted=True)
    assert shown is not None and shown.review.status == "deleted"


async def test_unreadable_stored_json_does_not_break_the_detail(db) -> None:
    review_id = await add_review(db, Rev(G, "x.com", T0, community_risk="low", verdict="{not json"))
    detail = await review_detail(db, G, review_id)
    assert detail is not None and detail.verdict is None and detail.answers == {}


async def test_domain_memory(db) -> None:
    empty = await domain_memory(db, G, "alpha.com")
    assert not empty.seen_before and empty.check_count == 0 and empty.last_check_risk is None
    assert empty.last_verdict is None and empty.last_review_id is None

    await add_check(db, guild_id=G, domain="alpha.com", risk="low", created_at=T0)
    await add_check(db, guild_id=G, domain="alpha.com", risk="high", created_at=T0 + 3 * DAY)
    await add_check(db, guild_id=G, domain="alpha.com", risk="medium", created_at=T0 + 1 * DAY)
    await add_check(db, guild_id=G, domain="beta.com", risk="low", created_at=T0 + 9 * DAY)
    await add_check(db, guild_id=OTHER, domain="alpha.com", risk="low", created_at=T0 + 9 * DAY)
    # The verdict that counts is the most recently *closed* review, not the newest one created.
    older_closed_late = await add_review(
        db, Rev(G, "alpha.com", T0, community_risk="high", closed_at=T0 + 5 * DAY)
    )
    await add_review(db, Rev(G, "alpha.com", T0 + 1 * DAY, community_risk="low", closed_at=T0 + 2 * DAY))
    await add_review(db, Rev(G, "alpha.com", T0 + 6 * DAY, status="open"))
    await add_review(db, Rev(G, "alpha.com", T0 + 7 * DAY, status="deleted", community_risk="low",
                            closed_at=T0 + 8 * DAY))
    await add_review(db, Rev(OTHER, "alpha.com", T0 + 7 * DAY, community_risk="low", closed_at=T0 + 9 * DAY))

    memory = await domain_memory(db, G, "alpha.com")
    assert memory.seen_before
    assert (memory.check_count, memory.last_check_risk, memory.last_checked_at) == (3, "high", T0 + 3 * DAY)
    assert (memory.last_review_id, memory.last_verdict, memory.last_verdict_at) == (
        older_closed_late, "high", T0 + 5 * DAY
    )
    other = await domain_memory(db, OTHER, "alpha.com")
    assert (other.check_count, other.last_check_risk, other.last_verdict) == (1, "low", "low")


async def test_domain_dossier(db) -> None:
    for i, risk in enumerate(["low", "medium", "high"]):
        await add_check(db, guild_id=G, domain="alpha.com", risk=risk, created_at=T0 + i)
    await add_check(db, guild_id=OTHER, domain="alpha.com", risk="low", created_at=T0 + 50)
    agree = await add_review(db, Rev(G, "alpha.com", T0 + 10, bot_risk_level="high", community_risk="high"))
    disagree = await add_review(db, Rev(G, "alpha.com", T0 + 20, bot_risk_level="low", community_risk="high"))
    await add_review(db, Rev(G, "alpha.com", T0 + 30, bot_risk_level="low", community_risk="no_consensus"))
    await add_review(db, Rev(G, "alpha.com", T0 + 40, bot_risk_level=None, community_risk="low"))
    open_id = await add_review(db, Rev(G, "alpha.com", T0 + 50, status="open", bot_risk_level="low"))
    await add_review(db, Rev(G, "alpha.com", T0 + 60, status="deleted", bot_risk_level="low", community_risk="low"))
    await add_review(db, Rev(OTHER, "alpha.com", T0 + 70, bot_risk_level="low", community_risk="low"))

    dossier = await domain_dossier(db, G, "alpha.com")
    assert dossier.check_count == 3 and [c.risk_level for c in dossier.checks] == ["high", "medium", "low"]
    assert dossier.review_count == 5
    assert dossier.reviews[0].id == open_id and len(dossier.reviews) == 5
    assert dossier.latest_verdict is not None and dossier.latest_verdict.community_risk == "low"
    assert (dossier.compared, dossier.agreed, dossier.no_consensus) == (2, 1, 1)
    assert dossier.agreement_rate == 0.5
    assert [(c.review_id, c.agrees) for c in dossier.comparisons] == [(disagree, False), (agree, True)]

    short = await domain_dossier(db, G, "alpha.com", limit=2)
    assert len(short.checks) == 2 and len(short.reviews) == 2 and short.check_count == 3

    nothing = await domain_dossier(db, G, "nowhere.com")
    assert nothing.check_count == 0 and nothing.reviews == () and nothing.latest_verdict is None
    assert nothing.agreement_rate is None
