"""Safe fetching of user-supplied URLs: URL rules, the address guard, redirects, limits, robots.txt.

Everything a user pastes is hostile until proven otherwise: `normalize_url` decides whether a
link may be fetched at all, `SafeFetcher` makes sure every connection (including each
redirect hop and whatever DNS answers at connect time) reaches only public addresses, and
every failure surfaces as a `FetchError` with a short `user_message`.
"""

from __future__ import annotations

from .addresses import METADATA_ADDRESSES, AddressPolicy, is_public_address, parse_ipv4_forms
from .decoding import decode_html, looks_binary
from .errors import (
    DNSFailure,
    FetchError,
    FetchTimeout,
    HTTPFailure,
    NotHTML,
    RedirectLoop,
    RefusedURL,
    TooLarge,
    TooManyRedirects,
)
from .fetcher import SafeFetcher
from .results import FetchResult, RobotsResult
from .urls import normalize_url

__all__ = [
    "METADATA_ADDRESSES",
    "AddressPolicy",
    "DNSFailure",
    "FetchError",
    "FetchResult",
    "FetchTimeout",
    "HTTPFailure",
    "NotHTML",
    "RedirectLoop",
    "RefusedURL",
    "RobotsResult",
    "SafeFetcher",
    "TooLarge",
    "TooManyRedirects",
    "decode_html",
    "looks_binary",
    "is_public_address",
    "normalize_url",
    "parse_ipv4_forms",
]
