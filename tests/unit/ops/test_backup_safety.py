"""Backup refusals that protect the live database, and a corrupt source as a one-line failure."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.backup import BackupError, BackupRefused, backup_database
from bot.storage.database import Database


def _make_db(path: Path, rows: int = 10) -> None:
    async def make() -> None:
        db = await Database.open(path)
        try:
            await db.executemany(
                "INSERT INTO bot_state (key, value) VALUES (?, ?)", [(f"k{i}", "x" * 200) for i in range(rows)]
            )
        finally:
            await db.close()

    asyncio.run(make())


def _rows(path: Path) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM bot_state").fetchone()[0])
    finally:
        conn.close()


def test_a_destination_whose_temp_file_is_the_database_is_refused(tmp_path: Path) -> None:
    # DEST.tmp used to be deleted before any check: this deleted the live database.
    source = tmp_path / "bot.sqlite3.tmp"
    _make_db(source)
    before = source.read_bytes()
    with pytest.raises(BackupRefused, match="temporary file .* is the database itself"):
        backup_database(source, tmp_path / "bot.sqlite3")
    assert source.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bot.sqlite3.tmp"]


@pytest.mark.parametrize("suffix", ["-wal", "-shm", "-journal"])
def test_the_databases_own_sqlite_files_are_refused(tmp_path: Path, suffix: str) -> None:
    source = tmp_path / "bot.sqlite3"
    _make_db(source)
    companion = tmp_path / f"bot.sqlite3{suffix}"
    companion.write_bytes(b"frames the bot has not checkpointed yet")
    with pytest.raises(BackupRefused, match=f"the database's {suffix} file"):
        backup_database(source, companion)
    assert companion.read_bytes() == b"frames the bot has not checkpointed yet"
    assert not (tmp_path / f"bot.sqlite3{suffix}.tmp").exists()


def test_a_live_wal_is_not_overwritten(tmp_path: Path) -> None:
    source = tmp_path / "bot.sqlite3"
    _make_db(source)
    holder = sqlite3.connect(str(source), isolation_level=None)
    try:
        holder.execute("PRAGMA wal_autocheckpoint = 0")  # keep the commit in the WAL only
        holder.execute("INSERT INTO bot_state (key, value) VALUES ('only-in-wal', 'v')")
        wal = tmp_path / "bot.sqlite3-wal"
        frames = wal.read_bytes()
        with pytest.raises(BackupRefused):
            backup_database(source, wal)
        assert wal.read_bytes() == frames
        assert holder.execute("SELECT value FROM bot_state WHERE key = 'only-in-wal'").fetchone() == ("v",)
    finally:
        holder.close()


def test_symlinks_and_hard_links_to_the_database_are_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    source = data / "bot.sqlite3"
    _make_db(source)
    before = source.read_bytes()

    link = tmp_path / "link.sqlite3"
    link.symlink_to(source)
    with pytest.raises(BackupRefused, match="destination is the database itself"):
        backup_database(source, link)

    # The temporary file beside DEST is a symlink to the database.
    (tmp_path / "copy.sqlite3.tmp").symlink_to(source)
    with pytest.raises(BackupRefused, match="temporary file"):
        backup_database(source, tmp_path / "copy.sqlite3")

    # A symlinked directory: another spelling of the database's -wal.
    (tmp_path / "alias").symlink_to(data, target_is_directory=True)
    with pytest.raises(BackupRefused, match="-wal file"):
        backup_database(source, tmp_path / "alias" / "bot.sqlite3-wal")

    # The source named through a symlink: its real file's -shm is refused too.
    with pytest.raises(BackupRefused, match="-shm file"):
        backup_database(link, data / "bot.sqlite3-shm")

    hard = tmp_path / "hard.sqlite3"
    os.link(source, hard)
    with pytest.raises(BackupRefused, match="destination is the database itself"):
        backup_database(source, hard)

    assert source.read_bytes() == before and _rows(source) == 10


def test_cli_refuses_a_temp_file_that_is_the_configured_database(tmp_path: Path, capsys) -> None:
    source = tmp_path / "bot.sqlite3.tmp"
    _make_db(source)
    cfg = tmp_path / "bot.toml"
    cfg.write_text('[storage]\npath = "bot.sqlite3.tmp"\n')
    code = main(["backup", str(tmp_path / "bot.sqlite3"), "--config", str(cfg)])
    err = capsys.readouterr().err
    assert code == 2  # bad input: refused before anything was touched
    assert err.count("\n") == 1 and err.startswith("error: ") and "is the database itself" in err
    assert _rows(source) == 10  # the live database is still there, whole
    assert not (tmp_path / "bot.sqlite3").exists()


def _corrupt_a_middle_page(path: Path) -> None:
    conn = sqlite3.connect(str(path))
    page_size, pages = (int(conn.execute(f"PRAGMA {p}").fetchone()[0]) for p in ("page_size", "page_count"))
    conn.close()
    assert pages > 4
    with open(path, "r+b") as handle:
        handle.seek(page_size * (pages // 2))
        handle.write(b"\xff" * page_size)


def test_a_corrupt_source_is_a_one_line_failure_that_leaves_nothing(tmp_path: Path, capsys) -> None:
    source = tmp_path / "bot.sqlite3"
    _make_db(source, rows=500)
    _corrupt_a_middle_page(source)
    dest = tmp_path / "copy.sqlite3"
    dest.write_bytes(b"the previous backup")
    with pytest.raises(BackupError, match="the copy failed its integrity check: "):
        backup_database(source, dest)
    assert dest.read_bytes() == b"the previous backup"
    assert not (tmp_path / "copy.sqlite3.tmp").exists()

    cfg = tmp_path / "bot.toml"
    cfg.write_text('[storage]\npath = "bot.sqlite3"\n')
    assert main(["backup", str(dest), "--config", str(cfg)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: the copy failed its integrity check: ")
    assert dest.read_bytes() == b"the previous backup"
    assert not (tmp_path / "copy.sqlite3.tmp").exists()


def test_a_source_path_with_uri_characters_is_backed_up(tmp_path: Path) -> None:
    # '?' and '#' in the file name would otherwise start the URI's query or fragment.
    source = tmp_path / "bot?#%.sqlite3"
    _make_db(source)
    dest = tmp_path / "copy.sqlite3"
    backup_database(source, dest)
    assert _rows(dest) == 10
