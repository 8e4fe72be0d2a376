"""The fuzz profiles, the active one (HYPOTHESIS_PROFILE) and a generous per-example time guard."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from hypothesis import HealthCheck, settings

# (examples, derandomize): the suite's default run tests the same examples every time, so CI on a
# clean clone never goes red by chance; the long run draws new ones on every run to hunt for bugs.
PROFILES = {"fuzz-ci": (50, True), "long": (2_000, False)}


def register_profiles() -> None:
    for name, (examples, derandomize) in PROFILES.items():
        settings.register_profile(
            name,
            max_examples=examples,
            derandomize=derandomize,
            # Analysis time depends on the machine; hangs are caught by `within_budget` instead.
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
            print_blob=True,
        )


register_profiles()
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "fuzz-ci")
if PROFILE not in PROFILES:
    PROFILE = "fuzz-ci"


def fuzz_settings(**overrides: object) -> settings:
    """Settings for one fuzz test: the active profile; `max_examples` overrides apply to CI only."""
    if PROFILE == "long":
        overrides.pop("max_examples", None)
    return settings(settings.get_profile(PROFILE), **overrides)  # type: ignore[arg-type]


# Far above any real page (the bot's own limit is 10 s on a busy server): this only catches hangs.
EXAMPLE_BUDGET_SECONDS = 30.0


@contextmanager
def within_budget(what: str) -> Iterator[None]:
    started = time.monotonic()
    yield
    elapsed = time.monotonic() - started
    assert elapsed < EXAMPLE_BUDGET_SECONDS, f"{what} took {elapsed:.1f}s (budget {EXAMPLE_BUDGET_SECONDS}s)"
