"""Fetching real pages from the local test site: results, content types, charsets, status."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace

import pytest

from bot.fetch import DNSFailure, FetchResult, HTTPFailure, NotHTML, RefusedURL, SafeFetcher
from bot.settings import DEFAULT_USER_AGENT

from .conftest import settings_for
from .hostile_site import TestSite


async def test_normal_page(site: TestSite, fetcher: SafeFetcher) -> None:
    url = site.url("/page#fragment")
    result = await fetcher.fetch_page(url)
    assert isinstance(result, FetchResult)
    assert result.url == site.url("/page")  # fragment dropped
    assert result.final_url == result.url
    assert result.status == 200
    assert result.redirects == ()
    assert result.content_type == "text/html"
    assert result.encoding == "utf-8"
    assert "<title>Test page</title>" in result.text
    assert result.body.startswith(b"<!doctype html>")
    assert result.headers["content-type"].startswith("text/html")  # case-insensitive
    assert result.elapsed >= 0


async def test_user_agent_names_the_bot_and_no_cookies_are_kept(site: TestSite, fetcher: SafeFetcher) -> None:
    result = await fetcher.fetch_page(site.url("/set-cookie"))  # sets a cookie, then redirects
    assert DEFAULT_USER_AGENT in result.text
    assert result.redirects == (site.url("/set-cookie"),)
    await fetcher.fetch_page(site.url("/ua"))
    assert site.cookies_seen == ["", ""]


async def test_environment_proxy_is_ignored(
    site: TestSite, fetcher: SafeFetcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A proxy would see (and could answer for) every request; the bot never uses one.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    result = await fetcher.fetch_page(site.url("/page"))
    assert result.status == 200


@pytest.mark.parametrize("code", [404, 410, 500, 503])
async def test_error_pages_are_returned_with_their_status(code: int, site: TestSite, fetcher: SafeFetcher) -> None:
    result = await fetcher.fetch_page(site.url(f"/status/{code}"))
    assert result.status == code
    assert f"Error {code}" in result.text


@pytest.mark.parametrize(("path", "shown"), [("/typed/pdf", "application/pdf"), ("/typed/png", "image/png")])
async def test_non_html_is_refused_before_reading(path: str, shown: str, site: TestSite, fetcher: SafeFetcher) -> None:
    with pytest.raises(NotHTML) as info:
        await fetcher.fetch_page(site.url(path))
    assert info.value.kind == "not_html" and info.value.exit_code == 1
    assert shown in info.value.user_message
    assert info.value.status == 200


@pytest.mark.parametrize("path", ["/typed/html-pdf", "/typed/html-gzip-twice"])
async def test_binary_labelled_html_is_not_html(path: str, site: TestSite, fetcher: SafeFetcher) -> None:
    with pytest.raises(NotHTML) as info:
        await fetcher.fetch_page(site.url(path))
    assert info.value.user_message == "The link does not point to an HTML page."


async def test_stray_nul_bytes_do_not_make_a_labelled_page_binary(site: TestSite, fetcher: SafeFetcher) -> None:
    assert "binary" in (await fetcher.fetch_page(site.url("/typed/html-nul"))).text


async def test_a_utf16_page_with_its_bom_is_html(site: TestSite, fetcher: SafeFetcher) -> None:
    result = await fetcher.fetch_page(site.url("/typed/utf16-bom"))
    assert "ok" in result.text and result.encoding == "utf-16-le"


async def test_non_html_error_page_keeps_its_status(site: TestSite, fetcher: SafeFetcher) -> None:
    with pytest.raises(NotHTML) as info:
        await fetcher.fetch_page(site.url("/typed/404-text"))
    assert info.value.status == 404


async def test_xhtml_is_html(site: TestSite, fetcher: SafeFetcher) -> None:
    result = await fetcher.fetch_page(site.url("/typed/xhtml"))
    assert result.content_type == "application/xhtml+xml"


async def test_missing_content_type_is_sniffed(site: TestSite, fetcher: SafeFetcher) -> None:
    result = await fetcher.fetch_page(site.raw_url("/untyped-html"))
    assert result.content_type == "text/html"
    assert "hi" in result.text
    with pytest.raises(NotHTML):
        await fetcher.fetch_page(site.raw_url("/untyped-png"))


@pytest.mark.parametrize(
    ("case", "encoding", "needle"),
    [
        ("lying", "cp1252", "café"),  # says utf-8, is cp1252
        ("bogus", "utf-8", "café"),  # unknown charset label
        ("not-a-text-codec", "utf-8", "café"),  # charset=base64
        ("bom", "utf-8", "café"),  # BOM beats the header's latin-1
        ("utf16-bom", "utf-16-le", "café"),
        ("meta", "cp1251", "Привет"),
        ("http-equiv", "koi8-r", "Привет"),
        ("latin1", "cp1252", "café"),
    ],
)
async def test_charsets(case: str, encoding: str, needle: str, site: TestSite, fetcher: SafeFetcher) -> None:
    result = await fetcher.fetch_page(site.url(f"/charset/{case}"))
    assert result.encoding == encoding
    assert needle in result.text


async def test_undecodable_bytes_never_crash(site: TestSite, fetcher: SafeFetcher) -> None:
    result = await fetcher.fetch_page(site.url("/charset/garbage"))
    assert result.encoding == "cp1252"
    assert len(result.text) == len(result.body)


async def test_unknown_name_is_a_dns_failure(site: TestSite, fetcher: SafeFetcher) -> None:
    with pytest.raises(DNSFailure) as info:
        await fetcher.fetch_page(f"http://nowhere.test:{site.port}/")
    assert info.value.kind == "dns" and info.value.exit_code == 1
    assert "nowhere" not in info.value.user_message


async def test_closed_port_is_a_connection_failure(site: TestSite, fetcher: SafeFetcher) -> None:
    with pytest.raises(HTTPFailure) as info:
        await fetcher.fetch_page(f"http://closed.test:{site.closed_port}/")
    assert info.value.exit_code == 1
    assert str(site.closed_port) not in info.value.user_message


async def test_dns_rebinding_is_caught_on_the_next_connection(site: TestSite, fetcher: SafeFetcher) -> None:
    # First answer 127.0.0.1 (the stand-in public server), later answers 127.0.0.2.
    first = await fetcher.fetch_page(f"http://rebind.test:{site.port}/close")
    assert first.status == 200
    with pytest.raises(RefusedURL):
        await fetcher.fetch_page(f"http://rebind.test:{site.port}/close")


async def test_narrow_opt_in_needs_its_port_listed(site: TestSite, make_fetcher: Callable[..., SafeFetcher]) -> None:
    settings = replace(settings_for(site), allowed_ports=(80, 443))
    async with make_fetcher(settings) as fetcher:
        with pytest.raises(RefusedURL):
            await fetcher.fetch_page(site.url("/page"))


async def test_private_networks_opt_in(site: TestSite, make_fetcher: Callable[..., SafeFetcher]) -> None:
    settings = replace(settings_for(site), allow_private_networks=True)
    async with make_fetcher(settings, resolver=None, allow_address=None) as fetcher:
        result = await fetcher.fetch_page(f"http://127.0.0.1:{site.port}/page")
        assert result.status == 200
        # Local names are left to the address check under this opt-in (real DNS: /etc/hosts).
        by_name = await fetcher.fetch_page(f"http://localhost:{site.port}/page")
        assert by_name.final_url == f"http://localhost:{site.port}/page"
        with pytest.raises(RefusedURL):  # metadata stays refused whatever the opt-in
            await fetcher.fetch_page(f"http://169.254.169.254:{site.port}/")


async def test_without_opt_in_the_test_server_is_refused(site: TestSite, make_fetcher: Callable[..., SafeFetcher]) -> None:
    async with make_fetcher(allow_address=None) as fetcher:
        with pytest.raises(RefusedURL):
            await fetcher.fetch_page(site.url("/page"))
    assert site.hits["page"] == 0


async def test_per_host_concurrency_is_bounded(site: TestSite, make_fetcher: Callable[..., SafeFetcher]) -> None:
    settings = replace(settings_for(site), per_host_concurrency=2, read_timeout=10.0, total_timeout=15.0)
    async with make_fetcher(settings) as fetcher:
        tasks = [asyncio.create_task(fetcher.fetch_page(site.url("/held"))) for _ in range(5)]
        for _ in range(200):
            if site.active == 2:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)  # give a third request every chance to sneak in
        assert site.active == 2
        site.gate.set()
        results = await asyncio.gather(*tasks)
    assert [r.status for r in results] == [200] * 5
    assert site.max_active == 2


async def test_one_session_for_the_fetcher_lifetime(site: TestSite, fetcher: SafeFetcher) -> None:
    session = fetcher._get_session()
    await fetcher.fetch_page(site.url("/page"))
    await fetcher.robots(site.url("/page", host="allow.test"))
    assert fetcher._get_session() is session
    await fetcher.close()
    assert session.closed
    with pytest.raises(RuntimeError):
        await fetcher.fetch_page(site.url("/page"))
