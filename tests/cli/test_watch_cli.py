"""`python -m bot watch run-due | list` as cron runs them: real processes against a local site."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from bot.analysis import PageContext, RobotsResult, analyze
from bot.storage.database import Database
from bot.storage.watches import WatchRepo
from bot.watch.rules import observation_from_report
from tests.e2e.pages import PageSite, article

ROOT = Path(__file__).resolve().parents[2]
TARGET = "compost-supplies.test"
LINK = '<a href="https://www.compost-supplies.test/bins">compost bin guide</a>'
GUILD_A, GUILD_B = 111, 222


async def run_cli(*args: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode(), err.decode()


async def seed(db_path: Path, url: str, guild_id: int, *, due: float) -> None:
    report = analyze(article(LINK), url, target=TARGET,
                     context=PageContext(final_url=url, status=200, robots=RobotsResult(True, "test")))
    db = await Database.open(db_path)
    try:
        await WatchRepo(db).add(
            guild_id=guild_id, channel_id=5, created_by=7, created_by_name="maria", source_url=url,
            domain="127.0.0.1", target=TARGET, keyword=None, review_id=None, thread_id=None, check_id=None,
            created_at=0.0, next_due_at=due, baseline=observation_from_report(report, 0.0), max_per_guild=10,
        )
    finally:
        await db.close()


async def test_run_due_json_reports_changes_then_nothing_is_due(tmp_path):
    site = PageSite()
    await site.start()
    try:
        site.pages["/a"] = article(LINK.replace("<a ", '<a rel="sponsored" '))
        site.pages["/b"] = article("no link any more")
        db_path = tmp_path / "bot.sqlite3"
        url_a, url_b = site.url("/a", host="127.0.0.1"), site.url("/b", host="127.0.0.1")
        await seed(db_path, url_a, GUILD_A, due=0.0)
        await seed(db_path, url_b, GUILD_B, due=0.0)
        await seed(db_path, site.url("/later", host="127.0.0.1"), GUILD_B, due=4e12)  # not due: never fetched
        config = tmp_path / "config.toml"
        config.write_text(
            f'[storage]\npath = "{db_path.as_posix()}"\n'
            f"[fetch]\nallow_private_networks = true\nallowed_ports = [80, 443, {site.port}]\n"
        )
        code, out, err = await run_cli("watch", "run-due", "--config", str(config), "--json")
        assert code == 0, err
        assert err == ""
        items = [json.loads(line) for line in out.splitlines()]
        assert {tuple(sorted(i)) for i in items} == {
            ("after", "before", "change", "guild_id", "source_url", "target", "watch_id")
        }
        by_guild = {i["guild_id"]: i for i in items}
        assert len(items) == 2
        assert by_guild[GUILD_A]["change"] == "rel_changed" and by_guild[GUILD_A]["after"] == "sponsored"
        assert by_guild[GUILD_A]["before"] == "dofollow" and by_guild[GUILD_A]["source_url"] == url_a
        assert by_guild[GUILD_B]["change"] == "link_lost" and by_guild[GUILD_B]["target"] == TARGET
        assert "/later" not in site.hits
        # Observed and rescheduled: a second run has nothing due.
        code, out, err = await run_cli("watch", "run-due", "--config", str(config), "--json")
        assert (code, out) == (0, "")
        code, out, err = await run_cli("watch", "run-due", "--config", str(config))
        assert code == 0 and "0 watch(es) checked" in out

        # list: one guild's watches only, with their last state.
        code, out, err = await run_cli("watch", "list", "--db", str(db_path), "--guild", str(GUILD_A), "--json")
        assert code == 0, err
        listed = [json.loads(line) for line in out.splitlines()]
        assert [w["source_url"] for w in listed] == [url_a]
        assert listed[0]["status"] == "link found (content, sponsored)" and listed[0]["added_by"] == "maria"
        code, out, err = await run_cli("watch", "list", "--db", str(db_path), "--guild", str(GUILD_B))
        assert code == 0 and "link missing" in out and url_a not in out and out.count("\n") == 2
        code, out, err = await run_cli("watch", "list", "--db", str(tmp_path / "none.sqlite3"), "--guild", "1")
        assert code == 2 and err.startswith("error: ") and err.count("\n") == 1
    finally:
        await site.stop()


async def test_run_due_keeps_to_the_configured_shards(tmp_path):
    # Beside shard processes sharing the database, a run-due configured as shard 1 of 2 re-checks
    # the watches of shard 1's guilds only; the other process's guilds stay due for it.
    on_shard_0, on_shard_1 = 0 << 22 | 7, 1 << 22 | 7  # the shard is (guild_id >> 22) % 2
    site = PageSite()
    await site.start()
    try:
        site.pages["/p"] = article(LINK)
        db_path = tmp_path / "bot.sqlite3"
        await seed(db_path, site.url("/p", host="127.0.0.1"), on_shard_0, due=0.0)
        await seed(db_path, site.url("/p", host="127.0.0.1") + "?b", on_shard_1, due=0.0)
        config = tmp_path / "config.toml"
        config.write_text(
            f'[discord]\nshard_count = 2\nshard_ids = "1"\n[storage]\npath = "{db_path.as_posix()}"\n'
            f"[fetch]\nallow_private_networks = true\nallowed_ports = [80, 443, {site.port}]\n"
        )
        code, out, err = await run_cli("watch", "run-due", "--config", str(config))
        assert code == 0, err
        assert "1 watch(es) checked" in out
        db = await Database.open(db_path)
        try:
            rows = await db.fetchall("SELECT guild_id, next_due_at FROM watches ORDER BY guild_id")
        finally:
            await db.close()
        # Checked: rescheduled into the future; not checked: still due at 0.
        assert [(r[0], r[1] > 0) for r in rows] == [(on_shard_0, False), (on_shard_1, True)]
    finally:
        await site.stop()
