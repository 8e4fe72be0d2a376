"""The connect-time guard on its own: resolver wrapper, socket factory, failure recognition."""

from __future__ import annotations

import ipaddress
import socket

import aiohttp
import pytest
from aiohttp import web

from bot.fetch import RefusedURL, SafeFetcher
from bot.fetch.addresses import AddressPolicy
from bot.fetch.guard import AddressRefused, GuardedResolver, guarded_socket_factory, is_refusal
from bot.settings import FetchSettings

from .conftest import MapResolver
from .hostile_site import TestSite

POLICY = AddressPolicy(extra=lambda ip: ip == ipaddress.IPv4Address("127.0.0.1"))


def _guarded(table: dict) -> GuardedResolver:
    return GuardedResolver(POLICY, MapResolver(table), owns_inner=True)


async def test_resolver_passes_allowed_answers() -> None:
    answers = await _guarded({"ok.test": ["127.0.0.1"]}).resolve("ok.test", 80, socket.AF_UNSPEC)
    assert [a["host"] for a in answers] == ["127.0.0.1"]


@pytest.mark.parametrize(
    "answers", [["10.0.0.1"], ["127.0.0.1", "10.0.0.1"], ["::1"], ["169.254.169.254"], ["8.8.8.8", "fc00::1"]]
)
async def test_resolver_refuses_any_bad_address_in_the_answer(answers: list[str]) -> None:
    with pytest.raises(AddressRefused):
        await _guarded({"bad.test": answers}).resolve("bad.test", 80, socket.AF_UNSPEC)


@pytest.mark.parametrize("host", ["0x7f.0.0.2", "0xa9fea9fe", "1.2.3.4.5", "0x7f.1.0x"])
async def test_resolver_judges_numeric_hosts_without_dns(host: str) -> None:
    inner = MapResolver({})
    with pytest.raises(AddressRefused):
        await GuardedResolver(POLICY, inner, owns_inner=False).resolve(host, 80)
    assert inner.calls == []


async def test_resolver_resolves_allowed_numeric_forms_itself() -> None:
    inner = MapResolver({})
    answers = await GuardedResolver(POLICY, inner, owns_inner=False).resolve("0x7f.1", 80)
    assert answers[0]["host"] == "127.0.0.1" and inner.calls == []


@pytest.mark.parametrize(
    ("family", "sockaddr"),
    [
        (socket.AF_INET, ("127.0.0.2", 80)),
        (socket.AF_INET, ("169.254.169.254", 80)),
        (socket.AF_INET, ("10.0.0.1", 443)),
        (socket.AF_INET6, ("::1", 80, 0, 0)),
        (socket.AF_INET6, ("::ffff:10.0.0.1", 80, 0, 0)),
        (socket.AF_INET6, ("fe80::1", 80, 0, 2)),
        (socket.AF_INET, ("127.0.0.1", 22)),  # allowed address, refused port
    ],
)
def test_socket_factory_refuses(family: socket.AddressFamily, sockaddr: tuple) -> None:
    factory = guarded_socket_factory(POLICY, (80, 443))
    with pytest.raises(AddressRefused) as info:
        factory((family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr))
    assert is_refusal(info.value)


def test_socket_factory_creates_sockets_for_allowed_addresses() -> None:
    factory = guarded_socket_factory(POLICY, (80, 443))
    sock = factory((socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("127.0.0.1", 443)))
    try:
        assert sock.family == socket.AF_INET
    finally:
        sock.close()


def test_refusal_is_recognised_through_aiohttp_wrapping() -> None:
    key = type("Key", (), {"host": "h", "port": 80, "ssl": True})()
    wrapped = aiohttp.ClientConnectorDNSError(key, AddressRefused("x"))  # type: ignore[arg-type]
    assert is_refusal(wrapped)
    merged = OSError(f"Multiple exceptions: {AddressRefused('a')}, {AddressRefused('b')}")
    assert is_refusal(merged)
    assert not is_refusal(aiohttp.ClientConnectorDNSError(key, OSError(2, "name not known")))  # type: ignore[arg-type]


async def test_socket_factory_is_in_the_connection_path(site: TestSite, fetcher: SafeFetcher) -> None:
    # aiohttp dials canonical IP literals without asking any resolver; going around
    # normalize_url with the raw session shows the socket factory still refuses them.
    session = fetcher._get_session()
    with pytest.raises(aiohttp.ClientConnectorError) as info:
        await session.get(f"http://127.0.0.2:{site.port}/page")
    assert is_refusal(info.value)
    async with session.get(f"http://127.0.0.1:{site.port}/page") as resp:  # the opted-in address
        assert resp.status == 200
    assert site.hits["page"] == 1


async def _v6_page(_request: web.Request) -> web.Response:
    return web.Response(text="<html>v6</html>", content_type="text/html")


async def test_ipv6_connections_work_when_opted_in() -> None:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback here")
    app = web.Application()
    app.router.add_get("/", _v6_page)
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    await web.TCPSite(runner, "::1", 0).start()
    port = runner.addresses[0][1]
    settings = FetchSettings(allowed_ports=(port,), connect_timeout=1.0, total_timeout=3.0)
    try:
        async with SafeFetcher(settings, allow_address=lambda ip: ip == ipaddress.ip_address("::1")) as f:
            result = await f.fetch_page(f"http://[::1]:{port}/")
            assert result.text == "<html>v6</html>"
        async with SafeFetcher(settings) as f:
            with pytest.raises(RefusedURL):
                await f.fetch_page(f"http://[::1]:{port}/")
    finally:
        await runner.cleanup()
