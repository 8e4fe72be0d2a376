"""Which shards this process runs, and so which guilds' background work is its own.

Discord puts a guild on shard `(guild_id >> 22) % shard_count`. Several processes share one
PostgreSQL database, each running some shards; each guild's background work (deadlines,
purges, reconciliation) is done by the one process holding its shard, so nothing runs twice and
no distributed lock is needed for it.
"""

from __future__ import annotations

from dataclasses import dataclass


class ShardSpecError(ValueError):
    """A shard list or count that cannot be: the message says what is allowed."""


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord delivers this guild's events on."""
    return (guild_id >> 22) % shard_count


def parse_shard_ids(text: str) -> tuple[int, ...]:
    """`"3"`, a range `"0-3"`, or a comma list `"0,2,5"` (ranges allowed inside) → sorted ids."""
    ids: set[int] = set()
    for part in str(text).split(","):
        part = part.strip()
        if not part:
            raise ShardSpecError(f"shard list {text!r}: an empty item")
        low, sep, high = part.partition("-")
        if not low.strip().isdigit() or (sep and not high.strip().isdigit()):
            raise ShardSpecError(f"shard list {text!r}: {part!r} is not a shard id or a range like 0-3")
        first, last = int(low), int(high) if sep else int(low)
        if last < first:
            raise ShardSpecError(f"shard list {text!r}: the range {part!r} runs backwards")
        ids.update(range(first, last + 1))
    return tuple(sorted(ids))


@dataclass(frozen=True)
class ShardPlan:
    """shard_count None: one process runs every shard (discord.py's default, as before)."""

    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if self.shard_count is not None and self.shard_count < 1:
            raise ShardSpecError("shard_count must be at least 1")
        if self.shard_ids is not None:
            if self.shard_count is None:
                raise ShardSpecError("shard_ids needs shard_count (how many shards there are in all)")
            if not self.shard_ids:
                raise ShardSpecError("shard_ids is empty")
            outside = [i for i in self.shard_ids if not 0 <= i < self.shard_count]
            if outside:
                raise ShardSpecError(
                    f"shard ids {outside} are outside 0-{self.shard_count - 1} (shard_count {self.shard_count})"
                )

    @property
    def sharded(self) -> bool:
        return self.shard_count is not None and self.shard_count > 1

    @property
    def mine(self) -> tuple[int, ...]:
        if self.shard_count is None:
            return (0,)
        return self.shard_ids if self.shard_ids is not None else tuple(range(self.shard_count))

    def owns(self, guild_id: int) -> bool:
        """Whether this process does the guild's background work."""
        if self.shard_count is None or self.shard_count == 1:
            return True
        return shard_of(guild_id, self.shard_count) in self.mine

    @property
    def syncs_commands(self) -> bool:
        """Commands are synced once, by the process holding shard 0."""
        return 0 in self.mine

    def describe(self) -> str:
        if self.shard_count is None:
            return "every shard"
        return f"shards {','.join(map(str, self.mine))} of {self.shard_count}"


def guild_clause(plan: ShardPlan | None, column: str = "guild_id") -> tuple[str, list[int]]:
    """SQL (` AND …`, with its parameters) keeping the rows of this process's guilds, for the
    cross-guild reads of background work. Empty when one process runs every shard. Both engines
    compute `>>` and `%` on 64-bit integers alike. `column` is a constant of the caller."""
    if plan is None or not plan.sharded:
        return "", []
    assert plan.shard_count is not None
    marks = ", ".join("?" for _ in plan.mine)
    return f" AND (({column} >> 22) % ?) IN ({marks})", [plan.shard_count, *plan.mine]
