"""Connect-time address checks: a resolver wrapper and a socket factory for the TCPConnector.

Checking a name before the request and then letting aiohttp resolve it again is defeated by
DNS rebinding (a second answer pointing inside). Here the only addresses aiohttp ever sees
come out of `GuardedResolver`, already judged, and `guarded_socket_factory` judges the
sockaddr once more as the socket is created, which also covers IP-literal hosts that aiohttp
connects to without asking any resolver.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
from collections.abc import Callable, Collection

from aiohttp.abc import AbstractResolver, ResolveResult

from .addresses import AddressPolicy, IPAddress, looks_numeric, parse_ipv4_forms

# Marker carried in the OSError text so a refusal can be recognised after aiohttp and
# aiohappyeyeballs have wrapped (or merged) the original exception.
REFUSAL_MARKER = "[second-opinion address guard]"


class AddressRefused(OSError):
    """Raised inside aiohttp's connection path; an OSError so aiohttp wraps it normally."""

    def __init__(self, detail: str) -> None:
        super().__init__(errno.EACCES, f"{REFUSAL_MARKER} {detail}")


def is_refusal(exc: BaseException | None) -> bool:
    """Whether an aiohttp exception (or anything it wraps) came from the address guard.

    The marker is only trusted on plain OSErrors (what aiohappyeyeballs builds when it merges
    several failures), never on errors whose text can carry bytes a server sent.
    """
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, AddressRefused):
            return True
        if type(exc) is OSError and REFUSAL_MARKER in str(exc):
            return True
        exc = getattr(exc, "os_error", None) or exc.__cause__ or exc.__context__
    return False


class GuardedResolver(AbstractResolver):
    """Resolves through `inner`, then refuses the whole answer unless every address is allowed."""

    def __init__(self, policy: AddressPolicy, inner: AbstractResolver, *, owns_inner: bool) -> None:
        self._policy = policy
        self._inner = inner
        self._owns_inner = owns_inner

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        # Numeric forms aiohttp did not recognise as IPs (hex, "0x7f.1") would be turned into
        # addresses by getaddrinfo; decide on them here without any lookup.
        numeric = parse_ipv4_forms(host)
        if numeric is not None:
            if not self._policy.allows(numeric):
                raise AddressRefused("numeric host refused")
            return [_result(host, numeric, port)]
        if looks_numeric(host):
            raise AddressRefused("malformed numeric host")
        answers = await self._inner.resolve(host, port, family)
        if not answers:
            raise OSError(errno.ENOENT, "no addresses")
        addresses: list[IPAddress] = []
        for answer in answers:
            try:
                addresses.append(ipaddress.ip_address(answer["host"]))
            except ValueError:
                raise AddressRefused("resolver returned a non-address") from None
        if not self._policy.allows_all(addresses):
            raise AddressRefused("resolved to a refused address")
        return answers

    async def close(self) -> None:
        if self._owns_inner:
            await self._inner.close()


def _result(host: str, address: IPAddress, port: int) -> ResolveResult:
    family = socket.AF_INET6 if isinstance(address, ipaddress.IPv6Address) else socket.AF_INET
    return ResolveResult(
        hostname=host, host=str(address), port=port, family=family, proto=0, flags=socket.AI_NUMERICHOST
    )


SocketFactory = Callable[[tuple], socket.socket]


def guarded_socket_factory(policy: AddressPolicy, allowed_ports: Collection[int]) -> SocketFactory:
    """A socket factory for aiohappyeyeballs that refuses any sockaddr the policy refuses."""

    def factory(addr_info: tuple) -> socket.socket:
        family, type_, proto, _canonname, sockaddr = addr_info
        if family not in (socket.AF_INET, socket.AF_INET6):
            raise AddressRefused("not an IP socket")
        try:
            address = ipaddress.ip_address(sockaddr[0])
        except ValueError:
            raise AddressRefused("unparsable socket address") from None
        if family == socket.AF_INET6 and len(sockaddr) >= 4 and sockaddr[3]:
            raise AddressRefused("scoped IPv6 address")
        if not policy.allows(address):
            raise AddressRefused("address refused at connect time")
        if sockaddr[1] not in allowed_ports:
            raise AddressRefused("port refused at connect time")
        return socket.socket(family=family, type=type_, proto=proto)

    return factory


__all__ = [
    "REFUSAL_MARKER",
    "AddressRefused",
    "GuardedResolver",
    "guarded_socket_factory",
    "is_refusal",
]
