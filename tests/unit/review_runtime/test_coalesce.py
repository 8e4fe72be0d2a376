from __future__ import annotations

import asyncio

from bot.review_runtime.coalesce import TallyCoalescer


class FakeTime:
    """A clock that only moves when the test says so; sleepers wake when it passes their time."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future = asyncio.get_running_loop().create_future()
        self._sleepers.append((self.now + seconds, future))
        await future

    async def settle(self) -> None:
        for _ in range(10):
            await asyncio.sleep(0)

    async def advance(self, seconds: float, step: float = 0.01) -> None:
        end = self.now + seconds
        while self.now < end - 1e-9:
            self.now = min(end, self.now + step)
            for wake_at, future in list(self._sleepers):
                if wake_at <= self.now + 1e-9 and not future.done():
                    future.set_result(None)
                    self._sleepers.remove((wake_at, future))
            await self.settle()


async def test_storm_of_marks_gives_few_refreshes_and_renders_the_final_state() -> None:
    t = FakeTime()
    state = {"version": 0}
    rendered: list[tuple[float, int]] = []

    async def refresh(review_id: int) -> None:
        rendered.append((t.now, state["version"]))

    co = TallyCoalescer(refresh, interval=2.0, clock=t.clock, sleep=t.sleep)
    for i in range(500):  # 500 reactions over 5 s
        state["version"] = i + 1
        co.mark_dirty(7)
        await t.settle()
        await t.advance(0.01)
    await t.advance(5.0)
    times = [at for at, _ in rendered]
    assert times[0] == 0.0  # leading edge: the first vote shows at once
    assert 3 <= len(rendered) <= 5
    assert all(b - a >= 2.0 - 1e-9 for a, b in zip(times, times[1:], strict=False))
    assert rendered[-1][1] == 500  # trailing edge: the last vote is rendered
    assert not co.is_pending(7)


async def test_marks_during_a_refresh_trigger_one_more_and_reviews_are_independent() -> None:
    t = FakeTime()
    calls: list[tuple[int, float]] = []
    gate = asyncio.Event()

    async def refresh(review_id: int) -> None:
        calls.append((review_id, round(t.now, 6)))
        if review_id == 1 and len(calls) == 1:
            await gate.wait()

    co = TallyCoalescer(refresh, interval=2.0, clock=t.clock, sleep=t.sleep)
    co.mark_dirty(1)
    await t.settle()
    co.mark_dirty(1)  # while the first refresh is still running
    co.mark_dirty(2)
    await t.settle()
    gate.set()
    await t.advance(3.0)
    assert [c for c in calls if c[0] == 1] == [(1, 0.0), (1, 2.0)]
    assert [c for c in calls if c[0] == 2] == [(2, 0.0)]


async def test_failing_refresh_is_logged_and_later_marks_still_refresh(caplog) -> None:
    t = FakeTime()
    calls = []

    async def refresh(review_id: int) -> None:
        calls.append(round(t.now, 6))
        if len(calls) == 1:
            raise RuntimeError("discord said no")

    co = TallyCoalescer(refresh, interval=2.0, clock=t.clock, sleep=t.sleep)
    co.mark_dirty(1)
    await t.settle()
    await t.advance(0.5)
    co.mark_dirty(1)
    await t.advance(3.0)
    assert calls == [0.0, 2.0]
    assert "refreshing the tally of review 1 failed" in caplog.text


async def test_close_flushes_pending_refreshes() -> None:
    t = FakeTime()
    calls = []

    async def refresh(review_id: int) -> None:
        calls.append(review_id)

    co = TallyCoalescer(refresh, interval=2.0, clock=t.clock, sleep=t.sleep)
    co.mark_dirty(1)
    await t.settle()
    co.mark_dirty(1)  # waits for the interval
    await t.settle()
    await co.close()
    assert calls == [1, 1]
    co.mark_dirty(1)  # closed: ignored
    await t.settle()
    assert calls == [1, 1]
