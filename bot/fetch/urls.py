"""URL rules: what a user-supplied link must look like before the bot goes anywhere near it.

The URL is parsed with yarl, the same parser aiohttp uses to connect, so what is judged here
is exactly what will be dialled (no parser differential between the check and the fetch).
"""

from __future__ import annotations

import ipaddress
import re

import idna
import yarl

from bot.settings import FetchSettings

from .addresses import AddressPolicy, IPAddress, looks_numeric, parse_ipv4_forms
from .errors import RefusedURL

ALLOWED_SCHEMES = frozenset({"http", "https"})

# Names that are local by definition (RFC 6761, mDNS, common internal suffixes).
_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
_LOCAL_SUFFIXES = (".localhost", ".local", ".localdomain", ".internal", ".intranet", ".lan", ".home.arpa")

_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_AUTHORITY = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://([^/?#]*)")

MSG_SCHEME = "Only http:// and https:// links can be checked."
MSG_INVALID = "That is not a valid web address."
MSG_USERINFO = "Links containing a username or password are not accepted."
MSG_PORT = "That link uses a port the bot does not fetch; use a normal web address."
MSG_TOO_LONG = "That link is too long."
MSG_ADDRESS = "That link points to a private or reserved address, which the bot does not fetch."


def _refuse(message: str, detail: str) -> RefusedURL:
    return RefusedURL(message, log_detail=detail)


def _normalize_hostname(host: str, *, local_names_allowed: bool) -> str:
    """Validate an ASCII (already IDNA-encoded) DNS name; returns it lowercased, no trailing dot.

    Local names (localhost, *.local, single labels) are refused up front for a clearer
    message; with the private-networks opt-in they are left to the address check.
    """
    host = host.lower()
    if host.endswith("."):
        host = host[:-1]
    if not host or len(host) > 253 or not host.isascii():
        raise _refuse(MSG_INVALID, "bad host length or characters")
    labels = host.split(".")
    if any(not _LABEL.fullmatch(label) for label in labels):
        raise _refuse(MSG_INVALID, "bad host label")
    for label in labels:
        if label.startswith("xn--"):
            try:
                idna.decode(label)
            except idna.IDNAError as exc:
                raise _refuse(MSG_INVALID, f"bad punycode label: {exc}") from None
    if local_names_allowed:
        return host
    if host in _LOCAL_NAMES or host.endswith(_LOCAL_SUFFIXES):
        raise _refuse(MSG_ADDRESS, "local host name")
    if len(labels) < 2:
        # A single label is completed by the resolver's search domains: an intranet name.
        raise _refuse(MSG_ADDRESS, "single-label host name")
    return host


def _encode_idn(url: yarl.URL) -> str:
    """The host in ASCII; yarl already applies UTS #46 + IDNA, re-done strictly here."""
    raw = url.raw_host or ""
    if raw.isascii():
        return raw
    try:
        return idna.encode(url.host or "", uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError) as exc:
        raise _refuse(MSG_INVALID, f"bad IDN host: {exc}") from None


def literal_address(host: str) -> IPAddress | None:
    """The address a host names directly (any IPv4 form, or an IPv6 literal), else None."""
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host.strip("[]"))
        except ValueError:
            raise _refuse(MSG_INVALID, "bad IPv6 literal") from None
    return parse_ipv4_forms(host)


def normalize_url(url: str, settings: FetchSettings, policy: AddressPolicy | None = None) -> str:
    """Return the canonical form of a user URL, or raise RefusedURL.

    Checks scheme, userinfo, host syntax (IDN to punycode), port and length, drops the
    fragment, and judges hosts that are IP addresses in any notation right here, because
    aiohttp never hands such hosts to the resolver where the other addresses are judged.
    """
    policy = policy or AddressPolicy(allow_private=settings.allow_private_networks)
    if not isinstance(url, str):
        raise _refuse(MSG_INVALID, "not a string")
    text = url.strip()
    if len(text) > settings.max_url_length:
        raise _refuse(MSG_TOO_LONG, f"input length {len(text)}")
    if not text or _CONTROL.search(text):
        raise _refuse(MSG_INVALID, "empty or control characters")
    try:
        parsed = yarl.URL(text)
    except (ValueError, TypeError, IndexError) as exc:  # yarl: IndexError on "http://[a]@/"
        raise _refuse(MSG_INVALID, f"unparsable: {exc}") from None
    if parsed.scheme not in ALLOWED_SCHEMES:
        raise _refuse(MSG_SCHEME, f"scheme {parsed.scheme!r}")
    # yarl silently drops an empty userinfo ("http://@host/"), so look at the text as well.
    written = _AUTHORITY.match(text)
    authority = (parsed.raw_authority or "") + (written.group(1) if written else "")
    if "@" in authority or parsed.raw_user is not None or parsed.raw_password is not None:
        raise _refuse(MSG_USERINFO, "userinfo present")
    if not parsed.raw_host:
        raise _refuse(MSG_INVALID, "empty host")
    if "%" in parsed.raw_host:
        raise _refuse(MSG_INVALID, "escaped or scoped host")

    host = _encode_idn(parsed)
    address = literal_address(host)
    if written and written.group(1).startswith("[") and (address is None or address.version != 6):
        # yarl drops the brackets of "[v1.x]" (an RFC 3986 IPvFuture literal): a name, not an address.
        raise _refuse(MSG_INVALID, "bracketed host that is not an IPv6 address")
    if address is None and looks_numeric(host):
        raise _refuse(MSG_INVALID, "malformed numeric host")
    if address is not None:
        if not policy.allows(address):
            raise _refuse(MSG_ADDRESS, "literal address refused")
        host_out = address.compressed
    else:
        host_out = _normalize_hostname(host, local_names_allowed=policy.allow_private)

    port = parsed.port
    if port is None or port not in settings.allowed_ports:
        raise _refuse(MSG_PORT, "port not allowed")
    default_port = 443 if parsed.scheme == "https" else 80
    netloc = f"[{host_out}]" if ":" in host_out else host_out
    if port != default_port:
        netloc = f"{netloc}:{port}"
    query = parsed.raw_query_string
    result = f"{parsed.scheme}://{netloc}{parsed.raw_path or '/'}" + (f"?{query}" if query else "")
    try:
        yarl.URL(result, encoded=True).port  # noqa: B018  (parses the netloc once more)
    except (ValueError, TypeError, IndexError) as exc:  # yarl: IndexError on "http://[a]@/"
        raise _refuse(MSG_INVALID, f"cannot rebuild: {exc}") from None
    if len(result) > settings.max_url_length:
        raise _refuse(MSG_TOO_LONG, f"normalized length {len(result)}")
    return result


__all__ = ["ALLOWED_SCHEMES", "literal_address", "normalize_url"]
