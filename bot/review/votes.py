"""Vote events, the write operations they turn into, and the tally read back from storage.

The rule of one vote per member per factor, and what a removed reaction means, lives in
`apply_event` (the sequential model) and `collapse_events` (the same rule over a batch).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from bot.review.factors import FACTOR_IDS, Choice

VoteKind = Literal["add", "remove"]


@dataclass(frozen=True)
class VoteKey:
    review_id: int
    factor: str
    member_id: int


@dataclass(frozen=True)
class VoteEvent:
    """A reaction added or removed on a factor message, already mapped to a choice."""

    kind: VoteKind
    guild_id: int
    review_id: int
    factor: str
    member_id: int
    choice: Choice
    at: float  # unix seconds when the event was seen

    @property
    def key(self) -> VoteKey:
        return VoteKey(self.review_id, self.factor, self.member_id)


@dataclass(frozen=True)
class VoteRow:
    guild_id: int
    review_id: int
    factor: str
    member_id: int
    choice: Choice
    voted_at: float

    @property
    def key(self) -> VoteKey:
        return VoteKey(self.review_id, self.factor, self.member_id)


@dataclass(frozen=True)
class GuildKey:
    guild_id: int
    key: VoteKey


@dataclass(frozen=True)
class VoteOps:
    """Writes to apply in one transaction. Every one is refused by SQL unless the review is open.

    - upserts: set the member's choice whatever was stored.
    - inserts_if_absent: store a choice only where the member has none (reconciliation).
    - replaces: (row, old) — change the choice only if the stored one is still `old`.
    - deletes: withdraw the member's vote whatever it is.
    - deletes_if: (key, choice) — withdraw only if the stored choice is `choice`; removing a
      reaction that is not the member's current vote (the bot's clean-up of a superseded
      reaction) must leave the current vote alone.
    Each key appears in at most one of upserts / inserts_if_absent / replaces / deletes, so the
    order in which the kinds run does not matter; several deletes_if for one key never conflict.
    """

    upserts: tuple[VoteRow, ...] = ()
    inserts_if_absent: tuple[VoteRow, ...] = ()
    replaces: tuple[tuple[VoteRow, Choice], ...] = ()
    deletes: tuple[GuildKey, ...] = ()
    deletes_if: tuple[tuple[GuildKey, Choice], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.upserts or self.inserts_if_absent or self.replaces or self.deletes or self.deletes_if)

    def review_ids(self) -> set[int]:
        ids = {r.review_id for r in self.upserts} | {r.review_id for r in self.inserts_if_absent}
        ids |= {r.review_id for r, _ in self.replaces} | {g.key.review_id for g in self.deletes}
        ids |= {g.key.review_id for g, _ in self.deletes_if}
        return ids


def apply_event(state: dict[VoteKey, Choice], event: VoteEvent) -> None:
    """The sequential model: what one event does to the stored votes."""
    if event.kind == "add":
        state[event.key] = event.choice
    elif state.get(event.key) == event.choice:
        del state[event.key]


def collapse_events(events: Iterable[VoteEvent]) -> VoteOps:
    """Turn a batch of events, in arrival order, into at most one write per key (plus conditional
    deletes), with exactly the effect of applying the events one by one with `apply_event`.

    Per key, starting from an unknown stored choice S:
    - once an `add` is seen, the state is known; later events act on it, and the batch ends as an
      upsert of the known choice or an unconditional delete;
    - removes before any add only delete when S is the removed choice, so they stay conditional.
    """
    known: dict[VoteKey, tuple[Choice | None, VoteEvent]] = {}
    pending_removes: dict[VoteKey, dict[Choice, VoteEvent]] = {}
    for ev in events:
        key = ev.key
        if ev.kind == "add":
            known[key] = (ev.choice, ev)
            continue
        if key in known:
            current, last = known[key]
            if current == ev.choice:
                known[key] = (None, ev)
            continue
        pending_removes.setdefault(key, {})[ev.choice] = ev

    upserts: list[VoteRow] = []
    deletes: list[GuildKey] = []
    deletes_if: list[tuple[GuildKey, Choice]] = []
    for key, (choice, ev) in known.items():
        if choice is None:
            deletes.append(GuildKey(ev.guild_id, key))
        else:
            upserts.append(VoteRow(ev.guild_id, key.review_id, key.factor, key.member_id, choice, ev.at))
    for key, removed in pending_removes.items():
        if key in known:
            # A later add decided the outcome; the earlier conditional removes no longer matter.
            continue
        for choice, ev in removed.items():
            deletes_if.append((GuildKey(ev.guild_id, key), choice))
    return VoteOps(upserts=tuple(upserts), deletes=tuple(deletes), deletes_if=tuple(deletes_if))


def _empty_counts() -> dict[str, dict[Choice, int]]:
    return {f: {c: 0 for c in Choice} for f in FACTOR_IDS}


@dataclass(frozen=True)
class Tally:
    """Votes per factor and choice for one review, always read back from stored votes."""

    review_id: int
    counts: Mapping[str, Mapping[Choice, int]] = field(default_factory=_empty_counts)

    def count(self, factor_id: str, choice: Choice) -> int:
        return self.counts.get(factor_id, {}).get(choice, 0)

    def total(self, factor_id: str) -> int:
        return sum(self.counts.get(factor_id, {}).values())

    @property
    def total_votes(self) -> int:
        return sum(self.total(f) for f in self.counts)

    @classmethod
    def from_rows(cls, review_id: int, rows: Iterable[tuple[str, str, int]]) -> Tally:
        """From (factor, choice, count) rows; unknown factors are kept so nothing is hidden."""
        counts = _empty_counts()
        for factor_id, choice, n in rows:
            counts.setdefault(factor_id, {c: 0 for c in Choice})[Choice(choice)] = int(n)
        return cls(review_id, counts)

    def to_dict(self) -> dict[str, dict[str, int]]:
        return {f: {c.value: n for c, n in per.items()} for f, per in self.counts.items()}
