"""Batched writes must equal applying the same events one by one (the sequential model)."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.review.factors import Choice
from bot.review.votes import VoteEvent, VoteKey, VoteOps, apply_event, collapse_events
from bot.storage.database import Database
from bot.storage.votes import VotesRepo
from tests.unit.storage.helpers import apply_votes, open_review

G, U, B = Choice.GOOD, Choice.UNSURE, Choice.BAD


def model_apply_ops(state: dict[VoteKey, Choice], ops: VoteOps) -> None:
    """What the SQL statements do, as plain Python (used to check collapse without a database)."""
    for g in ops.deletes:
        state.pop(g.key, None)
    for g, c in ops.deletes_if:
        if state.get(g.key) == c:
            del state[g.key]
    for r in ops.upserts:
        state[r.key] = r.choice
    for r in ops.inserts_if_absent:
        state.setdefault(r.key, r.choice)
    for r, old in ops.replaces:
        if state.get(r.key) == old:
            state[r.key] = r.choice


def ev(kind: str, member: int, choice: Choice, factor: str = "overall", review_id: int = 1) -> VoteEvent:
    return VoteEvent(kind, 1, review_id, factor, member, choice, 0.0)  # type: ignore[arg-type]


events_st = st.lists(
    st.builds(
        ev,
        st.sampled_from(["add", "remove"]),
        st.integers(1, 3),
        st.sampled_from(list(Choice)),
        st.sampled_from(["overall", "relevance"]),
    ),
    max_size=40,
)
initial_st = st.dictionaries(
    st.builds(lambda m, f: VoteKey(1, f, m), st.integers(1, 3), st.sampled_from(["overall", "relevance"])),
    st.sampled_from(list(Choice)),
)
cuts_st = st.lists(st.integers(0, 40), max_size=5)


def split(events: list[VoteEvent], cuts: list[int]) -> list[list[VoteEvent]]:
    points = sorted({c for c in cuts if 0 < c < len(events)})
    bounds = [0, *points, len(events)]
    return [events[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def test_examples_by_hand() -> None:
    cases = [
        # (initial, events, expected)
        ({}, [ev("add", 1, G), ev("add", 1, B), ev("remove", 1, G)], {1: B}),  # switch + clean-up
        ({}, [ev("add", 1, G), ev("remove", 1, G)], {}),
        ({1: B}, [ev("remove", 1, G)], {1: B}),  # not the current vote: kept
        ({1: B}, [ev("remove", 1, G), ev("remove", 1, B)], {}),
        ({1: G}, [ev("remove", 1, G), ev("add", 1, U)], {1: U}),
        ({1: G}, [ev("add", 1, B), ev("remove", 1, G), ev("remove", 1, B), ev("remove", 1, U)], {}),
        # Out of order: the clean-up's remove arrives before the add that superseded it.
        ({1: G}, [ev("remove", 1, G), ev("add", 1, B)], {1: B}),
    ]
    for initial, events, expected in cases:
        state = {VoteKey(1, "overall", m): c for m, c in initial.items()}
        model_apply_ops(state, collapse_events(events))
        assert {k.member_id: c for k, c in state.items()} == expected, events


@given(initial=initial_st, events=events_st, cuts=cuts_st)
@settings(max_examples=400, deadline=None)
def test_batched_equals_sequential_model(initial, events, cuts) -> None:
    sequential = dict(initial)
    for e in events:
        apply_event(sequential, e)
    batched = dict(initial)
    for part in split(events, cuts):
        ops = collapse_events(part)
        model_apply_ops(batched, ops)
        keys = [r.key for r in ops.upserts] + [g.key for g in ops.deletes]
        assert len(keys) == len(set(keys))  # at most one unconditional write per key
    assert batched == sequential


@given(initial=initial_st, events=events_st, cuts=cuts_st)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_batched_equals_sequential_in_sqlite(initial, events, cuts) -> None:
    """The same property through the real SQL statements and a real SQLite file."""

    async def run(path: Path) -> dict[VoteKey, Choice]:
        db = await Database.open(path)
        try:
            review = await open_review(db)
            assert review.id == 1
            repo = VotesRepo(db)
            await apply_votes(
                db,
                collapse_events([VoteEvent("add", 1, 1, k.factor, k.member_id, c, 0.0) for k, c in initial.items()])
            )
            for part in split(events, cuts):
                await apply_votes(db, collapse_events(part))
            return {VoteKey(v.review_id, v.factor, v.member_id): v.choice for v in await repo.votes_for_review(1, 1)}
        finally:
            await db.close()

    sequential = dict(initial)
    for e in events:
        apply_event(sequential, e)
    with tempfile.TemporaryDirectory() as tmp:
        assert asyncio.run(run(Path(tmp) / "p.sqlite3")) == sequential
