"""`python -m bot history` as a subprocess on the database the real bot wrote during the test."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sys
from pathlib import Path

from tests.e2e.history_seed import DAY, T0, seed_review, unanimous

ROOT = Path(__file__).resolve().parents[2]


async def run_cli(*args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "history", *args,
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode, out.decode("utf-8"), err.decode("utf-8")


async def test_cli_exports_what_the_bot_stored(fake_discord, bot_process, world, tmp_path):
    guild, channel, members = world
    other = fake_discord.add_guild("Other")
    await bot_process.start()
    services = bot_process.services
    a, b, c, d = (m.id for m in members[:4])
    high = await seed_review(services, guild.id, domain="spam-farm.test", created_at=T0, requester_id=a,
                             votes=unanimous([b, c, d], "bad"), bot_risk="high")
    low = await seed_review(services, guild.id, domain="garden-blog.test", created_at=T0 + DAY, requester_id=b,
                            votes=unanimous([a, c, d], "good"), bot_risk="low")
    await seed_review(services, other.id, domain="elsewhere.test", created_at=T0, requester_id=a,
                      votes=unanimous([b, c, d], "bad"))
    # Moderation through the real command shows in the export: a deleted review is left out.
    deleted = await seed_review(services, guild.id, domain="gone.test", created_at=T0 + 2 * DAY, requester_id=c)
    rec = await fake_discord.invoke_slash(guild.owner, channel, "moderate delete", {"id": deleted, "reason": "dup"})
    await rec.wait_reply()
    db = bot_process.settings.storage.url or str(bot_process.settings.storage.path)
    common = ("--db", db, "--guild", str(guild.id))

    code, out, err = await run_cli(*common, "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [int(r["id"]) for r in rows] == [low, high]
    assert {r["community_risk"] for r in rows} == {"low", "high"}

    code, out, err = await run_cli(*common, "--format", "csv", "--table", "votes", "--verdict", "high")
    assert code == 0, err
    votes = list(csv.DictReader(io.StringIO(out)))
    stored = await services.votes.votes_for_review(high, guild.id)
    assert sorted((int(v["member_id"]), v["factor"], v["choice"]) for v in votes) == sorted(
        (v.member_id, v.factor, v.choice.value) for v in stored)

    code, out, err = await run_cli(*common, "--format", "json", "--since", "2025-06-16")
    assert code == 0, err
    document = json.loads(out)
    assert [r["id"] for r in document["reviews"]] == [low]
    assert {v["member_id"] for v in document["votes"]} == {str(a), str(c), str(d)}

    output = tmp_path / "disavow.txt"
    code, out, err = await run_cli(*common, "--format", "disavow", "--output", str(output))
    assert code == 0 and out == "", err
    lines = output.read_text().splitlines()
    assert lines[0].startswith("#") and [x for x in lines if not x.startswith("#")] == ["domain:spam-farm.test"]

    code, out, err = await run_cli("--db", str(tmp_path / "missing.sqlite3"), "--guild", str(guild.id))
    assert code == 2 and "no database file" in err and out == ""
