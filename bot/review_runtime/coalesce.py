"""TallyCoalescer: at most one tally refresh per review per interval, and never a stale last one.

Discord allows about 5 message edits per 5 s per channel; editing the tally on every reaction
would hit that in a burst. Each review gets a small worker: the first mark after a quiet spell
refreshes at once (leading edge, or after `leading_delay`), later marks only set a dirty flag,
and while the flag is set the worker refreshes again `interval` seconds after the previous
refresh began. Marks arriving during a refresh set the flag again, so the final state is always
rendered (trailing edge). 500 reactions in 5 s give about four refreshes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass
class _ReviewState:
    dirty: bool = False
    last_started: float | None = None
    worker: asyncio.Task[None] | None = None


class TallyCoalescer:
    def __init__(
        self,
        refresh: Callable[[int], Awaitable[None]],
        *,
        interval: float = 2.0,
        leading_delay: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._refresh = refresh
        self.interval = interval
        self.leading_delay = leading_delay
        self._clock = clock
        self._sleep = sleep
        self._states: dict[int, _ReviewState] = {}
        self._closed = False

    def mark_dirty(self, review_id: int) -> None:
        if self._closed:
            return
        state = self._states.setdefault(review_id, _ReviewState())
        state.dirty = True
        if state.worker is None:
            state.worker = asyncio.get_running_loop().create_task(
                self._work(review_id, state), name=f"tally-refresh-{review_id}"
            )

    def mark_many(self, review_ids: set[int]) -> None:
        """Shaped for VoteIngestor's on_changed callback."""
        for review_id in review_ids:
            self.mark_dirty(review_id)

    def is_pending(self, review_id: int) -> bool:
        state = self._states.get(review_id)
        return state is not None and (state.dirty or state.worker is not None)

    def remembers(self, review_id: int) -> bool:
        return review_id in self._states

    def forget(self, review_id: int) -> None:
        """Drop a closed review: cancel its pending refresh (the close renders the final state)."""
        state = self._states.pop(review_id, None)
        if state is not None and state.worker is not None:
            state.worker.cancel()

    async def _work(self, review_id: int, state: _ReviewState) -> None:
        try:
            while state.dirty:
                if state.last_started is None:
                    wait = self.leading_delay
                else:
                    wait = max(self.leading_delay, state.last_started + self.interval - self._clock())
                if wait > 0:
                    await self._sleep(wait)
                state.dirty = False
                state.last_started = self._clock()
                try:
                    await self._refresh(review_id)
                except asyncio.CancelledError:
                    state.dirty = True  # not rendered: a flushing close must still do it
                    raise
                except Exception:
                    log.exception("refreshing the tally of review %s failed", review_id)
        finally:
            state.worker = None

    async def close(self, *, flush: bool = True) -> None:
        """Stop; with flush, pending refreshes run now (without waiting out the interval)."""
        self._closed = True
        states = list(self._states.items())
        for _, state in states:
            if state.worker is not None:
                state.worker.cancel()
        await asyncio.gather(*(s.worker for _, s in states if s.worker is not None), return_exceptions=True)
        if flush:
            for review_id, state in states:
                if state.dirty:
                    state.dirty = False
                    try:
                        await self._refresh(review_id)
                    except Exception:
                        log.exception("final tally refresh of review %s failed", review_id)
        self._states.clear()
