"""Redirects followed by hand, and the time, size and header limits a hostile server meets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from bot.fetch import FetchTimeout, HTTPFailure, RedirectLoop, SafeFetcher, TooLarge, TooManyRedirects

from .conftest import settings_for
from .hostile_site import TestSite


async def test_five_redirects_are_followed(site: TestSite, fetcher: SafeFetcher) -> None:
    result = await fetcher.fetch_page(site.url("/chain/5"))
    assert result.status == 200
    assert result.final_url == site.url("/chain/0")
    assert result.redirects == tuple(site.url(f"/chain/{n}") for n in range(5, 0, -1))


async def test_six_redirects_are_too_many(site: TestSite, fetcher: SafeFetcher) -> None:
    with pytest.raises(TooManyRedirects) as info:
        await fetcher.fetch_page(site.url("/chain/6"))
    assert info.value.kind == "too_many_redirects" and info.value.exit_code == 1
    assert site.hits["page"] == 0


async def test_redirect_limit_comes_from_settings(site: TestSite, make_fetcher: Callable[..., SafeFetcher]) -> None:
    async with make_fetcher(replace(settings_for(site), max_redirects=1)) as fetcher:
        assert (await fetcher.fetch_page(site.url("/chain/1"))).status == 200
        with pytest.raises(TooManyRedirects):
            await fetcher.fetch_page(site.url("/chain/2"))


async def test_redirect_loop_is_detected(site: TestSite, fetcher: SafeFetcher) -> None:
    with pytest.raises(RedirectLoop) as info:
        await fetcher.fetch_page(site.url("/loop/a"))
    assert info.value.kind == "redirect_loop"
    assert isinstance(info.value, TooManyRedirects)


async def test_relative_and_cross_host_redirects(site: TestSite, fetcher: SafeFetcher) -> None:
    relative = await fetcher.fetch_page(site.url("/redirect/relative"))
    assert relative.final_url == site.url("/page")
    cross = await fetcher.fetch_page(site.url("/redirect/public-name"))
    assert cross.final_url == site.url("/page", host="other.test")  # fragment dropped


async def test_gzip_bomb_stops_at_the_cap(site: TestSite, fetcher: SafeFetcher) -> None:
    with pytest.raises(TooLarge) as info:
        await fetcher.fetch_page(site.url("/gzip-bomb"))
    assert info.value.kind == "too_large" and "2 MiB" in info.value.user_message
    assert site.hits["bomb"] == 1


async def test_endless_body_stops_at_the_cap(site: TestSite, fetcher: SafeFetcher) -> None:
    with pytest.raises(TooLarge):
        await fetcher.fetch_page(site.url("/endless"))
    # The fetcher is still usable afterwards: the endless connection was dropped, not pooled.
    assert (await fetcher.fetch_page(site.url("/page"))).status == 200


async def test_declared_oversize_is_refused(site: TestSite, fetcher: SafeFetcher) -> None:
    with pytest.raises(TooLarge):
        await fetcher.fetch_page(site.url("/declared-big"))


async def test_size_cap_boundary(site: TestSite, fetcher: SafeFetcher) -> None:
    cap = 2 * 1024 * 1024
    assert len((await fetcher.fetch_page(site.url(f"/exact/{cap}"))).body) == cap
    with pytest.raises(TooLarge):
        await fetcher.fetch_page(site.url(f"/exact/{cap + 1}"))


async def test_slow_drip_hits_the_read_timeout(site: TestSite, make_fetcher: Callable[..., SafeFetcher]) -> None:
    async with make_fetcher(replace(settings_for(site), read_timeout=0.2)) as fetcher:
        with pytest.raises(FetchTimeout) as info:
            await fetcher.fetch_page(site.url("/slow-drip"))
    assert info.value.kind == "timeout" and info.value.exit_code == 1


async def test_steady_drip_hits_the_total_timeout(site: TestSite, make_fetcher: Callable[..., SafeFetcher]) -> None:
    # Each byte arrives well inside the read timeout; only the overall deadline stops it.
    async with make_fetcher(replace(settings_for(site), read_timeout=0.5, total_timeout=0.6)) as fetcher:
        with pytest.raises(FetchTimeout):
            await fetcher.fetch_page(site.url("/steady-drip"))


@pytest.mark.parametrize("path", ["/big-header"])
async def test_oversized_header_field(path: str, site: TestSite, fetcher: SafeFetcher) -> None:
    with pytest.raises(HTTPFailure) as info:
        await fetcher.fetch_page(site.url(path))
    assert "a" * 50 not in info.value.user_message


@pytest.mark.parametrize("path", ["/long-status-line", "/too-many-headers", "/garbage"])
async def test_malformed_heads(path: str, site: TestSite, fetcher: SafeFetcher) -> None:
    with pytest.raises(HTTPFailure) as info:
        await fetcher.fetch_page(site.raw_url(path))
    assert info.value.kind == "http_failure"
    assert "SSH" not in info.value.user_message and "OOOO" not in info.value.user_message
