"""`python -m bot run` as a real process against the fake Discord: endpoints, sync-on-change, signals."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _config(tmp_path: Path, fake, *, token: str | None = None) -> Path:
    cfg = tmp_path / "bot.toml"
    lines = [
        "[discord]",
        f'api_base_url = "{fake.api_base_url}"',
        f'gateway_url = "{fake.gateway_url}"',
    ]
    if token:
        lines.append(f'token = "{token}"')
    # INFO on stdout: the start-up steps are the signs the tests wait for before they signal.
    lines += ["[storage]", 'path = "bot.sqlite3"', "[logging]", 'level = "INFO"']
    cfg.write_text("\n".join(lines) + "\n")
    return cfg


async def _start(*args: str, env: dict | None = None) -> asyncio.subprocess.Process:
    environment = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    environment.update(env or {})
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=ROOT, env=environment,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )


async def _wait_for_line(proc: asyncio.subprocess.Process, needle: str, within: float = 30) -> None:
    """Read the process's log (stdout) until a line holds `needle`: the step the test waits for."""
    assert proc.stdout is not None
    seen: list[str] = []

    async def read() -> None:
        while True:
            line = await proc.stdout.readline()
            if not line:
                raise AssertionError(f"the process ended before logging {needle!r}: {seen}")
            seen.append(line.decode(errors="replace").rstrip())
            if needle in seen[-1]:
                return

    try:
        async with asyncio.timeout(within):
            await read()
    except TimeoutError:
        raise AssertionError(f"no {needle!r} within {within} s: {seen}") from None


async def test_run_connects_syncs_once_and_stops_on_sigterm(tmp_path, fake_discord):
    fake_discord.add_guild("SEO Lab")
    cfg = _config(tmp_path, fake_discord)
    for round_ in range(2):
        identifies = fake_discord.identify_count
        proc = await _start("run", "--config", str(cfg), env={"DISCORD_TOKEN": fake_discord.bot_token})
        await _wait_for_line(proc, "ready:")
        assert fake_discord.identify_count > identifies
        proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(proc.communicate(), 20)
        assert proc.returncode == 0, err.decode()
        assert b"Traceback" not in err
        # Synced on the first start; the second start finds the same definitions and does not sync.
        assert len(fake_discord.syncs(None)) == 1, round_
    names = {c["name"] for c in fake_discord.syncs(None)[0].commands}
    assert "checklink" in names
    assert (tmp_path / "bot.sqlite3").exists()


async def test_sync_command_forces_a_sync(tmp_path, fake_discord):
    cfg = _config(tmp_path, fake_discord, token=fake_discord.bot_token)
    for expected in (1, 2):
        proc = await _start("sync", "--config", str(cfg))
        _, err = await asyncio.wait_for(proc.communicate(), 30)
        assert proc.returncode == 0, err.decode()
        assert len(fake_discord.syncs(None)) == expected


async def test_missing_and_rejected_tokens_are_one_clear_line(tmp_path, fake_discord):
    cfg = _config(tmp_path, fake_discord)
    proc = await _start("run", "--config", str(cfg))
    _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 1
    assert err.decode().strip().splitlines()[-1] == (
        "error: no Discord token: set DISCORD_TOKEN or [discord] token in the config"
    )
    assert b"Traceback" not in err
    proc = await _start("run", "--config", str(cfg), env={"DISCORD_TOKEN": "not-the-token"})
    _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 1
    assert b"Traceback" not in err
    assert err.decode().strip().splitlines()[-1] == (
        "error: Discord rejected the token: check DISCORD_TOKEN or [discord] token"
    )
    assert b"not-the-token" not in err


async def test_dev_guild_gets_the_commands_instead_of_a_global_sync(tmp_path, fake_discord):
    guild = fake_discord.add_guild("Dev")
    cfg = _config(tmp_path, fake_discord, token=fake_discord.bot_token)
    cfg.write_text(cfg.read_text().replace("[discord]\n", f"[discord]\ndev_guild_id = {guild.id}\n"))
    proc = await _start("sync", "--config", str(cfg))
    _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()
    assert fake_discord.syncs(None) == []
    [synced] = fake_discord.syncs(guild.id)
    assert {"checklink", "secondopinion", "history", "settings"} <= {c["name"] for c in synced.commands}


async def test_sigterm_while_the_bot_starts_stops_it_cleanly(tmp_path, fake_discord):
    from tests.fakediscord import rate_limited

    fake_discord.add_guild("SEO Lab")
    cfg = _config(tmp_path, fake_discord)
    env = {"DISCORD_TOKEN": fake_discord.bot_token}
    # Stopped at each step of the start, once the process has said it reached it: during the heavy
    # imports (after "starting"), with the database open, with the cogs loaded and the first sync
    # or connection under way. The signal arrives somewhere after the line, which is the point:
    # wherever it lands from there on, the stop is clean.
    for step in ("starting (pid", "database open:", "extensions loaded:"):
        proc = await _start("run", "--config", str(cfg), env=env)
        await _wait_for_line(proc, step)
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 30)
        assert proc.returncode == 0, (step, err.decode())
        assert b"Traceback" not in err, step
    # Stopped while Discord holds the first command sync back with a 429.
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    cfg = _config(fresh, fake_discord)
    fake_discord.inject_rest_faults("PUT /applications/*/commands", [rate_limited(30.0)])
    synced = len(fake_discord.syncs(None))
    put_before = len(fake_discord.calls("PUT", "/applications/*/commands"))
    proc = await _start("run", "--config", str(cfg), env=env)
    await fake_discord.wait_for(lambda: len(fake_discord.calls("PUT", "/applications/*/commands")) > put_before,
                                timeout=20, what="the command sync")
    proc.send_signal(signal.SIGTERM)
    _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()
    assert b"Traceback" not in err
    assert len(fake_discord.syncs(None)) == synced  # held back, then abandoned: nothing synced


async def test_startup_problems_are_one_line(tmp_path, fake_discord):
    import sqlite3

    env = {"DISCORD_TOKEN": fake_discord.bot_token}
    newer = tmp_path / "newer.sqlite3"
    conn = sqlite3.connect(newer)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"this is not a database" * 100)
    folder = tmp_path / "a-folder"
    folder.mkdir()
    cases = [
        (f'path = "{newer}"', "", "newer than this bot"),
        (f'path = "{garbage}"', "", "not a database"),
        (f'path = "{folder}"', "", "[storage] path: cannot open the database"),
        ('path = "/proc/no-such-place/bot.sqlite3"', "", "[storage] path: cannot open the database"),
        ('path = "ok.sqlite3"', f'[analysis]\nrank_list_path = "{tmp_path / "missing.csv"}"\n',
         "[analysis] rank_list_path: cannot read"),
    ]
    for storage, extra, needle in cases:
        cfg = tmp_path / "c.toml"
        cfg.write_text(f'[discord]\napi_base_url = "{fake_discord.api_base_url}"\n[storage]\n{storage}\n{extra}')
        proc = await _start("run", "--config", str(cfg), env=env)
        _, err = await asyncio.wait_for(proc.communicate(), 30)
        text = err.decode()
        assert proc.returncode == 1 and "Traceback" not in text, (storage, text)
        assert len(text.strip().splitlines()) == 1 and text.startswith("error: ") and needle in text, text
    proc = await _start("run", "--config", str(cfg), env={"DISCORD_TOKEN": "abc\x01def"})
    _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 2 and err.decode().strip() == (
        "error: DISCORD_TOKEN: the token contains spaces or control characters")
