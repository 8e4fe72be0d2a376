"""Guild B never sees guild A's rows through any history function, whatever the filter or cursor."""

from __future__ import annotations

import json

import pytest

from bot.history.export import export_disavow, export_json, export_reviews_csv, export_votes_csv
from bot.history.filters import HistoryFilter
from bot.history.paging import PageCursor
from bot.storage.history import (
    browse_reviews,
    count_reviews,
    domain_dossier,
    domain_memory,
    forget_filters,
    leaderboard,
    recall_filter,
    remember_filter,
    review_detail,
    reviewer_stats,
)

from .fixtures import T0, Rev, add_audit, add_check, add_review, verdict_json

A, B = 111, 222
MEMBER = 42


@pytest.fixture
async def a_ids(db):
    ids = []
    for i in range(12):
        check = await add_check(db, guild_id=A, domain="shared.com", risk="high", created_at=T0 + i)
        rid = await add_review(db, Rev(
            A, "shared.com", T0 + i, requester_id=MEMBER, check_id=check, community_risk="high",
            bot_risk_level="high", note="secret words", status="closed" if i % 3 else "open",
            verdict=verdict_json("high", overall="bad"), votes=[("overall", MEMBER, "bad"), ("relevance", 7, "bad")],
        ))
        await add_audit(db, guild_id=A, review_id=rid, action="opened", created_at=T0 + i)
        ids.append(rid)
    own = await add_review(db, Rev(B, "mine.com", T0, requester_id=5))
    return ids, own


FILTERS = [
    HistoryFilter(),
    HistoryFilter(domain="shared.com"),
    HistoryFilter(member_id=MEMBER),
    HistoryFilter(member_id=7),
    HistoryFilter(verdict="high"),
    HistoryFilter(risk="high"),
    HistoryFilter(status="open"),
    HistoryFilter(status="closed"),
    HistoryFilter(since=int(T0) - 10, until=int(T0) + 100),
    HistoryFilter(text="secret"),
]


@pytest.mark.parametrize("flt", FILTERS)
async def test_browse_and_count(db, a_ids, flt) -> None:
    a, own = a_ids
    page = await browse_reviews(db, B, flt)
    assert {r.id for r in page.rows} <= {own}
    assert await count_reviews(db, B, flt) == len(page.rows)
    # A cursor that points into guild A's timeline still yields nothing of A.
    for direction in ("older", "newer"):
        page = await browse_reviews(db, B, flt, PageCursor(T0 + 6, a[6], direction))
        assert not {r.id for r in page.rows} & set(a)


async def test_detail_domains_and_stats(db, a_ids) -> None:
    a, _ = a_ids
    for rid in a:
        assert await review_detail(db, B, rid, include_deleted=True) is None
    memory = await domain_memory(db, B, "shared.com")
    assert not memory.seen_before and memory.check_count == 0 and memory.last_verdict is None
    dossier = await domain_dossier(db, B, "shared.com")
    assert (dossier.check_count, dossier.review_count, dossier.compared) == (0, 0, 0)
    assert dossier.checks == () and dossier.reviews == () and dossier.latest_verdict is None
    stats = await reviewer_stats(db, B, MEMBER)
    assert (stats.reviews_requested, stats.votes_cast, stats.votes_scored) == (0, 0, 0)
    assert await leaderboard(db, B) == []
    # Sanity: guild A does see all of it.
    assert (await domain_memory(db, A, "shared.com")).check_count == 12
    assert (await reviewer_stats(db, A, MEMBER)).votes_cast == 12


@pytest.mark.parametrize("flt", FILTERS)
async def test_exports(db, a_ids, flt) -> None:
    a, own = a_ids
    everything = b""
    for exporter in (export_reviews_csv, export_votes_csv):
        everything += b"".join([c async for c in exporter(db, B, flt)])
    doc = json.loads(b"".join([c async for c in export_json(db, B, flt, now=T0)]))
    rows = json.dumps([doc["reviews"], doc["votes"]]).encode()  # "filter" echoes the request itself
    disavow = b"".join([c async for c in export_disavow(db, B, flt, now=T0)])
    for data in (everything, rows, disavow):
        assert b"shared.com" not in data and b"secret" not in data
    assert {r["id"] for r in doc["reviews"]} <= {own} and doc["votes"] == []


async def test_stored_filters_are_per_guild(db) -> None:
    flt = HistoryFilter(text="a very long search " * 4, domain="example.com")
    ref = await remember_filter(db, A, flt, now=T0)
    assert ref == flt.short_id()
    assert await recall_filter(db, A, ref) == flt
    assert await recall_filter(db, B, ref) is None
    assert await remember_filter(db, A, flt, now=T0 + 10) == ref  # saving again refreshes, no error
    assert await forget_filters(db, B, older_than=T0 + 100) == 0
    assert await recall_filter(db, A, ref) == flt
    assert await forget_filters(db, A, older_than=T0 + 5) == 0  # refreshed at T0 + 10
    assert await forget_filters(db, A, older_than=T0 + 100) == 1
    assert await recall_filter(db, A, ref) is None


async def test_page_state_round_trip_inline_and_stored(db) -> None:
    from bot.history.filters import FilterError
    from bot.storage.history import load_page_state, save_page_state

    cursor = PageCursor(T0 + 0.25, 77, "older")
    small = HistoryFilter(domain="example.com", verdict="high")
    text = await save_page_state(db, A, small, cursor, now=T0)
    assert "@" not in text and len(text) <= 80
    assert await load_page_state(db, A, text) == (small, cursor)
    row = await db.fetchone("SELECT COUNT(*) FROM history_filters")
    assert row[0] == 0  # nothing stored for a filter that fits inline

    big = HistoryFilter(domain="a-rather-long-domain-name.example.com", text="guest post about compost bins " * 2)
    text = await save_page_state(db, A, big, cursor, now=T0, budget=80)
    assert "@" in text and len(text) <= 40
    assert await load_page_state(db, A, text) == (big, cursor)
    # Another guild cannot resolve guild A's stored filter.
    with pytest.raises(FilterError, match="expired"):
        await load_page_state(db, B, text)
    with pytest.raises(FilterError):
        await load_page_state(db, A, "garbage")
