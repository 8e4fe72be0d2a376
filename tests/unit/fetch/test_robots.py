"""robots.txt with Google's semantics, fetched through the same guards and cached per host."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace

import pytest

from bot.fetch import RefusedURL, RobotsResult, SafeFetcher

from .conftest import settings_for
from .hostile_site import TestSite


async def test_allow(site: TestSite, fetcher: SafeFetcher) -> None:
    result = await fetcher.robots(site.url("/anything", host="allow.test"))
    assert isinstance(result, RobotsResult)
    assert result.allowed is True
    assert result.status == 200
    assert result.robots_url == site.url("/robots.txt", host="allow.test")


async def test_googlebot_group_then_star_fallback(site: TestSite, fetcher: SafeFetcher) -> None:
    assert (await fetcher.robots(site.url("/private/x", host="disallow.test"))).allowed is False
    assert (await fetcher.robots(site.url("/public", host="disallow.test"))).allowed is True
    # Another agent falls into the "*" group, which disallows everything.
    other = await fetcher.robots(site.url("/public", host="disallow.test"), user_agent="OtherBot")
    assert other.allowed is False
    # No Googlebot group at all: "*" applies to Googlebot.
    assert (await fetcher.robots(site.url("/secret/a", host="star.test"))).allowed is False
    assert (await fetcher.robots(site.url("/open", host="star.test"))).allowed is True


@pytest.mark.parametrize(("host", "status"), [("missing.test", 404), ("gone.test", 410)])
async def test_client_errors_allow_everything(host: str, status: int, site: TestSite, fetcher: SafeFetcher) -> None:
    result = await fetcher.robots(site.url("/x", host=host))
    assert result.allowed is True and result.status == status


@pytest.mark.parametrize(("host", "status"), [("broken.test", 500), ("busy.test", 429)])
async def test_server_errors_are_unknown(host: str, status: int, site: TestSite, fetcher: SafeFetcher) -> None:
    result = await fetcher.robots(site.url("/x", host=host))
    assert result.allowed is None and result.status == status
    assert str(status) in result.reason


async def test_unreachable_and_slow_are_unknown(site: TestSite, fetcher: SafeFetcher) -> None:
    closed = await fetcher.robots(f"http://closed.test:{site.closed_port}/x")
    assert closed.allowed is None and closed.status is None and "http_failure" in closed.reason
    slow = await fetcher.robots(site.url("/x", host="slow.test"))
    assert slow.allowed is None and "timeout" in slow.reason


async def test_redirects_are_followed_and_guarded(site: TestSite, fetcher: SafeFetcher) -> None:
    moved = await fetcher.robots(site.url("/moved-secret/1", host="moved.test"))
    assert moved.allowed is False
    loop = await fetcher.robots(site.url("/x", host="loopy.test"))
    assert loop.allowed is True and "redirect" in loop.reason  # Google: treated as missing
    evil = await fetcher.robots(site.url("/x", host="evil.test"))  # redirect to 127.0.0.2
    assert evil.allowed is None and "refused" in evil.reason


async def test_rules_past_500_kib_are_ignored(site: TestSite, fetcher: SafeFetcher) -> None:
    result = await fetcher.robots(site.url("/x", host="huge.test"))
    assert result.allowed is True


async def test_refused_page_url_raises(fetcher: SafeFetcher) -> None:
    with pytest.raises(RefusedURL):
        await fetcher.robots("http://127.0.0.2/")


async def test_refused_host_at_connect_is_unknown(site: TestSite, fetcher: SafeFetcher) -> None:
    result = await fetcher.robots(site.url("/x", host="private.test"))
    assert result.allowed is None


async def test_cached_per_host_with_ttl(site: TestSite, make_fetcher: Callable[..., SafeFetcher]) -> None:
    now = [1000.0]
    settings = replace(settings_for(site), robots_cache_seconds=60)
    async with make_fetcher(settings, clock=lambda: now[0]) as fetcher:
        for path in ("/a", "/b", "/private/c"):
            await fetcher.robots(site.url(path, host="disallow.test"))
        assert site.hits["robots:disallow.test"] == 1
        now[0] += 59
        await fetcher.robots(site.url("/a", host="disallow.test"))
        assert site.hits["robots:disallow.test"] == 1
        now[0] += 2
        await fetcher.robots(site.url("/a", host="disallow.test"))
        assert site.hits["robots:disallow.test"] == 2
        # Another host has its own entry.
        await fetcher.robots(site.url("/a", host="allow.test"))
        assert site.hits["robots:allow.test"] == 1


async def test_concurrent_lookups_share_one_download(site: TestSite, fetcher: SafeFetcher) -> None:
    results = await asyncio.gather(*(fetcher.robots(site.url(f"/p{i}", host="star.test")) for i in range(10)))
    assert all(r.allowed is True for r in results)
    assert site.hits["robots:star.test"] == 1
