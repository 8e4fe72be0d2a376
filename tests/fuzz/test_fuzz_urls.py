"""Property-based: the URL rules and the address guard. Refusals are RefusedURL and nothing else;
an accepted URL is http(s), on an allowed port, with a public address or a DNS name."""

from __future__ import annotations

import ipaddress

import yarl
from hypothesis import given
from hypothesis import strategies as st

from bot.fetch import AddressPolicy, RefusedURL, is_public_address, normalize_url, parse_ipv4_forms
from bot.fetch.addresses import METADATA_ADDRESSES
from bot.settings import FetchSettings
from tests.fuzz.profiles import fuzz_settings

SETTINGS = FetchSettings()

IPV4 = st.builds(ipaddress.IPv4Address, st.integers(0, 2**32 - 1))
IPV6 = st.builds(ipaddress.IPv6Address, st.integers(0, 2**128 - 1))
INTERESTING_V4 = st.sampled_from([
    "127.0.0.1", "10.1.2.3", "169.254.169.254", "100.64.0.1", "192.168.0.1", "0.0.0.0", "8.8.8.8",
    "224.0.0.1", "255.255.255.255", "172.16.5.4", "198.18.0.1", "93.184.216.34",
]).map(ipaddress.IPv4Address)


def _ipv4_spellings(ip: ipaddress.IPv4Address) -> st.SearchStrategy[str]:
    n = int(ip)
    a, b, c, d = ip.packed
    return st.sampled_from([
        str(ip), str(n), hex(n), oct(n).replace("0o", "0"), f"{a}.{(b << 16) | (c << 8) | d}",
        f"{a}.{b}.{(c << 8) | d}", f"0x{a:x}.{b}.{c}.{d}", f"0{a:o}.{b}.{c}.{d}", f"{ip}.",
        f"[::ffff:{ip}]", f"[::ffff:{a << 8 | b:x}:{c << 8 | d:x}]", f"[64:ff9b::{ip}]", f"[2002:{a:02x}{b:02x}:{c:02x}{d:02x}::1]",
    ])


HOST_NAMES = st.one_of(
    st.sampled_from(["example.com", "blog.example.org", "localhost", "intranet", "printer.local", "xn--bcher-kva.example",
                     "bücher.example", "ＥＸＡＭＰＬＥ.com", "a..b", "-bad-.example", "x" * 64 + ".example",
                     "metadata.google.internal", "EXAMPLE.COM.", "ex%61mple.com", "exa mple.com", "[::1]", "[fe80::1%25eth0]"]),
    st.from_regex(r"[a-z0-9-]{1,20}(\.[a-z0-9-]{1,20}){0,3}", fullmatch=True),
)


@st.composite
def urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http", "https", "HTTP", "ftp", "file", "javascript", "data", "gopher", ""]))
    host = draw(st.one_of(HOST_NAMES, st.one_of(IPV4, INTERESTING_V4).flatmap(_ipv4_spellings),
                          IPV6.map(lambda ip: f"[{ip}]")))
    userinfo = draw(st.sampled_from(["", "", "", "user@", "user:pw@", "@", ":@"]))
    port = draw(st.sampled_from(["", "", ":80", ":443", ":8080", ":0", ":65536", ":22", ":", ":+80", ":0x50"]))
    path = draw(st.one_of(st.just("/"), st.text(max_size=30).map(lambda t: "/" + t)))
    query = draw(st.sampled_from(["", "?q=1", "?a=%00", "?x=\u202e"]))
    fragment = draw(st.sampled_from(["", "#top", "#\u0000"]))
    sep = draw(st.sampled_from(["://", "://", ":/", ":\\\\", ":///"]))
    return f"{scheme}{sep}{userinfo}{host}{port}{path}{query}{fragment}"


def _check_accepted(result: str) -> None:
    parsed = yarl.URL(result, encoded=True)
    assert parsed.scheme in ("http", "https"), result
    assert parsed.port in SETTINGS.allowed_ports, result
    assert parsed.user is None and parsed.password is None and "#" not in result
    assert len(result) <= SETTINGS.max_url_length
    host = parsed.raw_host or ""
    assert host and host.isascii(), result
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        # A DNS name: at least two labels, none of the local suffixes (its addresses are judged at connect).
        assert "." in host and not host.endswith((".local", ".localhost", ".internal")), result
    else:
        assert is_public_address(address), result


def _normalize(url: str) -> str | None:
    try:
        result = normalize_url(url, SETTINGS)
    except RefusedURL as exc:
        assert exc.user_message  # every refusal has a message for the member
        return None
    assert isinstance(result, str)
    return result


@given(url=urls())
@fuzz_settings(max_examples=300)
def test_structured_urls_are_refused_cleanly_or_safe(url: str) -> None:
    result = _normalize(url)
    if result is not None:
        _check_accepted(result)
        # Normalising is stable: the canonical form is accepted as itself.
        assert _normalize(result) == result


@given(url=st.text(max_size=200))
@fuzz_settings(max_examples=300)
def test_any_text_is_refused_cleanly_or_safe(url: str) -> None:
    result = _normalize(url)
    if result is not None:
        _check_accepted(result)


@given(host=st.one_of(st.text(max_size=40), st.from_regex(r"(0[xX][0-9a-fA-F]{0,10}|[0-9]{1,12})(\.(0[xX][0-9a-fA-F]{0,4}|[0-9]{1,5})){0,4}\.?", fullmatch=True)))
@fuzz_settings(max_examples=300)
def test_parse_ipv4_forms_is_total_and_agrees_with_the_dotted_quad(host: str) -> None:
    result = parse_ipv4_forms(host)
    assert result is None or isinstance(result, ipaddress.IPv4Address)
    if result is not None and host.count(".") == 3 and all(p.isdigit() and not (len(p) > 1 and p[0] == "0")
                                                           for p in host.split(".")):
        assert result == ipaddress.IPv4Address(host)


@given(ip=st.one_of(IPV4, INTERESTING_V4))
@fuzz_settings(max_examples=300)
def test_every_spelling_of_an_address_is_judged_alike(ip: ipaddress.IPv4Address) -> None:
    spellings = [str(ip), str(int(ip)), hex(int(ip)), f"{ip}."]
    assert all(parse_ipv4_forms(s) == ip for s in spellings)
    verdicts = {_normalize(f"http://{s}/") is not None for s in spellings}
    assert verdicts == {is_public_address(ip)}


@given(ip=st.one_of(IPV4, IPV6, INTERESTING_V4))
@fuzz_settings(max_examples=300)
def test_address_policy_matches_is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    public = is_public_address(ip)
    assert isinstance(public, bool)
    if public:
        assert not ip.is_private and not ip.is_loopback and not ip.is_link_local and not ip.is_multicast
        assert ip not in METADATA_ADDRESSES
    strict, loose = AddressPolicy(), AddressPolicy(allow_private=True)
    assert strict.allows(ip) == (public if not (isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped)
                                 else is_public_address(ip.ipv4_mapped))
    # The tests' opt-in widens the policy, never narrows it, and never reaches metadata endpoints.
    assert loose.allows(ip) or not strict.allows(ip)
    if ip in METADATA_ADDRESSES:
        assert not loose.allows(ip)
