"""REST fault injection and optional Discord-like rate-limit buckets.

Both are decided before a handler runs, exactly like Discord's edge would, so a request that
gets a 429 or 5xx here leaves the fake's state untouched.
"""

from __future__ import annotations

import fnmatch
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Fault:
    """One injected failure. ``status`` 429 means rate limited (``retry_after`` seconds)."""

    status: int
    retry_after: float = 0.05
    is_global: bool = False
    body: dict[str, Any] | None = None
    # Discord's 429s carry a Via header; without it discord.py treats it as a Cloudflare ban.
    via: bool = True


@dataclass
class FaultRule:
    pattern: str
    faults: list[Fault]
    hits: list[str] = field(default_factory=list)

    def matches(self, method: str, path: str) -> bool:
        pattern = self.pattern
        if " " not in pattern:
            pattern = "* " + pattern
        return fnmatch.fnmatchcase(f"{method} {path}", pattern)

    @property
    def remaining(self) -> int:
        return len(self.faults)


def as_fault(item: int | Fault) -> Fault:
    return item if isinstance(item, Fault) else Fault(status=int(item))


@dataclass
class Bucket:
    name: str
    limit: int
    per: float
    hash: str
    window_start: float = 0.0
    used: int = 0

    def take(self, now: float) -> tuple[bool, int, float]:
        """Consume one slot; returns (allowed, remaining, reset_after)."""
        if now - self.window_start >= self.per:
            self.window_start = now
            self.used = 0
        reset_after = max(self.per - (now - self.window_start), 0.0)
        if self.used >= self.limit:
            return False, 0, reset_after
        self.used += 1
        return True, self.limit - self.used, reset_after


@dataclass
class RateLimitHit:
    method: str
    path: str
    bucket: str
    retry_after: float
    time: float


# (bucket name, limit, window seconds) per (method, route template). Figures mirror Discord's.
DEFAULT_BUCKETS: dict[tuple[str, str], tuple[str, int, float]] = {
    ("POST", "/channels/{channel_id}/messages"): ("messages", 5, 5.0),
    ("PATCH", "/channels/{channel_id}/messages/{message_id}"): ("message-edit", 5, 5.0),
    ("DELETE", "/channels/{channel_id}/messages/{message_id}"): ("message-delete", 5, 1.0),
    ("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me"): ("reactions", 1, 0.25),
    ("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me"): ("reactions", 1, 0.25),
    ("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user_id}"): (
        "reactions",
        1,
        0.25,
    ),
}


class RateLimiter:
    """Per-route, per-major-parameter buckets; off unless enabled."""

    def __init__(self) -> None:
        self.enabled = False
        self.rules: dict[tuple[str, str], tuple[str, int, float]] = dict(DEFAULT_BUCKETS)
        self.buckets: dict[tuple[str, str], Bucket] = {}
        self.hits: list[RateLimitHit] = []

    def check(self, method: str, template: str, major: str, path: str) -> tuple[dict[str, str], float | None]:
        """Returns the X-RateLimit headers to send and, when over the limit, the retry_after."""
        if not self.enabled:
            return {}, None
        rule = self.rules.get((method, template))
        if rule is None:
            return {}, None
        name, limit, per = rule
        key = (name, major)
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = Bucket(name, limit, per, hash=f"fake-{name}")
        now = time.monotonic()
        allowed, remaining, reset_after = bucket.take(now)
        headers = {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": bucket.hash,
        }
        if allowed:
            return headers, None
        retry_after = max(reset_after, 0.001)
        headers["Retry-After"] = f"{retry_after:.3f}"
        headers["X-RateLimit-Scope"] = "user"
        self.hits.append(RateLimitHit(method, path, name, retry_after, time.monotonic()))
        return headers, retry_after
