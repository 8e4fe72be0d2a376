"""bot/shards.py alone (parsing, the ownership rule, buckets), then its use by the settings and
the command line."""

from __future__ import annotations

import signal

import pytest

from bot.__main__ import _with_shard_flags, build_parser, main
from bot.settings import Settings, SettingsError, settings_from_mapping
from bot.shards import (
    ShardPlan,
    ShardSpecError,
    identify_bucket,
    owns_guild,
    parse_shard_ids,
    plan_from,
    shard_of,
)

# Real-looking guild ids: the shard is the id's millisecond timestamp modulo the count.
GUILD_ON_0_OF_2 = (1_700_000_000_000 << 22) | 12345
GUILD_ON_1_OF_2 = (1_700_000_000_001 << 22) | 12345


@pytest.mark.parametrize(
    ("text", "ids"),
    [("3", (3,)), ("0-3", (0, 1, 2, 3)), ("0, 2,5-6", (0, 2, 5, 6)), ("4-4", (4,)), (" 7 ", (7,))],
)
def test_shard_ids_parse(text, ids):
    assert parse_shard_ids(text) == ids


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "expected a shard id"),
        ("a", "expected a shard id"),
        ("-1", "expected a shard id"),
        ("1,,2", "expected a shard id"),
        ("3-1", "runs backwards; write it as 1-3"),
        ("0-2,2", "listed twice"),
        ("0-", "expected a shard id"),
        ("\u00b2", "expected a shard id"),
    ],
)
def test_bad_shard_ids_say_why(text, message):
    with pytest.raises(ShardSpecError, match=message):
        parse_shard_ids(text)


def test_a_guild_belongs_to_exactly_one_shard():
    assert shard_of(GUILD_ON_0_OF_2, 2) == 0 and shard_of(GUILD_ON_1_OF_2, 2) == 1
    for guild_id in (GUILD_ON_0_OF_2, GUILD_ON_1_OF_2, 81384788765712384):
        owners = [s for s in range(8) if owns_guild(guild_id, (s,), 8)]
        assert owners == [shard_of(guild_id, 8)]
    assert owns_guild(GUILD_ON_1_OF_2, (0, 1), 2)
    assert not owns_guild(GUILD_ON_1_OF_2, (0,), 2)


def test_an_unsharded_process_or_one_with_every_shard_owns_everything():
    assert owns_guild(GUILD_ON_1_OF_2, None, None)
    assert owns_guild(GUILD_ON_1_OF_2, None, 2)
    assert ShardPlan(2).owns_guild(GUILD_ON_1_OF_2) and ShardPlan(2).ids == (0, 1)


def test_identify_buckets_follow_max_concurrency():
    assert [identify_bucket(s, 1) for s in range(4)] == [0, 0, 0, 0]
    assert [identify_bucket(s, 16) for s in (0, 15, 16, 17)] == [0, 15, 0, 1]
    assert identify_bucket(5, 0) == 0  # a bogus limit is read as one at a time


def test_a_plan_checks_its_ids_against_the_count():
    with pytest.raises(ShardSpecError, match="run from 0 to 1 with a shard count of 2, got 2, 3"):
        ShardPlan(2, (1, 2, 3))
    with pytest.raises(ShardSpecError, match="from 1 to"):
        ShardPlan(0)
    with pytest.raises(ShardSpecError, match="need a shard count"):
        plan_from((0,), None)
    assert plan_from(None, None) is None
    assert ShardPlan(8, (0, 1, 2, 3)).describe() == "shards 0-3 of 8"
    assert ShardPlan(8, (1, 5)).describe() == "shards 1,5 of 8"
    assert ShardPlan(8, (0, 1)).runs_shard_zero and not ShardPlan(8, (1,)).runs_shard_zero


# -- settings ------------------------------------------------------------------------------------


def test_settings_take_a_list_or_a_range_string():
    listed = settings_from_mapping({"discord": {"shard_count": 4, "shard_ids": [3, 1]}})
    assert listed.discord.shard_ids == (1, 3) and listed.shard_plan == ShardPlan(4, (1, 3))
    ranged = settings_from_mapping({"discord": {"shard_count": 8, "shard_ids": "0-3"}})
    assert ranged.discord.shard_ids == (0, 1, 2, 3)
    assert settings_from_mapping({"discord": {"shard_count": 2}}).shard_plan == ShardPlan(2)
    assert Settings().shard_plan is None


@pytest.mark.parametrize(
    ("discord", "message"),
    [
        ({"shard_count": 0}, "[discord] shard_count: the shard count must be a whole number from 1"),
        ({"shard_count": "2"}, "[discord] shard_count: the shard count must be a whole number"),
        ({"shard_count": True}, "[discord] shard_count"),
        ({"shard_count": 2, "shard_ids": "0-x"}, "[discord] shard_ids: expected a shard id"),
        ({"shard_count": 2, "shard_ids": 1}, '[discord] shard_ids: must be a list like [0, 1] or a range string'),
        ({"shard_count": 2, "shard_ids": [0, 0]}, "[discord] shard_ids: a shard id is listed twice"),
        ({"shard_count": 2, "shard_ids": [-1]}, "[discord] shard_ids: shard ids are whole numbers from 0"),
        ({"shard_count": 2, "shard_ids": []}, "[discord] shard_ids: the shard list is empty"),
        ({"shard_count": 2, "shard_ids": [2]}, "[discord] shard_ids: shard ids run from 0 to 1"),
        ({"shard_ids": [0]}, "[discord] shard_ids: shard ids need a shard count"),
    ],
)
def test_bad_shard_settings_name_the_key(discord, message):
    with pytest.raises(SettingsError) as info:
        settings_from_mapping({"discord": discord})
    assert message in str(info.value)


# -- command line --------------------------------------------------------------------------------


def _flags(*argv: str):
    return build_parser().parse_args(["run", *argv])


def test_run_flags_override_the_config():
    configured = settings_from_mapping({"discord": {"shard_count": 2, "shard_ids": [0]}})
    assert _with_shard_flags(configured, _flags()).shard_plan == ShardPlan(2, (0,))
    assert _with_shard_flags(configured, _flags("--shards", "1")).shard_plan == ShardPlan(2, (1,))
    both = _with_shard_flags(configured, _flags("--shards", "0-3", "--shard-count", "8"))
    assert both.shard_plan == ShardPlan(8, (0, 1, 2, 3))
    assert _with_shard_flags(Settings(), _flags("--shard-count", "4")).shard_plan == ShardPlan(4)
    assert _with_shard_flags(Settings(), _flags("--shards", "2,5", "--shard-count", "6")).discord.shard_ids == (2, 5)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--shards", "1-x", "--shard-count", "2"], "argument --shards: expected a shard id"),
        (["--shards", "1", "--shard-count", "two"], "argument --shard-count: expected a whole number, got 'two'"),
        (["--shards", "1", "--shard-count", "0"], "argument --shard-count: the shard count must be"),
        (["--shards", "2", "--shard-count", "2"], "--shards/--shard-count: shard ids run from 0 to 1"),
        (["--shards", "0"], "--shards/--shard-count: shard ids need a shard count"),
    ],
)
def test_bad_shard_flags_are_one_line_and_exit_2(argv, message, capsys, monkeypatch, tmp_path):
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)
    handler = signal.getsignal(signal.SIGTERM)
    try:
        assert main(["run", *argv]) == 2
    finally:
        signal.signal(signal.SIGTERM, handler)  # main puts in the start-up handler of a real run
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
