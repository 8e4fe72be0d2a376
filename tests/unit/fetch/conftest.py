"""Fixtures: the local test site, a map resolver, and fetchers that opt in to 127.0.0.1 only."""

from __future__ import annotations

import errno
import ipaddress
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import replace

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from bot.fetch import SafeFetcher
from bot.settings import FetchSettings

from .hostile_site import TestSite, start_site

LOOPBACK = ipaddress.IPv4Address("127.0.0.1")


def only_test_loopback(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """The narrow opt-in: 127.0.0.1 stands in for "a public server"; nothing else local."""
    return ip == LOOPBACK


class MapResolver(AbstractResolver):
    """DNS for tests: names map to fixed answers; a list of answers is served in turn."""

    def __init__(self, table: dict[str, list[str] | list[list[str]]]) -> None:
        self.table = table
        self.calls: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.calls.append(host)
        entry = self.table.get(host)
        if entry is None:
            raise OSError(errno.ENOENT, "name not known")
        if entry and isinstance(entry[0], list):
            # Rebinding: each lookup takes the next answer (the last one repeats).
            index = min(self.calls.count(host) - 1, len(entry) - 1)
            answers = entry[index]
        else:
            answers = entry
        results: list[ResolveResult] = []
        for address in answers:
            ip = ipaddress.ip_address(address)
            fam = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
            results.append(
                ResolveResult(hostname=host, host=address, port=port, family=fam, proto=0, flags=0)
            )
        return results

    async def close(self) -> None:
        pass


TEST_DNS: dict[str, list[str] | list[list[str]]] = {
    "site.test": ["127.0.0.1"],
    "other.test": ["127.0.0.1"],
    "allow.test": ["127.0.0.1"],
    "disallow.test": ["127.0.0.1"],
    "star.test": ["127.0.0.1"],
    "huge.test": ["127.0.0.1"],
    "broken.test": ["127.0.0.1"],
    "busy.test": ["127.0.0.1"],
    "gone.test": ["127.0.0.1"],
    "moved.test": ["127.0.0.1"],
    "loopy.test": ["127.0.0.1"],
    "evil.test": ["127.0.0.1"],
    "slow.test": ["127.0.0.1"],
    "missing.test": ["127.0.0.1"],
    "closed.test": ["127.0.0.1"],
    "private.test": ["10.1.2.3"],
    "loopback2.test": ["127.0.0.2"],
    "v6loop.test": ["::1"],
    "metadata.test": ["169.254.169.254"],
    "metadata6.test": ["fd00:ec2::254"],
    "mapped.test": ["::ffff:10.0.0.1"],
    "mapped-public.test": ["::ffff:8.8.8.8"],
    "nat64.test": ["64:ff9b::a00:1"],
    "cgnat.test": ["100.64.0.1"],
    "mixed.test": ["127.0.0.1", "10.0.0.7"],
    "mixed-public.test": ["93.184.216.34", "192.168.0.1"],
    "mixed-v6.test": ["127.0.0.1", "fe80::1"],
    "rebind.test": [["127.0.0.1"], ["127.0.0.2"]],
}


def settings_for(site: TestSite, **overrides: object) -> FetchSettings:
    base = FetchSettings(
        connect_timeout=1.0,
        read_timeout=0.5,
        total_timeout=4.0,
        allowed_ports=(80, 443, site.port, site.raw_port, site.closed_port),
        robots_cache_seconds=60,
    )
    return replace(base, **overrides)


@pytest.fixture
async def site() -> AsyncIterator[TestSite]:
    site, runner, raw = await start_site()
    try:
        yield site
    finally:
        site.gate.set()
        raw.close()
        await raw.wait_closed()
        await runner.cleanup()


@pytest.fixture
def resolver() -> MapResolver:
    return MapResolver(dict(TEST_DNS))


@pytest.fixture
def settings(site: TestSite) -> FetchSettings:
    return settings_for(site)


@pytest.fixture
async def make_fetcher(site: TestSite, resolver: MapResolver) -> AsyncIterator[Callable[..., SafeFetcher]]:
    """Build fetchers (opted in to 127.0.0.1 and the map resolver unless told otherwise)."""
    made: list[SafeFetcher] = []

    def make(settings: FetchSettings | None = None, **kwargs: object) -> SafeFetcher:
        kwargs.setdefault("resolver", resolver)
        kwargs.setdefault("allow_address", only_test_loopback)
        fetcher = SafeFetcher(settings or settings_for(site), **kwargs)  # type: ignore[arg-type]
        made.append(fetcher)
        return fetcher

    yield make
    for fetcher in made:
        await fetcher.close()


@pytest.fixture
async def fetcher(make_fetcher: Callable[..., SafeFetcher]) -> AsyncIterator[SafeFetcher]:
    async with make_fetcher() as f:
        yield f
