"""The doctor --offline and backup commands through bot.__main__.main (one-line errors, exit codes)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from bot.__main__ import main
from bot.storage.database import LATEST_VERSION, Database


def _config(tmp_path: Path, db_name: str = "bot.sqlite3") -> Path:
    cfg = tmp_path / "bot.toml"
    cfg.write_text(f'[storage]\npath = "{db_name}"\nbusy_timeout_ms = 100\n')
    return cfg


def _make_db(path: Path) -> None:
    async def make() -> None:
        db = await Database.open(path)
        await db.execute("INSERT INTO bot_state (key, value) VALUES ('k', 'v')")
        await db.close()

    asyncio.run(make())


def test_doctor_offline_healthy_database(tmp_path, capsys):
    _make_db(tmp_path / "bot.sqlite3")
    assert main(["doctor", "--offline", "--all", "--config", str(_config(tmp_path))]) == 0
    out = capsys.readouterr().out.splitlines()
    assert any(line.startswith("ok   database:") and "integrity ok" in line for line in out)
    assert out[-1] == "doctor: healthy (checked config and database (offline))"


def test_doctor_offline_names_a_corrupt_database(tmp_path, capsys):
    (tmp_path / "bot.sqlite3").write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    assert main(["doctor", "--offline", "--config", str(_config(tmp_path))]) == 1
    out = capsys.readouterr().out
    assert "FIX  database:" in out and "restore a backup" in out


def test_doctor_quick_check_finds_a_corrupt_page_too(tmp_path, capsys):
    # The healthcheck's form: quick_check skips the index cross-checks, not the page checks.
    db_dir = tmp_path / "odd #name?"
    db_dir.mkdir()
    _make_db(db_dir / "bot.sqlite3")
    cfg = _config(tmp_path, "odd #name?/bot.sqlite3")
    assert main(["doctor", "--offline", "--quick", "--all", "--config", str(cfg)]) == 0
    assert "integrity ok" in capsys.readouterr().out
    path = db_dir / "bot.sqlite3"
    conn = sqlite3.connect(str(path))
    conn.executescript("CREATE TABLE filler (x); INSERT INTO filler SELECT zeroblob(3000) FROM "
                       "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50) SELECT i FROM n);")
    page_size, pages = (int(conn.execute(f"PRAGMA {p}").fetchone()[0]) for p in ("page_size", "page_count"))
    conn.close()
    with open(path, "r+b") as handle:
        handle.seek(page_size * (pages - 3))
        handle.write(b"\xff" * page_size)
    assert main(["doctor", "--offline", "--quick", "--config", str(cfg)]) == 1
    assert "restore a backup" in capsys.readouterr().out


def test_doctor_offline_names_schema_versions(tmp_path, capsys):
    path = tmp_path / "bot.sqlite3"
    _make_db(path)
    conn = sqlite3.connect(str(path))
    conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    conn.close()
    assert main(["doctor", "--offline", "--config", str(_config(tmp_path))]) == 1
    assert "newer than this bot" in capsys.readouterr().out
    conn = sqlite3.connect(str(path))
    conn.execute("PRAGMA user_version = 1" if LATEST_VERSION > 1 else "PRAGMA user_version = 0")
    conn.close()
    assert main(["doctor", "--offline", "--config", str(_config(tmp_path))]) == 1
    assert "start the bot once to apply the migrations" in capsys.readouterr().out


def test_doctor_offline_locked_database_is_a_clear_problem(tmp_path, capsys):
    path = tmp_path / "bot.sqlite3"
    _make_db(path)
    # A rollback-journal exclusive lock (not WAL) blocks even readers: the worst case for a check.
    holder = sqlite3.connect(str(path), isolation_level=None)
    holder.execute("PRAGMA journal_mode = DELETE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        assert main(["doctor", "--offline", "--config", str(_config(tmp_path))]) == 1
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    out = capsys.readouterr().out
    assert "FIX  database:" in out and "locked" in out


def test_doctor_offline_checks_files_the_config_names(tmp_path, capsys):
    cfg = tmp_path / "bot.toml"
    cfg.write_text('[analysis]\nrank_list_path = "missing.csv"\n[storage]\npath = "db.sqlite3"\n'
                   "[fetch]\nallow_private_networks = true\n")
    assert main(["doctor", "--offline", "--config", str(cfg)]) == 1
    out = capsys.readouterr().out
    assert "FIX  config: [analysis] rank_list_path: no file at" in out
    assert "WARN config: [fetch] allow_private_networks" in out


def test_backup_command(tmp_path, capsys):
    _make_db(tmp_path / "bot.sqlite3")
    dest = tmp_path / "backup.sqlite3"
    assert main(["backup", str(dest), "--config", str(_config(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert out.startswith("backed up ") and "integrity ok" in out
    conn = sqlite3.connect(str(dest))
    assert conn.execute("SELECT value FROM bot_state WHERE key = 'k'").fetchone() == ("v",)
    conn.close()


def test_backup_errors_are_one_line(tmp_path, capsys):
    cfg = _config(tmp_path, "missing.sqlite3")
    assert main(["backup", str(tmp_path / "b.sqlite3"), "--config", str(cfg)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: no database at")
    assert main(["backup"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "dest" in err
