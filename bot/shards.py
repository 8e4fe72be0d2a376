"""Which shards a process runs, and which guilds are therefore its own. Pure: no discord.py.

Discord puts a guild on shard ``(guild_id >> 22) % shard_count``; every event of that guild
arrives only on that shard's connection. A process that runs some of the shards is therefore the
only one that sees its guilds, and it is the one that must do their background work (deadlines,
reconciliation, audits, watches, purges): nothing runs twice and no distributed lock is needed.
"""

from __future__ import annotations

from dataclasses import dataclass

# Discord's ceiling is far lower in practice; this only catches a typo such as 80000 for 8.
MAX_SHARD_COUNT = 65_536


class ShardSpecError(ValueError):
    """A shard list or count that cannot be used; the message says what is wrong, not where."""


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord delivers ``guild_id``'s events on."""
    return (guild_id >> 22) % shard_count


def owns_guild(guild_id: int, shard_ids: tuple[int, ...] | None, shard_count: int | None) -> bool:
    """Whether a process running ``shard_ids`` of ``shard_count`` is the one for this guild.

    No count means one unsharded process, which owns everything; a count without ids means this
    process runs every shard (discord.py then launches all of them), so it owns everything too.
    """
    if shard_count is None or shard_ids is None:
        return True
    return shard_of(guild_id, shard_count) in shard_ids


def identify_bucket(shard_id: int, max_concurrency: int) -> int:
    """Discord's identify rate-limit bucket of a shard: one IDENTIFY per bucket per 5 seconds."""
    return shard_id % max(1, max_concurrency)


def parse_shard_ids(text: str) -> tuple[int, ...]:
    """``"3"``, ``"0-3"`` or ``"0,2,5-7"`` into sorted, distinct shard ids."""
    ids: list[int] = []
    parts = [part.strip() for part in text.split(",")]
    if not text.strip() or any(not part for part in parts):
        raise ShardSpecError(f"expected a shard id, a range like 0-3 or a comma list, got {text!r}")
    for part in parts:
        low_text, dash, high_text = part.partition("-")
        low = _shard_number(low_text, text)
        high = _shard_number(high_text, text) if dash else low
        if high < low:
            raise ShardSpecError(f"the range {part} runs backwards; write it as {high}-{low}")
        ids.extend(range(low, high + 1))
    return checked_shard_ids(ids)


def _shard_number(part: str, whole: str) -> int:
    part = part.strip()
    if not part.isascii() or not part.isdigit():
        raise ShardSpecError(f"expected a shard id, a range like 0-3 or a comma list, got {whole!r}")
    return int(part)


def checked_shard_ids(ids: list[int] | tuple[int, ...]) -> tuple[int, ...]:
    """Sorted ids; duplicates are an error because they usually mean a mistyped range."""
    if not ids:
        raise ShardSpecError("the shard list is empty")
    if any(isinstance(i, bool) or not isinstance(i, int) or i < 0 for i in ids):
        raise ShardSpecError(f"shard ids are whole numbers from 0, got {list(ids)!r}")
    if len(set(ids)) != len(ids):
        raise ShardSpecError(f"a shard id is listed twice in {list(ids)!r}")
    return tuple(sorted(ids))


def check_shard_count(count: int) -> int:
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_SHARD_COUNT:
        raise ShardSpecError(f"the shard count must be a whole number from 1 to {MAX_SHARD_COUNT}, got {count!r}")
    return count


@dataclass(frozen=True)
class ShardPlan:
    """The shards this process runs. ``shard_ids`` None: every shard of ``shard_count``."""

    shard_count: int
    shard_ids: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        check_shard_count(self.shard_count)
        if self.shard_ids is not None:
            checked_shard_ids(self.shard_ids)
            beyond = [i for i in self.shard_ids if i >= self.shard_count]
            if beyond:
                raise ShardSpecError(
                    f"shard ids run from 0 to {self.shard_count - 1} with a shard count of {self.shard_count}, "
                    f"got {', '.join(map(str, beyond))}"
                )

    @property
    def ids(self) -> tuple[int, ...]:
        """The ids this process runs, spelled out."""
        return self.shard_ids if self.shard_ids is not None else tuple(range(self.shard_count))

    def owns_guild(self, guild_id: int) -> bool:
        return shard_of(guild_id, self.shard_count) in self.ids

    @property
    def runs_shard_zero(self) -> bool:
        """The process with shard 0 syncs the commands: exactly one process has it."""
        return 0 in self.ids

    def describe(self) -> str:
        ids = self.ids
        contiguous = ids == tuple(range(ids[0], ids[-1] + 1))
        shown = f"{ids[0]}-{ids[-1]}" if contiguous and len(ids) > 1 else ",".join(map(str, ids))
        return f"shards {shown} of {self.shard_count}"


def plan_from(shard_ids: tuple[int, ...] | None, shard_count: int | None) -> ShardPlan | None:
    """The plan for configured values; None (one unsharded process) when neither is set."""
    if shard_count is None:
        if shard_ids is not None:
            raise ShardSpecError("shard ids need a shard count: the total number of shards of the bot")
        return None
    return ShardPlan(shard_count=shard_count, shard_ids=shard_ids)
