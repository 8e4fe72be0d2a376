"""Which IP addresses the bot may connect to, and how loose numeric hosts map to addresses.

Only globally routable unicast addresses pass. The tables are written out here rather than
taken from `ipaddress.is_global`, whose answers changed between Python releases and which
calls multicast "global"; the stdlib check is still applied on top as a second opinion.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
AddressHook = Callable[[IPAddress], bool]

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network

# Not globally reachable (RFC 6890 registry and friends).
_BLOCKED_V4: tuple[ipaddress.IPv4Network, ...] = (
    _V4("0.0.0.0/8"),  # "this network"; 0.0.0.0 reaches localhost on Linux
    _V4("10.0.0.0/8"),
    _V4("100.64.0.0/10"),  # CGNAT shared space
    _V4("127.0.0.0/8"),
    _V4("169.254.0.0/16"),  # link-local, home of most cloud metadata services
    _V4("172.16.0.0/12"),
    _V4("192.0.0.0/24"),  # IETF protocol assignments
    _V4("192.0.2.0/24"),  # TEST-NET-1
    _V4("192.88.99.0/24"),  # deprecated 6to4 relay anycast
    _V4("192.168.0.0/16"),
    _V4("198.18.0.0/15"),  # benchmarking
    _V4("198.51.100.0/24"),  # TEST-NET-2
    _V4("203.0.113.0/24"),  # TEST-NET-3
    _V4("224.0.0.0/4"),  # multicast
    _V4("240.0.0.0/4"),  # reserved, includes broadcast
)

# IPv6 must be global unicast (2000::/3); this catches ::1, ::, IPv4-compatible ::/96,
# NAT64 64:ff9b::/96 and 64:ff9b:1::/48, discard 100::/64, ULA fc00::/7, link-local
# fe80::/10, site-local fec0::/10 and multicast ff00::/8 in one rule.
_GLOBAL_UNICAST_V6 = _V6("2000::/3")
_BLOCKED_V6: tuple[ipaddress.IPv6Network, ...] = (
    _V6("2001::/23"),  # IETF protocol assignments: Teredo 2001::/32, benchmarking, ORCHID
    _V6("2001:db8::/32"),  # documentation
    _V6("2002::/16"),  # 6to4 tunnels to an arbitrary (maybe private) IPv4
    _V6("3fff::/20"),  # documentation (RFC 9637)
)

# Cloud metadata and host-agent endpoints: refused even when a test opts in to private
# networks. 168.63.129.16 (Azure wire server) sits in public space, hence the explicit list.
METADATA_ADDRESSES: frozenset[IPAddress] = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OCI, DigitalOcean, OpenStack
        "169.254.169.253",  # AWS DNS
        "169.254.169.123",  # AWS time
        "169.254.170.2",  # AWS ECS task credentials
        "169.254.170.23",  # AWS EKS pod identity
        "100.100.100.200",  # Alibaba Cloud
        "168.63.129.16",  # Azure wire server
        "192.0.0.192",  # Oracle Cloud (classic)
        "fd00:ec2::254",  # AWS IMDS over IPv6
        "fd00:ec2::253",
        "fd00:ec2::23",
        "fd20:ce::254",  # GCP metadata over IPv6
    )
)

_NEVER_A_DESTINATION_V4 = (_V4("0.0.0.0/8"), _V4("224.0.0.0/4"), _V4("255.255.255.255/32"))


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv4-mapped (::ffff:a.b.c.d) IPv6 address stands for."""
    return ip.ipv4_mapped


def is_public_address(ip: IPAddress) -> bool:
    """True only for globally routable unicast addresses that are not metadata endpoints."""
    if ip in METADATA_ADDRESSES:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return False
        if _embedded_ipv4(ip) is not None:
            return False  # ::ffff:0:0/96 is not globally reachable (IANA), whatever it embeds
        if ip not in _GLOBAL_UNICAST_V6 or any(ip in net for net in _BLOCKED_V6):
            return False
        return ip.is_global
    if any(ip in net for net in _BLOCKED_V4):
        return False
    return ip.is_global


