from __future__ import annotations

import pytest

from bot.history.filters import HistoryFilter, parse_when
from bot.history.paging import PageCursor
from bot.storage.history import browse_reviews, count_reviews, escape_like

from .fixtures import DAY, T0, Rev, add_review

G = 1001
OTHER = 2002


async def _ids(db, flt: HistoryFilter, guild_id: int = G) -> list[int]:
    """Every matching id by walking all pages forward."""
    out: list[int] = []
    cursor = None
    while True:
        page = await browse_reviews(db, guild_id, flt, cursor, page_size=3)
        out += [row.id for row in page.rows]
        cursor = page.older_cursor()
        if cursor is None:
            return out


@pytest.fixture
async def sample(db):
    """A small guild history; returns name -> review id."""
    ids = {}
    ids["a_low"] = await add_review(
        db,
        Rev(G, "alpha.com", T0 + 1 * DAY, requester_id=10, community_risk="low", bot_risk_level="low",
            note="Nice guest post", votes=[("overall", 20, "good"), ("relevance", 21, "good")]),
    )
    ids["b_high"] = await add_review(
        db,
        Rev(G, "beta.com", T0 + 2 * DAY, requester_id=11, community_risk="high", bot_risk_level="medium",
            url="https://beta.com/100%_free", votes=[("overall", 20, "bad")]),
    )
    ids["a_open"] = await add_review(
        db, Rev(G, "alpha.com", T0 + 3 * DAY, requester_id=12, status="open", bot_risk_level="high", note="pending")
    )
    ids["c_none"] = await add_review(
        db,
        Rev(G, "gamma.org", T0 + 4 * DAY, requester_id=10, community_risk="no_consensus", bot_risk_level=None,
            url="https://gamma.org/a_b"),
    )
    ids["deleted"] = await add_review(
        db, Rev(G, "alpha.com", T0 + 5 * DAY, requester_id=10, status="deleted", community_risk="low")
    )
    ids["opening"] = await add_review(db, Rev(G, "delta.net", T0 + 6 * DAY, requester_id=13, status="opening"))
    # Another guild with look-alike rows: must never leak into G's results.
    await add_review(db, Rev(OTHER, "alpha.com", T0 + 1.5 * DAY, requester_id=10, community_risk="low",
                             note="Nice guest post", votes=[("overall", 20, "good")]))
    return ids


async def test_newest_first_and_deleted_hidden(db, sample) -> None:
    page = await browse_reviews(db, G)
    assert [r.id for r in page.rows] == [
        sample["opening"], sample["c_none"], sample["a_open"], sample["b_high"], sample["a_low"]
    ]
    assert sample["deleted"] not in [r.id for r in page.rows]
    assert not page.has_older and not page.has_newer
    row = page.rows[-1]
    assert (row.domain, row.requester_id, row.status, row.community_risk, row.bot_risk_level) == (
        "alpha.com", 10, "closed", "low", "low"
    )
    assert await count_reviews(db, G) == 5


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (HistoryFilter(domain="alpha.com"), ["a_open", "a_low"]),
        (HistoryFilter(domain="https://www.ALPHA.com/x"), ["a_open", "a_low"]),
        (HistoryFilter(member_id=10), ["c_none", "a_low"]),  # requester only
        (HistoryFilter(member_id=20), ["b_high", "a_low"]),  # voter only
        (HistoryFilter(member_id=21), ["a_low"]),
        (HistoryFilter(member_id=999), []),
        (HistoryFilter(verdict="high"), ["b_high"]),
        (HistoryFilter(verdict="no_consensus"), ["c_none"]),
        (HistoryFilter(risk="high"), ["a_open"]),
        (HistoryFilter(risk="low"), ["a_low"]),
        (HistoryFilter(status="open"), ["opening", "a_open"]),
        (HistoryFilter(status="closed"), ["c_none", "b_high", "a_low"]),
        (HistoryFilter(since=int(T0 + 2 * DAY)), ["opening", "c_none", "a_open", "b_high"]),
        (HistoryFilter(until=int(T0 + 2 * DAY)), ["a_low"]),
        (HistoryFilter(since=int(T0 + 2 * DAY), until=int(T0 + 4 * DAY)), ["a_open", "b_high"]),
        (HistoryFilter(text="guest"), ["a_low"]),  # note, case-insensitive
        (HistoryFilter(text="GAMMA"), ["c_none"]),  # url
        (HistoryFilter(text="alpha pending"), ["a_open"]),  # every word must match
        (HistoryFilter(domain="alpha.com", status="closed", member_id=21, verdict="low"), ["a_low"]),
    ],
)
async def test_each_filter(db, sample, flt: HistoryFilter, expected: list[str]) -> None:
    assert await _ids(db, flt) == [sample[name] for name in expected]
    assert await count_reviews(db, G, flt) == len(expected)


