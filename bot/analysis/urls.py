"""URLs as an SEO sees them: resolving hrefs, registrable domains, and "is this the same page?".

Registrable domains come from the public suffix list shipped inside the `publicsuffixlist`
package (never downloaded at run time), private section included, so ``alice.github.io`` and
``bob.github.io`` are different sites while ``blog.example.co.uk`` and ``www.example.co.uk`` are one.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit

import idna
from publicsuffixlist import PublicSuffixList

_PSL: PublicSuffixList | None = None

# Query parameters that only track a click; two URLs differing in them are the same page.
_TRACKING_PARAMS = frozenset(
    {"gclid", "fbclid", "msclkid", "yclid", "dclid", "igshid", "mc_cid", "mc_eid", "_ga", "_gl", "ref", "ref_src"}
)
_WEB_SCHEMES = ("http", "https")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _psl() -> PublicSuffixList:
    global _PSL
    if _PSL is None:
        _PSL = PublicSuffixList()
    return _PSL


def _is_ip(host: str) -> bool:
    if not host or not (host[-1].isdigit() or ":" in host):
        return False  # a name ending in a letter is never an IP: skip the costly exception path
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


@lru_cache(maxsize=4096)
def registrable_domain(host: str) -> str:
    """The site a host belongs to (eTLD+1); the host itself for IPs, bare suffixes and unknown names."""
    host = host.lower().rstrip(".")
    if not host or _is_ip(host):
        return host
    try:
        found = _psl().privatesuffix(host)
    except Exception:  # the library raises on odd labels (empty parts); treat the host as its own site
        found = None
    return found or host


@lru_cache(maxsize=1024)
def ascii_host(host: str) -> str:
    """A host as DNS knows it: lower-case, internationalised names in punycode, so that
    ``bücher.de`` and ``xn--bcher-kva.de`` are one site. A name IDNA rejects is kept as it is."""
    host = host.lower()
    if host.isascii():
        return host
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return host


def strip_www(host: str) -> str:
    return host[4:] if host.startswith("www.") else host


_HOST_CHARS = re.compile(r"^[a-z0-9.-]+$")
_AUTHORITY = re.compile(r"[^/?#]*")


def host_of(url: str) -> str:
    """Lower-case host of an absolute URL; "" when there is none or the URL is malformed."""
    # Fast path for the common shape (scheme://host[:port]/...) — hundreds of links a page.
    i = url.find("://")
    if i > 0:
        # The authority: everything up to the first "/", "?" or "#" (one C-level match).
        host = _AUTHORITY.match(url, i + 3).group().lower()  # type: ignore[union-attr]
        if ":" in host:
            host = host.split(":", 1)[0] if host.count(":") == 1 else ""
        if host and _HOST_CHARS.match(host):
            return host.rstrip(".")
    try:
        host = (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:
        return ""
    return ascii_host(host) if host else ""


def resolve_href(base: str, href: str) -> str | None:
    """Absolute http(s) URL for an href, or None for javascript:, mailto:, fragments and junk."""
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    low = href[:8].lower()
    if low.startswith(("http://", "https://")):
        return href
    if _SCHEME_RE.match(href):
        return None  # javascript:, mailto:, tel:, data: ... are not links to pages
    if href.startswith("/"):
        if not href.startswith("//"):
            origin = _origin(base)
            if origin:
                return origin + href
        elif _PLAIN_NETWORK_PATH.fullmatch(href):
            # "//cdn.example.com/x" takes the base's scheme; urljoin would split it into parts
            # and put them back together unchanged (several µs, and sites use it for every link).
            scheme = _scheme(base)
            if scheme:
                return f"{scheme}:{href}"
    try:
        url = urljoin(base, href)
    except ValueError:
        return None
    if not url.lower().startswith(("http://", "https://")):
        return None
    return url


# A network-path reference that urljoin returns as "scheme:" + itself: a host (not empty), then
# printable ASCII with nothing urlsplit would drop or check (an empty "?", "#" or ";params", brackets).
_PLAIN_NETWORK_PATH = re.compile(r"//[^/\x00-\x20\x7f-\U0010ffff?#;\[\]\\][^\x00-\x20\x7f-\U0010ffff?#;\[\]\\]*")


@lru_cache(maxsize=256)
def _scheme(base: str) -> str | None:
    """The base URL's scheme as urljoin reads it, when it is a web one."""
    try:
        parts = urlsplit(base)
    except ValueError:
        return None
    return parts.scheme if parts.scheme in _WEB_SCHEMES else None


