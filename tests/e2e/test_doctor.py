"""`python -m bot doctor` against the fake Discord: healthy, a missing permission, a bad token."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import discord

from bot.doctor import run_doctor
from bot.storage.database import Database
from bot.storage.guild_settings import GuildSettingsRepo
from tests.fakediscord import Perm

ROOT = Path(__file__).resolve().parents[2]
MEMBERS_INTENT_LIMITED = 1 << 15


async def _prepare_db(settings, guild_id: int | None = None, review_channel_id: int | None = None) -> None:
    db = await Database.open(settings.storage.url or settings.storage.path)
    try:
        if guild_id is not None:
            await GuildSettingsRepo(db).update(guild_id, 1.0, review_channel_id=review_channel_id)
    finally:
        await db.close()


def _config(tmp_path: Path, fake) -> Path:
    cfg = tmp_path / "bot.toml"
    cfg.write_text(
        "\n".join([
            "[discord]",
            f'api_base_url = "{fake.api_base_url}"',
            f'gateway_url = "{fake.gateway_url}"',
            "[storage]",
            'path = "bot.sqlite3"',
        ]) + "\n"
    )
    return cfg


async def _doctor_process(cfg: Path, token: str | None, *extra: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    if token is not None:
        env["DISCORD_TOKEN"] = token
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "doctor", "--config", str(cfg), *extra, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_healthy_setup_exits_zero(tmp_path, fake_discord):
    fake_discord.application_flags = MEMBERS_INTENT_LIMITED
    guild = fake_discord.add_guild("SEO Lab")
    reviews = guild.add_text_channel("reviews")
    fake_discord.add_guild("Second server")
    cfg = _config(tmp_path, fake_discord)
    from bot.settings import load_settings

    settings = load_settings(cfg, environ={})
    await _prepare_db(settings, guild.id, reviews.id)
    code, out, err = await _doctor_process(cfg, fake_discord.bot_token)
    assert code == 0, out + err
    assert out.strip().splitlines()[-1].startswith("doctor: healthy")
    assert "2 servers" in out
    assert "FIX" not in out
    # The second server has no review channel yet: a warning, not a failure.
    assert "WARN server Second server" in out and "no review channel set" in out
    assert err == ""
    # Doctor only reads: guilds, the bot member, channels; it never writes to Discord.
    assert not [c for c in fake_discord.rest_log if c.method != "GET"]
    assert fake_discord.calls("GET", "/users/@me/guilds")


async def test_missing_manage_messages_in_review_channel_is_named(tmp_path, fake_discord):
    fake_discord.application_flags = MEMBERS_INTENT_LIMITED
    guild = fake_discord.add_guild("SEO Lab")
    reviews = guild.add_text_channel("reviews")
    fake_discord.set_permission_overwrite(reviews, guild.bot_role, deny=Perm.MANAGE_MESSAGES)
    cfg = _config(tmp_path, fake_discord)
    from bot.settings import load_settings

    settings = load_settings(cfg, environ={}).with_token(fake_discord.bot_token)
    await _prepare_db(settings, guild.id, reviews.id)
    report = await run_doctor(settings)
    assert not report.healthy
    [problem] = report.problems
    assert f"({guild.id})" in problem.area
    assert "#reviews" in problem.message and "Manage Messages" in problem.message
    assert "Send Messages" not in problem.message  # only what is missing
    # Through the CLI: one line for the problem, a summary, exit code 1.
    code, out, _ = await _doctor_process(cfg, fake_discord.bot_token)
    assert code == 1
    lines = out.strip().splitlines()
    fix = [line for line in lines if line.startswith("FIX")]
    assert len(fix) == 1 and "Manage Messages" in fix[0] and "#reviews" in fix[0]
    assert lines[-1].startswith("doctor: 1 problem to fix")


async def test_guild_level_and_intent_and_missing_channel_problems(tmp_path, fake_discord, bot_settings):
    # Members intent off (flags 0), a server where the bot's role lacks Attach Files and Add Reactions,
    # and a review channel that was deleted.
    guild = fake_discord.add_guild("Strict", bot_permissions=0,
                                   everyone_permissions=Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES)
    other = fake_discord.add_guild("Gone channel")
    old = other.add_text_channel("old-reviews")
    await _prepare_db(bot_settings, other.id, old.id)
    fake_discord.delete_channel(old)
    report = await run_doctor(bot_settings)
    messages = [f"{p.area}: {p.message}" for p in report.problems]
    assert any("Server Members intent is off" in m for m in messages), messages
    strict = next(m for m in messages if f"({guild.id})" in m)
    assert "Attach Files" in strict and "Add Reactions" in strict and "Manage Messages" in strict
    lacking = strict.split("lacks ", 1)[1].split(":")[0].split(", ")
    assert "Send Messages" not in lacking and "View Channel" not in lacking
    assert any(f"({other.id})" in m and "no longer exists" in m for m in messages), messages
    assert report.guilds_checked == 2


async def test_rejected_token_is_one_clear_line(tmp_path, fake_discord):
    fake_discord.add_guild("SEO Lab")
    cfg = _config(tmp_path, fake_discord)
    code, out, err = await _doctor_process(cfg, "definitely-not-the-token")
    assert code == 1
    fix = [line for line in out.splitlines() if line.startswith("FIX")]
    assert fix == [
        "FIX  token: Discord rejected the token (401 Unauthorized): copy a fresh one from the developer portal "
        "into DISCORD_TOKEN or [discord] token"
    ]
    assert "definitely-not-the-token" not in out + err
    assert "Traceback" not in out + err


async def test_offline_and_bad_input(tmp_path, fake_discord):
    cfg = _config(tmp_path, fake_discord)
    # Offline: no token needed, Discord not contacted, a missing database is only a warning.
    code, out, _ = await _doctor_process(cfg, None, "--offline")
    assert code == 0, out
    assert "doctor: healthy, 1 warning (checked config and database (offline))" in out
    assert not fake_discord.rest_log
    # Without a token, the online doctor names it.
    code, out, _ = await _doctor_process(cfg, None)
    assert code == 1 and "no Discord token" in out
    # A config that does not load is bad input: exit 2, one line on stderr.
    bad = tmp_path / "bad.toml"
    bad.write_text("[fetch]\nmax_bytes = 1\n")
    code, out, err = await _doctor_process(bad, None)
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [err.strip()] and "[fetch] max_bytes" in err


async def test_fetch_guilds_pages_like_discord(fake_discord):
    # The fake's GET /users/@me/guilds pages by id as Discord does (discord.py asks 200 at a time).
    guilds = [fake_discord.add_guild(f"g{i}") for i in range(3)]
    client = discord.Client(intents=discord.Intents.none())
    from bot.endpoints import apply_endpoints

    apply_endpoints(fake_discord.api_base_url, fake_discord.gateway_url)
    try:
        await client.login(fake_discord.bot_token)
        got = [g.id async for g in client.fetch_guilds(limit=2)]
        assert got == [g.id for g in guilds[:2]]
        after = [g.id async for g in client.fetch_guilds(limit=None, after=discord.Object(guilds[0].id))]
        assert after == [g.id for g in guilds[1:]]
    finally:
        await client.close()
