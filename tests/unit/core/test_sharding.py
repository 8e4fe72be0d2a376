"""Shard lists, guild ownership, and the settings and flags that choose a process's shards."""

from __future__ import annotations

import pytest

from bot.__main__ import CliError, _with_shards, build_parser
from bot.settings import Settings, SettingsError, settings_from_mapping
from bot.sharding import ShardPlan, ShardSpecError, guild_clause, parse_shard_ids, shard_of


def test_shard_lists() -> None:
    assert parse_shard_ids("3") == (3,)
    assert parse_shard_ids("0-3") == (0, 1, 2, 3)
    assert parse_shard_ids("0,2, 5-6,2") == (0, 2, 5, 6)
    for bad in ("", "a", "3-1", "1,,2", "-1", "1-"):
        with pytest.raises(ShardSpecError):
            parse_shard_ids(bad)


def test_ownership_follows_discords_formula() -> None:
    guild = (123456 << 22) | 77  # (guild_id >> 22) % count
    assert shard_of(guild, 8) == 123456 % 8 == 0
    plan = ShardPlan(8, (0, 1, 2, 3))
    assert plan.owns(guild) and not ShardPlan(8, (4, 5, 6, 7)).owns(guild)
    assert ShardPlan().owns(guild) and ShardPlan(1).owns(guild)  # one process: every guild
    assert ShardPlan(8).mine == tuple(range(8)) and ShardPlan(8).owns(guild)
    assert ShardPlan(2, (1,)).syncs_commands is False and ShardPlan(2, (0,)).syncs_commands
    assert guild_clause(ShardPlan()) == ("", [])
    assert guild_clause(ShardPlan(4, (1, 3))) == (" AND ((guild_id >> 22) % ?) IN (?, ?)", [4, 1, 3])
    with pytest.raises(ShardSpecError, match="needs shard_count"):
        ShardPlan(None, (0,))
    with pytest.raises(ShardSpecError, match="outside 0-1"):
        ShardPlan(2, (0, 2))


def test_settings_take_a_list_or_a_range_and_check_them() -> None:
    s = settings_from_mapping({"discord": {"shard_count": 8, "shard_ids": "0-3"}})
    assert (s.discord.shard_count, s.discord.shard_ids) == (8, (0, 1, 2, 3))
    s = settings_from_mapping({"discord": {"shard_count": 8, "shard_ids": [5, 4]}})
    assert s.discord.shard_ids == (4, 5)
    with pytest.raises(SettingsError, match=r"\[discord\] shard_ids: .*outside 0-1"):
        settings_from_mapping({"discord": {"shard_count": 2, "shard_ids": "0-2"}})
    with pytest.raises(SettingsError, match=r"\[discord\] shard_ids"):
        settings_from_mapping({"discord": {"shard_ids": "x"}})


def test_run_flags_override_the_config() -> None:
    parser = build_parser()
    base = settings_from_mapping({"discord": {"shard_count": 2, "shard_ids": [0]}})
    args = parser.parse_args(["run", "--shards", "0-3", "--shard-count", "8"])
    s = _with_shards(base, args)
    assert (s.discord.shard_count, s.discord.shard_ids) == (8, (0, 1, 2, 3))
    assert _with_shards(Settings(), parser.parse_args(["run"])) == Settings()
    with pytest.raises(CliError, match="--shards"):
        _with_shards(base, parser.parse_args(["run", "--shards", "5"]))  # shard_count 2 from the config
