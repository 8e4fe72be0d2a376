"""Online backup: a consistent, verified copy while another connection keeps writing."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from bot.backup import BackupError, backup_database, backup_database_async
from bot.storage.database import LATEST_VERSION, Database


async def _make_db(path: Path, rows: int) -> None:
    db = await Database.open(path)
    try:
        await db.executemany(
            "INSERT INTO bot_state (key, value) VALUES (?, ?)", [(f"before:{i}", "x" * 200) for i in range(rows)]
        )
    finally:
        await db.close()


def _writer(path: Path, stop: threading.Event, written: list[int]) -> None:
    conn = sqlite3.connect(str(path), timeout=5, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 5000")
    i = 0
    try:
        while not stop.is_set():
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO bot_state (key, value) VALUES (?, ?)", (f"during:{i}", "y" * 500))
            conn.execute("COMMIT")
            i += 1
            written.append(i)
    finally:
        conn.close()


async def test_backup_while_another_connection_writes(tmp_path: Path):
    source = tmp_path / "live.sqlite3"
    await _make_db(source, 2000)
    stop, written = threading.Event(), []
    writer = threading.Thread(target=_writer, args=(source, stop, written))
    writer.start()
    try:
        # Let the writer get going, so the backup overlaps real commits.
        while len(written) < 50:
            await _sleep()
        dest = tmp_path / "backups" / "copy.sqlite3"
        dest.parent.mkdir()
        committed_before_start = len(written)
        result = await backup_database_async(source, dest)
        after_backup = len(written)
    finally:
        stop.set()
        writer.join()
    assert after_backup > 50  # the writer was not blocked by the backup
    assert result.destination == dest and result.schema_version == LATEST_VERSION
    conn = sqlite3.connect(str(dest))
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        before = conn.execute("SELECT COUNT(*) FROM bot_state WHERE key LIKE 'before:%'").fetchone()[0]
        during = conn.execute("SELECT COUNT(*) FROM bot_state WHERE key LIKE 'during:%'").fetchone()[0]
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    finally:
        conn.close()
    assert before == 2000  # every row committed before the backup began
    # Plus whatever the writer committed before the backup began, and perhaps some rows after.
    assert committed_before_start <= during <= len(written)
    leftovers = sorted(p.name for p in (tmp_path / "backups").iterdir())  # noqa: ASYNC240 (a test's temp dir)
    assert leftovers == ["copy.sqlite3"]  # no .tmp, no -wal/-shm: a standalone file


async def _sleep() -> None:
    import asyncio

    await asyncio.sleep(0.01)


async def test_backup_replaces_the_destination_atomically(tmp_path: Path):
    source = tmp_path / "db.sqlite3"
    await _make_db(source, 10)
    dest = tmp_path / "copy.sqlite3"
    dest.write_bytes(b"an older backup")
    backup_database(source, dest)
    conn = sqlite3.connect(str(dest))
    assert conn.execute("SELECT COUNT(*) FROM bot_state WHERE key LIKE 'before:%'").fetchone()[0] == 10
    conn.close()


def test_failures_are_one_line_and_leave_nothing(tmp_path: Path):
    with pytest.raises(BackupError, match="no database at"):
        backup_database(tmp_path / "missing.sqlite3", tmp_path / "x.sqlite3")
    not_db = tmp_path / "garbage.sqlite3"
    not_db.write_bytes(b"this is not a database" * 100)
    dest = tmp_path / "copy.sqlite3"
    dest.write_bytes(b"previous")
    with pytest.raises(BackupError):
        backup_database(not_db, dest)
    assert dest.read_bytes() == b"previous"  # the previous backup survives a failed one
    assert not (tmp_path / "copy.sqlite3.tmp").exists()
    with pytest.raises(BackupError, match="no such directory"):
        backup_database(not_db, tmp_path / "nowhere" / "copy.sqlite3")
    with pytest.raises(BackupError, match="the database itself"):
        backup_database(not_db, not_db)
