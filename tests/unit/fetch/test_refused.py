"""Every way of pointing the bot at something it must not fetch, refused before or at connect.

The count of refused inputs is the sum of the three parametrised lists below
(see test_refused_input_count).
"""

from __future__ import annotations

import pytest

from bot.fetch import RefusedURL, SafeFetcher, normalize_url
from bot.settings import FetchSettings

from .hostile_site import TestSite

# Refused by the URL rules alone: no socket is ever opened for these.
REFUSED_URLS = [
    "file:///etc/passwd",
    "ftp://example.com/file",
    "gopher://example.com/",
    "javascript:alert(1)",
    "data:text/html,<b>hi</b>",
    "mailto:someone@example.com",
    "example.com/no-scheme",
    "//example.com/scheme-relative",
    "http://user:pass@example.com/",
    "http://user@example.com/",
    "http://@example.com/",
    "http://example.com:22/",
    "http://example.com:8080/",
    "https://example.com:0/",
    "http://example.com/" + "a" * 2100,
    "http:///path-only",
    "http://",
    "",
    "   ",
    "http://exa\nmple.com/",
    "http://ex%61mple.com/",
    "http://%6c%6fcalhost/",
    "http://xn--zz.com/",
    "http://1.2.3.4.5/",
    "http://999.1.1.1/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://0x7f.1/",
    "http://0177.0.0.1/",
    "http://017700000001/",
    "http://127.1/",
    "http://127.0.0.1./",
    "http://0/",
    "http://0.0.0.0/",
    "http://10.0.0.1/",
    "http://172.16.5.4/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",
    "http://100.100.100.200/latest/meta-data",
    "http://169.254.169.254/latest/meta-data",
    "http://169.254.43518/",
    "http://0xa9fea9fe/",
    "http://168.63.129.16/",
    "http://224.0.0.1/",
    "http://255.255.255.255/",
    "http://198.18.0.1/",
    "http://[::1]/",
    "http://[::]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:8.8.8.8]/",
    "http://[::ffff:a9fe:a9fe]/",
    "http://[::127.0.0.1]/",
    "http://[64:ff9b::7f00:1]/",
    "http://[64:ff9b:1::a00:1]/",
    "http://[2002:7f00:1::]/",
    "http://[2001::1]/",
    "http://[fd00::1]/",
    "http://[fd00:ec2::254]/",
    "http://[fe80::1]/",
    "http://[fe80::1%25eth0]/",
    "http://[ff02::1]/",
    "http://localhost/",
    "http://LOCALHOST./",
    "http://foo.localhost/",
    "http://printer.local/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://intranet/",
    "http://[a]@/",  # yarl raises IndexError on these
    "http://[x]:1@/",
    "https://[::1]@/",
    "http://[v1.x]/",  # an IPvFuture literal is not a host name
    "http://[vF.127.0.0.1]/",
    "http://[8.8.8.8]/",
]


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_url_rules_refuse(url: str) -> None:
    with pytest.raises(RefusedURL) as info:
        normalize_url(url, FetchSettings())
    _assert_refusal_is_quiet(info.value)


@pytest.mark.parametrize("url", REFUSED_URLS)
async def test_fetch_page_refuses_without_connecting(url: str, site: TestSite) -> None:
    # Production settings and no opt-in: the bot as deployed.
    async with SafeFetcher(FetchSettings()) as fetcher:
        with pytest.raises(RefusedURL) as info:
            await fetcher.fetch_page(url)
    _assert_refusal_is_quiet(info.value)
    assert sum(site.hits.values()) == 0


# Refused at connect time: the name is fine, the DNS answer is not (test resolver).
REFUSED_BY_DNS = [
    "private.test",
    "loopback2.test",
    "v6loop.test",
    "metadata.test",
    "metadata6.test",
    "mapped.test",
    "mapped-public.test",
    "nat64.test",
    "cgnat.test",
    "mixed.test",  # 127.0.0.1 (opted in) + 10.0.0.7
    "mixed-public.test",  # a public address + 192.168.0.1: refused whole, nothing contacted
    "mixed-v6.test",
]


@pytest.mark.parametrize("host", REFUSED_BY_DNS)
async def test_dns_answers_are_judged_at_connect_time(host: str, site: TestSite, fetcher: SafeFetcher) -> None:
    with pytest.raises(RefusedURL) as info:
        await fetcher.fetch_page(f"http://{host}:{site.port}/page")
    assert info.value.exit_code == 2
    _assert_refusal_is_quiet(info.value, site)
    assert site.hits["page"] == 0


# Redirects from the (opted-in) test server towards places the bot must not go.
REFUSED_REDIRECTS = [
    "/redirect/loopback-other",
    "/redirect/localhost",
    "/redirect/ipv6-loopback",
    "/redirect/metadata",
    "/redirect/private-name",
    "/redirect/file",
    "/redirect/port",
    "/redirect/unparsable",
]


@pytest.mark.parametrize("path", REFUSED_REDIRECTS)
async def test_redirects_to_refused_targets(path: str, site: TestSite, fetcher: SafeFetcher) -> None:
    with pytest.raises(RefusedURL) as info:
        await fetcher.fetch_page(site.url(path))
    assert info.value.exit_code == 2
    _assert_refusal_is_quiet(info.value, site)
    assert site.hits["page"] == 0


def test_refused_input_count() -> None:
    # Plus the redirect loop and the 6-hop chain in test_redirects.py.
    total = len(REFUSED_URLS) + len(REFUSED_BY_DNS) + len(REFUSED_REDIRECTS)
    assert total >= 30
    print(f"refused inputs: {total} (+2 redirect-limit cases)")


def _assert_refusal_is_quiet(error: RefusedURL, site: TestSite | None = None) -> None:
    """One line, and nothing that names an address, a port or a host."""
    message = error.user_message
    assert error.kind == "refused" and error.exit_code == 2
    assert message and "\n" not in message and len(message) < 120
    assert str(error) == message
    assert not any(ch.isdigit() for ch in message), message
    for word in ("localhost", "internal", "::", ".test", "metadata"):
        assert word not in message.lower()
    if site is not None:
        assert str(site.port) not in message
