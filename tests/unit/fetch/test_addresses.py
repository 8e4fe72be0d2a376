"""The address rules: which IPs are public, and how every IPv4 notation maps to an address."""

from __future__ import annotations

import ipaddress
import socket

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.fetch import AddressPolicy, is_public_address, parse_ipv4_forms

ip = ipaddress.ip_address

NOT_PUBLIC = [
    "0.0.0.0",
    "0.1.2.3",
    "10.0.0.1",
    "100.64.0.1",
    "100.127.255.254",
    "100.100.100.200",
    "127.0.0.1",
    "127.255.255.254",
    "169.254.0.1",
    "169.254.169.254",
    "172.16.0.1",
    "172.31.255.255",
    "192.0.0.8",
    "192.0.2.1",
    "192.88.99.1",
    "192.168.1.1",
    "198.18.0.1",
    "198.51.100.7",
    "203.0.113.9",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "168.63.129.16",  # Azure wire server: public space, still metadata
    "::",
    "::1",
    "::ffff:127.0.0.1",
    "::ffff:8.8.8.8",  # IPv4-mapped: never globally reachable, even with a public address inside
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::127.0.0.1",  # IPv4-compatible
    "::8.8.8.8",  # IPv4-compatible is deprecated, never routed
    "64:ff9b::7f00:1",
    "64:ff9b::808:808",  # NAT64 is refused whole
    "64:ff9b:1::a00:1",
    "100::1",
    "2001::1",  # Teredo
    "2001:db8::1",
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2002:808:808::1",
    "3fff::1",
    "fc00::1",
    "fd00::1",
    "fd00:ec2::254",
    "fe80::1",
    "fec0::1",
    "ff02::1",
    "fe80::1%eth0",
]

PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.216.34", "100.63.255.255", "100.128.0.1", "172.32.0.1",
          "2606:4700:4700::1111", "2a00:1450:4001::200e"]


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_non_global_addresses_are_not_public(address: str) -> None:
    assert is_public_address(ip(address)) is False


@pytest.mark.parametrize("address", PUBLIC)
def test_global_unicast_addresses_are_public(address: str) -> None:
    assert is_public_address(ip(address)) is True


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0X7F000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0x7f.0.0.0x1", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("0x", "0.0.0.0"),  # WHATWG reads a bare 0x as zero; refusing it is the safe side
        ("169.254.43518", "169.254.169.254"),
        ("0xa9fea9fe", "169.254.169.254"),
        ("1.2.3.4.", "1.2.3.4"),
        ("0000000000000000000000000177.1", "127.0.0.1"),
        ("4294967295", "255.255.255.255"),
    ],
)
def test_every_ipv4_notation_is_read_like_inet_aton(host: str, expected: str) -> None:
    assert parse_ipv4_forms(host) == ipaddress.IPv4Address(expected)


@pytest.mark.parametrize(
    "host", ["", "4294967296", "0x100000000", "256.1.1.1", "1.2.3.256", "1.16777216", "08", "1..2",
             "1.2.3.4.5", "example.com", "1.2.3.x", "0x7g", "-1", "1.2.3.4..", "9" * 5000]
)
def test_non_addresses_are_not_parsed(host: str) -> None:
    assert parse_ipv4_forms(host) is None


@given(st.text(alphabet="0123456789abcdefxX.", min_size=1, max_size=24))
def test_parser_agrees_with_the_c_library(host: str) -> None:
    try:
        libc = ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        libc = None
    ours = parse_ipv4_forms(host)
    if libc is not None:
        assert ours == libc
    elif ours is not None:
        # We read strictly more as addresses than glibc, never fewer: a bare "0x" part
        # (WHATWG says zero) or one trailing dot (resolvers strip it).
        parts = host[:-1].split(".") if host.endswith(".") else host.split(".")
        assert host.endswith(".") or any(p.lower() == "0x" for p in parts)


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_decimal_and_hex_forms_round_trip(number: int) -> None:
    expected = ipaddress.IPv4Address(number)
    assert parse_ipv4_forms(str(number)) == expected
    assert parse_ipv4_forms(hex(number)) == expected
    assert parse_ipv4_forms("0" + oct(number)[2:]) == expected


def test_default_policy_is_public_only() -> None:
    policy = AddressPolicy()
    assert policy.allows(ip("8.8.8.8"))
    assert not policy.allows(ip("127.0.0.1"))
    assert not policy.allows(ip("::ffff:192.168.0.1"))
    assert not policy.allows(ip("::ffff:8.8.8.8"))


def test_narrow_opt_in_allows_exactly_the_chosen_address() -> None:
    policy = AddressPolicy(extra=lambda a: a == ip("127.0.0.1"))
    assert policy.allows(ip("127.0.0.1"))
    assert policy.allows(ip("::ffff:127.0.0.1"))  # the same address, mapped
    for other in ["127.0.0.2", "::1", "10.0.0.1", "169.254.169.254", "0.0.0.0"]:
        assert not policy.allows(ip(other)), other


def test_private_opt_in_still_refuses_metadata_unspecified_and_multicast() -> None:
    policy = AddressPolicy(allow_private=True)
    for allowed in ["127.0.0.1", "10.0.0.1", "::1", "fd00::1", "192.168.1.1"]:
        assert policy.allows(ip(allowed)), allowed
    for refused in ["169.254.169.254", "fd00:ec2::254", "100.100.100.200", "168.63.129.16",
                    "0.0.0.0", "::", "224.0.0.1", "ff02::1", "::ffff:169.254.169.254"]:
        assert not policy.allows(ip(refused)), refused


def test_a_metadata_address_cannot_be_opted_in_even_explicitly() -> None:
    policy = AddressPolicy(extra=lambda a: True)
    assert not policy.allows(ip("169.254.169.254"))


def test_mixed_answer_is_refused_whole() -> None:
    policy = AddressPolicy()
    assert policy.allows_all([ip("8.8.8.8"), ip("1.1.1.1")])
    assert not policy.allows_all([ip("8.8.8.8"), ip("10.0.0.1")])
    assert not policy.allows_all([])
