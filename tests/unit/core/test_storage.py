import asyncio
import sqlite3

import pytest

from bot.storage.checks import ChecksRepo
from bot.storage.database import LATEST_VERSION, Database


async def test_migrations_apply_once_and_pragmas_hold(tmp_path):
    path = tmp_path / "so.sqlite3"
    db = await Database.open(path)
    try:
        assert await db.user_version() == LATEST_VERSION
        assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"
        assert (await db.fetchone("PRAGMA foreign_keys"))[0] == 1
        assert await db.integrity_check() == "ok"
    finally:
        await db.close()
    db = await Database.open(path)  # a second start applies nothing and keeps the data
    try:
        assert await db.user_version() == LATEST_VERSION
    finally:
        await db.close()


async def test_two_processes_opening_a_fresh_file_at_once_both_start(tmp_path):
    # The bot and `python -m bot backup` started together: each must find the schema whole.
    path = tmp_path / "fresh.sqlite3"
    opened = await asyncio.gather(*(Database.open(path) for _ in range(3)), return_exceptions=True)
    try:
        assert [type(db).__name__ for db in opened] == ["SqliteDatabase"] * 3
        for db in opened:
            assert await db.user_version() == LATEST_VERSION
            assert await db.integrity_check() == "ok"
    finally:
        for db in opened:
            if isinstance(db, Database):
                await db.close()


async def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "so.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    conn.close()
    with pytest.raises(RuntimeError, match="newer than this bot"):
        await Database.open(path)


async def test_transaction_rolls_back_on_error(tmp_path):
    db = await Database.open(tmp_path / "so.sqlite3")
    try:
        with pytest.raises(LookupError):
            async with db.transaction():
                await db.execute("INSERT INTO bot_state (key, value) VALUES ('a', 'b')")
                raise LookupError("fails half-way")
        assert await db.fetchone("SELECT * FROM bot_state") is None
    finally:
        await db.close()


async def test_checks_are_guild_scoped_and_counted_per_domain(tmp_path):
    db = await Database.open(tmp_path / "so.sqlite3")
    try:
        repo = ChecksRepo(db)
        common = dict(channel_id=1, member_id=2, final_url=None, target=None, keyword=None, report_json="{}")
        a = await repo.add(guild_id=10, url="https://a.example/1", domain="a.example", risk_level="low",
                           risk_score=10, created_at=100.0, **common)
        await repo.add(guild_id=10, url="https://a.example/2", domain="a.example", risk_level="high",
                       risk_score=80, created_at=200.0, **common)
        await repo.add(guild_id=11, url="https://a.example/3", domain="a.example", risk_level="medium",
                       risk_score=50, created_at=300.0, **common)
        history = await repo.domain_history(10, "a.example")
        assert (history.count, history.last_risk_level, history.last_checked_at) == (2, "high", 200.0)
        assert await repo.domain_history(12, "a.example") is None
        assert (await repo.get(10, a)).url == "https://a.example/1"
        assert await repo.get(11, a) is None
        fresh = await repo.latest_for_url(10, "https://a.example/2", None, None, newer_than=150.0)
        assert fresh is not None and fresh.risk_level == "high"
        assert await repo.latest_for_url(10, "https://a.example/1", None, None, newer_than=150.0) is None
    finally:
        await db.close()