async def test_like_wildcards_in_search_words_match_literally(db, sample) -> None:
    # "%" and "_" are LIKE wildcards; a member typing them means the characters themselves.
    assert await _ids(db, HistoryFilter(text="100%_")) == [sample["b_high"]]
    assert await _ids(db, HistoryFilter(text="a_b")) == [sample["c_none"]]
    assert await _ids(db, HistoryFilter(text="%")) == [sample["b_high"]]
    assert await _ids(db, HistoryFilter(text="_")) == [sample["c_none"], sample["b_high"]]
    assert escape_like("50%_\\") == "50\\%\\_\\\\"


async def _many(db, n: int, *, same_time_every: int = 1) -> list[int]:
    ids = []
    for i in range(n):
        # Several reviews share a timestamp, so the id tie-break is exercised.
        created = T0 + (i // same_time_every) * 60
        ids.append(await add_review(db, Rev(G, f"site{i % 4}.com", created, status="closed", community_risk="low")))
    return ids


async def test_keyset_pages_cover_everything_once_forward_and_back(db) -> None:
    ids = await _many(db, 47, same_time_every=3)
    newest_first = sorted(ids, reverse=True)  # equal times: higher id first, like the query
    seen: list[int] = []
    pages = []
    cursor = None
    while True:
        page = await browse_reviews(db, G, None, cursor)
        pages.append(page)
        seen += [r.id for r in page.rows]
        cursor = page.older_cursor()
        if cursor is None:
            break
    assert seen == newest_first
    assert [len(p.rows) for p in pages] == [10, 10, 10, 10, 7]
    assert pages[0].has_newer is False and pages[-1].has_older is False
    assert all(p.has_newer for p in pages[1:]) and all(p.has_older for p in pages[:-1])

    # Walk back from the last page with "newer" cursors: the same pages, in reverse.
    back = [pages[-1]]
    while (cursor := back[-1].newer_cursor()) is not None:
        back.append(await browse_reviews(db, G, None, cursor))
    assert [[r.id for r in p.rows] for p in reversed(back)] == [[r.id for r in p.rows] for p in pages]


async def test_pages_are_stable_when_reviews_arrive_and_vanish(db) -> None:
    ids = await _many(db, 25)
    first = await browse_reviews(db, G)
    cursor = first.older_cursor()
    # New reviews arrive and one already-seen review is deleted while the member reads page 1.
    new = [await add_review(db, Rev(G, "new.com", T0 + 10 * DAY + i)) for i in range(5)]
    await db.execute("UPDATE reviews SET status = 'deleted' WHERE id = ?", (first.rows[0].id,))
    second = await browse_reviews(db, G, None, cursor)
    expected = sorted(ids, reverse=True)
    assert [r.id for r in second.rows] == expected[10:20]
    assert second.has_newer and second.has_older
    # Going back shows the 10 rows just newer than page 2: page 1 less the deleted row, then the
    # oldest newcomer; the other newcomers are still further back.
    back = await browse_reviews(db, G, None, second.newer_cursor())
    assert [r.id for r in back.rows] == [new[0], *expected[1:10]]
    assert back.has_newer and back.has_older


async def test_newer_page_near_the_top_is_filled_and_reports_more(db) -> None:
    ids = sorted(await _many(db, 15), reverse=True)
    # A "newer" cursor at the 3rd newest row: only 2 rows are newer, no more beyond them.
    target = await browse_reviews(db, G, None, page_size=3)
    cursor = PageCursor(target.rows[2].created_at, target.rows[2].id, "newer")
    page = await browse_reviews(db, G, None, cursor)
    assert [r.id for r in page.rows] == ids[:2]
    assert page.has_newer is False and page.has_older is True


async def test_cursor_past_the_end_gives_an_empty_page(db) -> None:
    ids = sorted(await _many(db, 3), reverse=True)
    page = await browse_reviews(db, G, None, PageCursor(0.0, 0, "older"))
    assert page.rows == () and not page.has_older and page.has_newer
    # An empty page still leads back to the rows before it.
    assert page.older_cursor() is None
    back = await browse_reviews(db, G, None, page.newer_cursor())
    assert [r.id for r in back.rows] == ids


async def test_date_filter_from_iso_dates(db) -> None:
    a = await add_review(db, Rev(G, "x.com", parse_when("2025-05-31T23:59:59")))
    b = await add_review(db, Rev(G, "x.com", parse_when("2025-06-01T00:00:00")))
    c = await add_review(db, Rev(G, "x.com", parse_when("2025-06-30T23:59:59")))
    await add_review(db, Rev(G, "x.com", parse_when("2025-07-01T00:00:00")))
    flt = HistoryFilter(since=parse_when("2025-06-01"), until=parse_when("2025-06-30", end=True))
    assert await _ids(db, flt) == [c, b]
    assert a not in await _ids(db, flt)


async def test_page_size_must_be_positive(db) -> None:
    with pytest.raises(ValueError):
        await browse_reviews(db, G, page_size=0)
