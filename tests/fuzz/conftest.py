"""Hypothesis profiles for the fuzz tests, registered here (see profiles.py for their values).

"fuzz-ci" (the default) keeps the whole folder well under 30 s and tests the same examples on every
run; `HYPOTHESIS_PROFILE=long` runs many more, new ones each time, by hand:
    HYPOTHESIS_PROFILE=long python -m pytest tests/fuzz
The profiles are applied per test through `fuzz_settings`, never loaded globally, so the rest of the
suite keeps its own Hypothesis settings (repeatable too, see tests/conftest.py).
"""

from __future__ import annotations

from tests.fuzz.profiles import register_profiles

register_profiles()
