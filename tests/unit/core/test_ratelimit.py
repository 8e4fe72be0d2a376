"""Cooldowns and concurrency bounds, with time passed in."""

from __future__ import annotations

from bot.ratelimit import ConcurrencyLimit, Cooldown


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_cooldown_uses_the_window_a_call_passes() -> None:
    clock = Clock()
    cooldown = Cooldown(20, clock)
    assert cooldown.hit(("guild", 1), 300) == 0
    clock.now += 100
    assert cooldown.hit(("guild", 1), 300) == 200
    assert cooldown.hit(("guild", 2)) == 0  # the default window for a key that passes none
    clock.now += 20
    assert cooldown.hit(("guild", 2)) == 0
    cooldown.reset(("guild", 1))
    assert cooldown.hit(("guild", 1), 300) == 0


def test_cleanup_keeps_a_key_for_its_own_window_not_the_default() -> None:
    clock = Clock()
    cooldown = Cooldown(20, clock)
    assert cooldown.hit("slow guild member", 300) == 0
    clock.now += 60  # past the default window, inside the guild's
    for key in range(10_001):  # enough keys to trigger the clean-up
        cooldown.hit(key)
    assert cooldown.retry_after("slow guild member", 300) == 240


def test_concurrency_limit_refuses_past_the_limit_and_frees_on_exit() -> None:
    limit = ConcurrencyLimit(1)
    with limit.hold("g") as first:
        assert first
        with limit.hold("g") as second:
            assert not second
        assert limit.active("g") == 1
    assert limit.active("g") == 0
