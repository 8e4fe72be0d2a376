"""robots.txt as Google reads it: status handling, size cap, parsing, and the cached verdict."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from protego import Protego

# Google reads the first 500 KiB of a robots.txt and ignores the rest.
ROBOTS_MAX_BYTES = 500 * 1024
# Above this size parsing takes long enough to belong in a worker thread.
_PARSE_IN_THREAD_BYTES = 32 * 1024
# A robots.txt that could not be read is retried sooner than a good one is refreshed.
UNKNOWN_CACHE_SECONDS = 300


@dataclass(frozen=True)
class RobotsRules:
    """The cached state of one robots.txt: rules to consult, or a fixed verdict."""

    parser: Protego | None
    verdict: bool | None  # used when parser is None: True = allow all, None = unknown
    status: int | None
    reason: str
    expires_at: float
    large: bool = False

    async def can_fetch(self, url: str, user_agent: str) -> bool | None:
        if self.parser is None:
            return self.verdict
        if self.large:
            return await asyncio.to_thread(self.parser.can_fetch, url, user_agent)
        return self.parser.can_fetch(url, user_agent)


def rules_for_status(status: int) -> tuple[bool | None, str] | None:
    """Google's reading of a robots.txt status that carries no rules; None means parse the body."""
    if 200 <= status < 300:
        return None
    if status == 429 or status >= 500:
        return (None, f"robots.txt answered HTTP {status}; Google pauses crawling until it recovers")
    if status >= 400:
        return True, f"no robots.txt (HTTP {status}): everything is allowed"
    return True, f"robots.txt answered HTTP {status} without a usable redirect: treated as missing"


def decode_robots(body: bytes) -> str:
    """robots.txt is UTF-8 by spec; invalid bytes are replaced rather than failing the file."""
    return body[:ROBOTS_MAX_BYTES].decode("utf-8", errors="replace").lstrip("\ufeff")


async def parse_robots(body: bytes) -> tuple[Protego, bool]:
    """(parser, large) — parsing a big file runs in a thread to keep the event loop free."""
    text = decode_robots(body)
    if len(body) > _PARSE_IN_THREAD_BYTES:
        return await asyncio.to_thread(Protego.parse, text), True
    return Protego.parse(text), False


__all__ = ["ROBOTS_MAX_BYTES", "UNKNOWN_CACHE_SECONDS", "RobotsRules", "decode_robots", "parse_robots", "rules_for_status"]
