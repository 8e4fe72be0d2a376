"""Discord snowflakes: ids whose top bits are a millisecond timestamp.

Tests control a user's account age by choosing the id it gets, so every id the fake hands
out goes through here and stays unique and increasing for ids made "now".
"""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime

DISCORD_EPOCH_MS = 1_420_070_400_000

_increment = itertools.count()
_last_now = 0


def snowflake_at(moment: datetime) -> int:
    """A fresh id whose embedded timestamp is ``moment`` (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    ms = int(moment.timestamp() * 1000)
    if ms < DISCORD_EPOCH_MS:
        raise ValueError(f"{moment!r} is before the Discord epoch (2015-01-01)")
    # The low 22 bits hold worker/process/increment; 12 bits of increment keep ids unique per ms.
    return ((ms - DISCORD_EPOCH_MS) << 22) | (1 << 17) | (next(_increment) & 0xFFF)


def new_snowflake() -> int:
    """A fresh id for "now" that is strictly greater than every earlier call's."""
    global _last_now
    ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
    candidate = (ms << 22) | (1 << 17)
    # Ordering matters (history paging, reaction user order), so never go backwards.
    _last_now = max(candidate, _last_now + 1)
    return _last_now


def new_snowflake_on_shard(shard_id: int, shard_count: int) -> int:
    """A fresh id (as new_snowflake) that Discord would put on shard `shard_id` of `shard_count`:
    the shard is (id >> 22) % count, so the id moves on a millisecond at a time until it fits."""
    global _last_now
    snowflake = new_snowflake()
    while (snowflake >> 22) % shard_count != shard_id:
        snowflake += 1 << 22
    _last_now = max(_last_now, snowflake)
    return snowflake


def snowflake_time(snowflake: int) -> datetime:
    """The creation time embedded in an id."""
    return datetime.fromtimestamp(((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000, tz=UTC)


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 text as Discord writes timestamps."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat()


def utcnow() -> datetime:
    return datetime.now(UTC)
