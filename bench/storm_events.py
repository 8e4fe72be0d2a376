"""A reproducible storm of vote events: members voting, switching and withdrawing on every factor.

Shared by bench/vote_ingest_floor.py and the fake-gateway storm, so both replay the same storm
and can check the final tally against `expected_votes`.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence

from bot.review.factors import FACTOR_IDS, Choice
from bot.review.votes import VoteEvent, VoteKey, apply_event


def storm_events(
    review_id: int,
    guild_id: int,
    *,
    members: int = 200,
    factors: Sequence[str] = FACTOR_IDS,
    seed: int = 42,
    first_member_id: int = 1_000,
    start: float = 0.0,
    duration: float = 10.0,
) -> list[VoteEvent]:
    """Events in arrival order. Per (member, factor): a vote; often a switch (the new reaction,
    then the removal of the superseded one, as the bot's clean-up produces); sometimes a
    withdrawal, sometimes a vote again after it. Keys interleave; each key's order is kept."""
    rng = random.Random(seed)
    timed: list[tuple[float, int, VoteEvent]] = []
    seq = 0
    for m in range(members):
        member_id = first_member_id + m
        for factor_id in factors:
            script: list[tuple[str, Choice]] = []
            current = rng.choice(list(Choice))
            script.append(("add", current))
            if rng.random() < 0.5:
                new = rng.choice([c for c in Choice if c != current])
                script += [("add", new), ("remove", current)]
                current = new
            if rng.random() < 0.2:
                script.append(("remove", current))
                if rng.random() < 0.5:
                    script.append(("add", rng.choice(list(Choice))))
            times = sorted(rng.uniform(start, start + duration) for _ in script)
            for at, (kind, choice) in zip(times, script, strict=True):
                event = VoteEvent(kind, guild_id, review_id, factor_id, member_id, choice, at)  # type: ignore[arg-type]
                timed.append((at, seq, event))
                seq += 1
    timed.sort()
    return [event for _, _, event in timed]


def expected_votes(events: Sequence[VoteEvent]) -> dict[VoteKey, Choice]:
    state: dict[VoteKey, Choice] = {}
    for event in events:
        apply_event(state, event)
    return state


def expected_tally(events: Sequence[VoteEvent]) -> dict[str, dict[str, int]]:
    counts = Counter((key.factor, choice.value) for key, choice in expected_votes(events).items())
    return {f: {c.value: counts[(f, c.value)] for c in Choice} for f in FACTOR_IDS}


def switch_removals(events: Sequence[VoteEvent]) -> set[int]:
    """Indexes of the removals that only take back a superseded reaction (a switch's second half):
    left out when the bot's own paced clean-up is to remove those reactions instead."""
    current: dict[tuple[str, int], Choice] = {}
    found: set[int] = set()
    for i, event in enumerate(events):
        key = (event.factor, event.member_id)
        if event.kind == "add":
            current[key] = event.choice
        elif current.get(key) != event.choice:
            found.add(i)
        else:
            del current[key]
    return found
