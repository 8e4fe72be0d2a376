"""doctor and backup when [storage] url names PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.__main__ import main
from bot.storage.database import LATEST_VERSION, Database
from tests.pg import free_port


def _config(tmp_path: Path, url: str) -> Path:
    cfg = tmp_path / "bot.toml"
    cfg.write_text(f'[storage]\npath = "/nonexistent-folder/never.sqlite3"\nurl = "{url}"\n')
    return cfg


async def _main(*argv: str) -> int:
    # main() runs its own event loop: give it a thread of its own.
    return await asyncio.to_thread(main, list(argv))


async def test_doctor_offline_checks_the_postgres_database(tmp_path, capsys, pg_url):
    async with await Database.open(pg_url):
        pass
    assert await _main("doctor", "--offline", "--all", "--config", str(_config(tmp_path, pg_url))) == 0
    out = capsys.readouterr().out.splitlines()
    assert any("PostgreSQL" in line and f"schema version {LATEST_VERSION}" in line for line in out), out
    assert out[-1] == "doctor: healthy (checked config and database (offline))"


async def test_doctor_offline_names_an_unreachable_server(tmp_path, capsys):
    port = free_port()
    cfg = _config(tmp_path, f"postgresql://bot:pw-never-shown@127.0.0.1:{port}/so")
    assert await _main("doctor", "--offline", "--config", str(cfg)) == 1
    out = capsys.readouterr().out
    assert f"127.0.0.1:{port}/so" in out and "refused" in out and "pw-never-shown" not in out


async def test_backup_of_postgres_points_to_pg_dump(tmp_path, capsys):
    cfg = _config(tmp_path, "postgresql://bot:pw-never-shown@db.example:5433/so")
    assert await _main("backup", str(tmp_path / "b.dump"), "--config", str(cfg)) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "pg_dump" in err and "db.example:5433/so" in err
    assert "pw-never-shown" not in err