@lru_cache(maxsize=256)
def _origin(base: str) -> str | None:
    try:
        parts = urlsplit(base)
    except ValueError:
        return None
    if parts.scheme.lower() not in _WEB_SCHEMES or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class NormalizedUrl:
    """A URL reduced to what identifies the page: scheme, www., default port, fragment,
    a trailing slash and tracking parameters don't make a different page."""

    host: str
    path: str
    query: str

    def __str__(self) -> str:
        return f"{self.host}{self.path}" + (f"?{self.query}" if self.query else "")


def normalize_url(url: str) -> NormalizedUrl | None:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in _WEB_SCHEMES or not host:
        return None
    host = strip_www(ascii_host(host))
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    path = _canonical_escapes(parts.path) or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    query = ""
    if parts.query:
        kept = [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not k.lower().startswith("utm_") and k.lower() not in _TRACKING_PARAMS
        ]
        query = urlencode(sorted(kept))
    return NormalizedUrl(host, path, query)


_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Everything a path may hold as it is; "%" too, so existing escapes are kept for the step below.
_PATH_SAFE = "!$%&'()*+,/:;=@~-._"


def _canonical_escapes(path: str) -> str:
    """A path in one spelling (RFC 3986 §6.2.2): "café", "caf%C3%A9" and "caf%c3%a9" are one page,
    as are "~" and "%7E"; an escaped "/" stays escaped, since it is not the same path."""
    if not path.isascii() or " " in path:
        path = quote(path, safe=_PATH_SAFE)
    if "%" in path:
        path = _ESCAPE.sub(_one_escape, path)
    return path


def _one_escape(m: re.Match[str]) -> str:
    char = chr(int(m.group(1), 16))
    return char if char in _UNRESERVED else "%" + m.group(1).upper()


def same_page(a: str, b: str) -> bool:
    na, nb = normalize_url(a), normalize_url(b)
    return na is not None and na == nb


@dataclass(frozen=True)
class Target:
    """What the user wants a link to: one page (`url`) or a whole site (`domain`)."""

    raw: str
    domain: str  # host without www. (URL targets) or the domain as given
    site: str  # registrable domain of `domain`
    page: NormalizedUrl | None  # set for URL targets
    include_subdomains: bool

    @property
    def is_url(self) -> bool:
        return self.page is not None

    def matches(self, url: str) -> bool:
        if self.page is not None:
            return normalize_url(url) == self.page
        host = strip_www(host_of(url).lower())
        if not host:
            return False
        if host == self.domain:
            return True
        return self.include_subdomains and host.endswith("." + self.domain)


def parse_target(raw: str) -> Target | None:
    """``example.com`` → the site incl. subdomains; ``https://example.com/page`` → that page.

    A bare host with a path (``example.com/page``) is read as an https URL.
    """
    text = raw.strip()
    if not text:
        return None
    has_scheme = "://" in text
    if not has_scheme and "/" not in text.rstrip("/"):
        domain = strip_www(ascii_host(text.rstrip("/").rstrip(".")))
        if not domain or " " in domain or "." not in domain and not _is_ip(domain):
            return None
        site = registrable_domain(domain)
        return Target(raw=text, domain=domain, site=site, page=None, include_subdomains=True)
    url = text if has_scheme else f"https://{text}"
    page = normalize_url(url)
    if page is None:
        return None
    domain = page.host.split(":", 1)[0]
    return Target(raw=text, domain=domain, site=registrable_domain(domain), page=page, include_subdomains=False)


@lru_cache(maxsize=4096)
def brand_of(site: str) -> str:
    """The brand part of a registrable domain: ``best-shoes.co.uk`` → ``best-shoes``."""
    if not site or _is_ip(site):
        return ""
    try:
        suffix = _psl().publicsuffix(site) or ""
    except Exception:
        suffix = ""
    label = site[: -len(suffix) - 1] if suffix and site.endswith("." + suffix) else site.split(".", 1)[0]
    return label.rsplit(".", 1)[-1]
