"""`python -m bot run` with [storage] url: a real process on the session's PostgreSQL server."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import asyncpg

from bot.storage.database import LATEST_VERSION, PASSWORD_VARIABLE
from tests.pg import free_port

ROOT = Path(__file__).resolve().parents[2]


async def _start(cfg: Path, env: dict[str, str]) -> asyncio.subprocess.Process:
    environment = {k: v for k, v in os.environ.items() if k not in ("DISCORD_TOKEN", PASSWORD_VARIABLE)}
    environment.update(env)
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(cfg), cwd=ROOT, env=environment,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )


def _config(tmp_path: Path, fake, url: str) -> Path:
    cfg = tmp_path / "bot.toml"
    cfg.write_text(
        f'[discord]\napi_base_url = "{fake.api_base_url}"\ngateway_url = "{fake.gateway_url}"\n'
        f'[storage]\npath = "ignored.sqlite3"\nurl = "{url}"\n[logging]\nlevel = "INFO"\n'
    )
    return cfg


async def test_run_on_postgres_migrates_connects_and_ignores_the_path(tmp_path, fake_discord, pg_url):
    fake_discord.add_guild("SEO Lab")
    cfg = _config(tmp_path, fake_discord, pg_url)
    proc = await _start(cfg, {"DISCORD_TOKEN": fake_discord.bot_token, PASSWORD_VARIABLE: "not-needed-pw"})
    await fake_discord.wait_for(lambda: fake_discord.identify_count > 0, timeout=20)
    proc.send_signal(signal.SIGTERM)
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    text = err.decode() + out.decode()  # the log goes to stdout
    assert proc.returncode == 0 and "Traceback" not in text, text
    assert text.count("[storage] path is not used") == 1 and "not-needed-pw" not in text
    assert not (tmp_path / "ignored.sqlite3").exists()
    conn = await asyncpg.connect(pg_url)
    try:
        assert await conn.fetchval("SELECT MAX(version) FROM schema_version") == LATEST_VERSION
    finally:
        await conn.close()


async def test_postgres_down_or_refusing_is_one_line(tmp_path, fake_discord, pg_admin_dsn):
    env = {"DISCORD_TOKEN": fake_discord.bot_token, PASSWORD_VARIABLE: "very-secret-pw"}
    port = free_port()
    server = pg_admin_dsn.rsplit("@", 1)[1]
    cases = [
        (f"postgresql://bot@127.0.0.1:{port}/so", f"127.0.0.1:{port}/so", "connection refused"),
        (f"postgresql://nobody-here@{server}", server, "nobody-here"),
    ]
    for url, where, reason in cases:
        proc = await _start(_config(tmp_path, fake_discord, url), env)
        _, err = await asyncio.wait_for(proc.communicate(), 30)
        text = err.decode()
        assert proc.returncode == 1 and "Traceback" not in text, text
        assert len(text.strip().splitlines()) == 1 and text.startswith("error: [storage] url:"), text
        assert where in text and reason in text and "very-secret-pw" not in text, text