def _is_never_a_destination(ip: IPAddress) -> bool:
    """Unspecified and multicast addresses: no valid TCP peer, even for tests."""
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped
        if mapped is not None:
            return _is_never_a_destination(mapped)
        return ip.is_unspecified or ip.is_multicast
    return any(ip in net for net in _NEVER_A_DESTINATION_V4)


@dataclass(frozen=True)
class AddressPolicy:
    """Decides whether one address may be connected to.

    Production uses the default: public addresses only. Tests opt in either wholesale
    (`allow_private=True`: anything but metadata, unspecified and multicast) or narrowly with
    `extra`, a predicate for additional addresses (e.g. only 127.0.0.1), so neighbours such
    as 127.0.0.2 or ::1 stay refused. Metadata endpoints are refused whatever the opt-in.
    """

    allow_private: bool = False
    extra: AddressHook | None = None

    def allows(self, ip: IPAddress) -> bool:
        mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
        if mapped is not None:
            # Never public; a dual-stack socket would reach the embedded IPv4 address, so only an
            # opt-in that covers that address lets it through.
            if mapped in METADATA_ADDRESSES or _is_never_a_destination(mapped):
                return False
            return bool(self.extra is not None and self.extra(mapped)) or self.allow_private
        if ip in METADATA_ADDRESSES or _is_never_a_destination(ip):
            return False
        if is_public_address(ip):
            return True
        if self.extra is not None and self.extra(ip):
            return True
        return self.allow_private

    def allows_all(self, ips: Iterable[IPAddress]) -> bool:
        """A DNS answer mixing allowed and refused addresses is refused whole."""
        ips = list(ips)
        return bool(ips) and all(self.allows(ip) for ip in ips)


# One component of a numeric IPv4 host as inet_aton reads it: hex (0x.., "0x" alone is 0),
# octal (leading 0) or decimal.
_IPV4_PART = re.compile(r"0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*")
_NUMERIC_LABEL = re.compile(r"[0-9]+|0[xX][0-9a-fA-F]*")


def parse_ipv4_forms(host: str) -> ipaddress.IPv4Address | None:
    """Read `host` the way inet_aton (and the WHATWG URL parser) would, or return None.

    Accepts 1 to 4 dot-separated parts in decimal, octal or hex, where the last part fills
    the remaining bytes: `2130706433`, `0x7f000001`, `0177.0.0.1`, `127.1` and `0` are all
    addresses. One trailing dot is tolerated, as resolvers do.
    """
    if host.endswith("."):
        host = host[:-1]
    parts = host.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values: list[int] = []
    for part in parts:
        if not _IPV4_PART.fullmatch(part):
            return None
        if part[:2] in ("0x", "0X"):
            digits, base = part[2:], 16
        elif len(part) > 1 and part[0] == "0":
            digits, base = part[1:], 8
        else:
            digits, base = part, 10
        digits = digits.lstrip("0")
        if len(digits) > 12:  # past 32 bits in any base; keeps int() away from huge inputs
            return None
        values.append(int(digits, base) if digits else 0)
    last_bits = 8 * (5 - len(values))
    if any(v > 0xFF for v in values[:-1]) or values[-1] >= 1 << last_bits:
        return None
    number = values[-1]
    for index, value in enumerate(values[:-1]):
        number |= value << (24 - 8 * index)
    return ipaddress.IPv4Address(number)


def looks_numeric(host: str) -> bool:
    """A host whose last label is numeric is meant as an address, never as a DNS name."""
    last = host.rstrip(".").rsplit(".", 1)[-1]
    return bool(_NUMERIC_LABEL.fullmatch(last))


__all__ = [
    "METADATA_ADDRESSES",
    "AddressHook",
    "AddressPolicy",
    "IPAddress",
    "is_public_address",
    "looks_numeric",
    "parse_ipv4_forms",
]
