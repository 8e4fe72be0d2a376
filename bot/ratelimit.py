"""Cooldowns and concurrency bounds for commands; time is passed in so tests drive it."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager


class Cooldown:
    """One use per key per `seconds` (a call may pass its own seconds: guilds set their own)."""

    def __init__(self, seconds: float, clock: Callable[[], float]) -> None:
        self.seconds = seconds
        self.clock = clock
        # key → (time of the use, the window it opened): clean-up must keep a key for as long as
        # the window its own guild set, not the default one.
        self._last: dict[Hashable, tuple[float, float]] = {}

    def retry_after(self, key: Hashable, seconds: float | None = None) -> float:
        """Seconds to wait before `key` may go again; 0 when it may go now."""
        last = self._last.get(key)
        if last is None:
            return 0.0
        window = self.seconds if seconds is None else seconds
        return max(0.0, window - (self.clock() - last[0]))

    def hit(self, key: Hashable, seconds: float | None = None) -> float:
        """Record a use if allowed; returns the wait (0 means it was recorded)."""
        wait = self.retry_after(key, seconds)
        if wait == 0.0:
            self._last[key] = (self.clock(), self.seconds if seconds is None else seconds)
            if len(self._last) > 10_000:
                self._forget_expired()
        return wait

    def reset(self, key: Hashable) -> None:
        self._last.pop(key, None)

    def _forget_expired(self) -> None:
        now = self.clock()
        self._last = {k: (t, w) for k, (t, w) in self._last.items() if now - t < w}


class ConcurrencyLimit:
    """At most `limit` concurrent holders per key; refusing instead of queueing."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._active: dict[Hashable, int] = {}

    def active(self, key: Hashable) -> int:
        return self._active.get(key, 0)

    @contextmanager
    def hold(self, key: Hashable) -> Iterator[bool]:
        """Yields False when the key is at its limit (nothing is held then)."""
        if self._active.get(key, 0) >= self.limit:
            yield False
            return
        self._active[key] = self._active.get(key, 0) + 1
        try:
            yield True
        finally:
            self._active[key] -= 1
            if not self._active[key]:
                del self._active[key]
