from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.history.filters import FilterError, HistoryFilter, normalise_domain, parse_when
from bot.history.paging import PageCursor, PageState, pack_page_state


def test_small_filters_make_short_tokens() -> None:
    assert HistoryFilter().to_token() == "1"
    flt = HistoryFilter(domain="example.com", verdict="high")
    assert flt.to_token() == "1|dexample.com|vh"
    big = HistoryFilter(
        domain="guest-posts.example.co.uk",
        member_id=1234567890123456789,
        verdict="no_consensus",
        risk="low",
        status="closed",
        since=parse_when("2025-01-01"),
        until=parse_when("2025-12-31", end=True),
    )
    assert len(big.to_token()) <= 80
    assert HistoryFilter.from_token(big.to_token()) == big


def test_token_round_trip_with_separators_in_text() -> None:
    flt = HistoryFilter(text="a|b 100% /blog/", member_id=5)
    assert HistoryFilter.from_token(flt.to_token()) == flt
    assert flt.words == ("a|b", "100%", "/blog/")


@given(
    domain=st.none() | st.from_regex(r"[a-z0-9-]{1,20}\.[a-z]{2,6}", fullmatch=True),
    member=st.none() | st.integers(1, 2**63 - 1),
    verdict=st.none() | st.sampled_from(["low", "medium", "high", "no_consensus"]),
    risk=st.none() | st.sampled_from(["low", "medium", "high"]),
    status=st.none() | st.sampled_from(["open", "closed"]),
    since=st.none() | st.integers(0, 2_000_000_000),
    text=st.none() | st.text(min_size=1, max_size=40).filter(lambda s: s.strip()),
)
def test_any_filter_survives_its_token(domain, member, verdict, risk, status, since, text) -> None:
    flt = HistoryFilter(domain, member, verdict, risk, status, since, None, text)
    assert HistoryFilter.from_token(flt.to_token()) == flt
    # The short id is a pure function of the filter: the same filter always lands on the same key.
    assert HistoryFilter.from_token(flt.to_token()).short_id() == flt.short_id()
    assert len(flt.short_id()) == 10 and flt.short_id().isalnum()


@pytest.mark.parametrize("token", ["", "2|dx.com", "1|x", "1|vq", "1|m-5", "1|dx.com|dy.com", "1|f!!"])
def test_bad_tokens_are_refused_plainly(token: str) -> None:
    with pytest.raises(FilterError):
        HistoryFilter.from_token(token)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"verdict": "awful"}, "verdict"),
        ({"risk": "extreme"}, "risk"),
        ({"status": "deleted"}, "status"),
        ({"member_id": 0}, "member"),
        ({"since": 100, "until": 50}, "after"),
        ({"text": "x" * 101}, "100"),
        ({"domain": "   "}, "domain"),
    ],
)
def test_bad_filter_values_name_the_problem(kwargs, message) -> None:
    with pytest.raises(FilterError, match=message):
        HistoryFilter(**kwargs)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Example.COM", "example.com"),
        ("https://www.example.com/blog/post?x=1", "example.com"),
        ("www.example.com/path", "example.com"),
        ("example.com:8080", "example.com"),
        # Reviews and checks store the registrable domain in punycode.
        ("shop.example.co.uk.", "example.co.uk"),
        ("https://blog.gardening.co.uk/post/1", "gardening.co.uk"),
        ("bücher.de", "xn--bcher-kva.de"),
        ("https://www.Bücher.de/artikel", "xn--bcher-kva.de"),
        ("xn--bcher-kva.de", "xn--bcher-kva.de"),
    ],
)
def test_domains_are_normalised_like_stored_ones(raw: str, expected: str) -> None:
    assert normalise_domain(raw) == expected
    assert HistoryFilter(domain=raw).domain == expected


def test_dates_parse_as_utc_and_until_covers_the_whole_day() -> None:
    assert parse_when("2025-06-01") == 1748736000
    assert parse_when("2025-06-01", end=True) == 1748736000 + 86400
    assert parse_when("2025-06-01T12:00") == 1748736000 + 12 * 3600
    assert parse_when("2025-06-01T12:00:00+02:00") == 1748736000 + 10 * 3600
    with pytest.raises(FilterError, match="ISO date"):
        parse_when("yesterday")
    with pytest.raises(FilterError):
        parse_when("2025-02-30")


def test_cursor_token_keeps_the_exact_float() -> None:
    cursor = PageCursor(1750000000.123456789, 987654321, "newer")
    back = PageCursor.from_token(cursor.to_token())
    assert back == cursor
    assert back.created_at == cursor.created_at  # bit-exact, not rounded
    assert len(cursor.to_token()) <= 20
    with pytest.raises(FilterError):
        PageCursor.from_token("x")
    with pytest.raises(FilterError):
        PageCursor.from_token("oAAAA")


def test_page_state_inline_and_by_reference() -> None:
    flt = HistoryFilter(domain="example.com", status="open")
    cursor = PageCursor(1750000000.5, 42, "older")
    text = pack_page_state(flt, cursor)
    assert text is not None and len(text) <= 80
    state = PageState.from_text(text)
    assert state == PageState(cursor, flt)

    first_page = PageState.from_text(pack_page_state(flt, None) or "")
    assert first_page.cursor is None and first_page.filter == flt

    long = HistoryFilter(text="guest post sponsored article about gardening compost bins " * 1, member_id=2**62)
    long = HistoryFilter(domain="a-very-long-subdomain-name.example-domain.com", text=long.text, member_id=2**62)
    assert pack_page_state(long, cursor) is None
    by_ref = PageState(cursor, filter_ref=long.short_id()).to_text()
    assert len(by_ref) <= 40
    assert PageState.from_text(by_ref) == PageState(cursor, None, long.short_id())


def test_page_state_text_with_slash_in_search_words() -> None:
    flt = HistoryFilter(text="/blog/")
    state = PageState.from_text(PageState(None, flt).to_text())
    assert state.filter == flt
