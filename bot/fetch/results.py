"""What a fetch hands back: plain frozen values that cross into analysis and the cogs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class FetchResult:
    """One fetched HTML page.

    `status` may be 4xx/5xx: an error page is still evidence (e.g. for indexability), so
    callers judge it. `redirects` lists every URL that answered with a redirect, in order,
    starting with `url`; empty when the first answer was final. `headers` is a
    case-insensitive copy of the final response's headers.
    """

    url: str
    final_url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    text: str
    encoding: str
    content_type: str
    redirects: tuple[str, ...]
    elapsed: float


@dataclass(frozen=True)
class RobotsResult:
    """robots.txt's verdict for one URL: True, False, or None when it is unknown right now."""

    allowed: bool | None
    robots_url: str
    status: int | None
    reason: str


__all__ = ["FetchResult", "RobotsResult"]
