"""`storage copy`: SQLite → PostgreSQL → SQLite with every table verified, and its refusals."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from bot.audit.rows import AuditRow
from bot.review.factors import Choice
from bot.review.votes import VoteOps, VoteRow
from bot.storage.audit import AuditRepo
from bot.storage.bulk_audits import BulkAuditsRepo
from bot.storage.checks import ChecksRepo
from bot.storage.copy import COPY_ORDER, CopyError, copy_database, table_summary
from bot.storage.database import Database
from bot.storage.guild_settings import GuildSettingsRepo
from bot.storage.reviews import ReviewsRepo
from bot.storage.votes import VotesRepo
from bot.storage.watches import WatchRepo
from bot.watch.rules import Observation
from tests.unit.storage.helpers import NOW, apply_votes, open_review

ROOT = Path(__file__).resolve().parents[3]
BIG_GUILD = 1_234_567_890_123_456_789  # a real-sized Discord id: needs 64 bits


async def _fill(db: Database) -> None:
    """A small history touching every table, with values that are easy to get wrong between
    engines: 64-bit ids, fractional times, NULLs, text beyond ASCII."""
    checks = ChecksRepo(db)
    check_id = await checks.add(
        guild_id=BIG_GUILD, channel_id=BIG_GUILD + 1, member_id=BIG_GUILD + 2, url="https://ex.test/ä",
        final_url=None, domain="ex.test", target=None, keyword="grüne Kisten", report_json='{"r": "ü"}',
        risk_level="medium", risk_score=42, created_at=NOW + 0.123456789,
    )
    for i in range(3):
        review = await open_review(db, guild_id=BIG_GUILD, url=f"https://ex.test/{i}", now=NOW + i / 7)
        await apply_votes(db, VoteOps(upserts=tuple(
            VoteRow(BIG_GUILD, review.id, "overall", member, Choice.BAD if member % 2 else Choice.GOOD, NOW + member / 3)
            for member in range(1, 6)
        )))
        if i == 0:
            assert await ReviewsRepo(db).close(review.id, BIG_GUILD, verdict_json='{"v": 1}', community_risk="high",
                                               closed_by=None, reason="deadline", now=NOW + 99.5)
        await AuditRepo(db).append(BIG_GUILD, review.id, None, "opened", "note — ✓", NOW + i)
    await VotesRepo(db).reset_member(BIG_GUILD, 3, now=NOW + 5.25)
    await GuildSettingsRepo(db).update(BIG_GUILD, NOW, min_votes=4, deadline_hours=1.5, requester_may_vote=True)
    await db.execute("INSERT INTO history_filters (guild_id, ref, token, created_at) VALUES (?, ?, ?, ?)",
                     (BIG_GUILD, "abc", "domain:ex.test", NOW + 0.5))
    await db.execute("INSERT INTO bot_state (key, value) VALUES (?, ?)", ("commands_hash", "ffff"))
    # The audit's and the watch's tables: a running audit keeps its export (bytes), a watch its
    # observations with their NULLs.
    audits = BulkAuditsRepo(db)
    audit = await audits.create(guild_id=BIG_GUILD, channel_id=BIG_GUILD + 1, member_id=BIG_GUILD + 2,
                                filename="ahrefs.csv", target="shop.test", keyword=None, total=2,
                                export=b"\xff\xfesource\x00", now=NOW + 0.25)
    await audits.add_rows(BIG_GUILD, audit.id, [AuditRow(index=0, source_url="https://ex.test/ü", risk_score=7)])
    await audits.set_open_to_all(BIG_GUILD, True)
    watch = await WatchRepo(db).add(
        guild_id=BIG_GUILD, channel_id=BIG_GUILD + 1, created_by=BIG_GUILD + 2, created_by_name="Zoë",
        source_url="https://ex.test/0", domain="ex.test", target="shop.test", keyword=None, review_id=None,
        thread_id=None, check_id=check_id, created_at=NOW, next_due_at=NOW + 3600.5, max_per_guild=5,
        baseline=Observation(at=NOW, status="ok", http_status=200, found=True, rel="dofollow"),
    )
    assert watch is not None
    assert check_id > 0


async def _summaries(db: Database) -> dict[str, tuple[int, str]]:
    return {t.name: ((s := await table_summary(db, t)).rows, s.checksum) for t in await db.tables()}


async def test_copy_covers_every_table(tmp_path: Path, pg_url: str) -> None:
    # A new table must be placed in COPY_ORDER (parents first), or storage copy would refuse it.
    async with await Database.open(tmp_path / "a.sqlite3") as lite, await Database.open(pg_url) as pg:
        assert {t.name for t in await lite.tables()} == set(COPY_ORDER)
        assert {t.name for t in await pg.tables()} == set(COPY_ORDER)
        assert {t.name: t.primary_key for t in await lite.tables()} == {t.name: t.primary_key for t in await pg.tables()}


async def test_sqlite_to_postgres_and_back_verifies_every_table(tmp_path: Path, pg_url: str) -> None:
    async with await Database.open(tmp_path / "src.sqlite3") as src:
        await _fill(src)
        expected = await _summaries(src)
        async with await Database.open(pg_url) as pg:
            copied = await copy_database(src, pg)
            assert {c.table: (c.rows, c.checksum) for c in copied} == expected
            assert await _summaries(pg) == expected
            assert expected["votes"][0] == 15 - 2  # member 3's votes on the two open reviews were reset
            # New rows on PostgreSQL get ids after the copied ones.
            review = await open_review(pg, guild_id=BIG_GUILD, url="https://ex.test/new")
            assert review.id == 4
            await pg.execute("DELETE FROM reviews WHERE id = ?", (review.id,))
            async with await Database.open(tmp_path / "back.sqlite3") as back:
                await copy_database(pg, back)
                assert await _summaries(back) == expected


async def test_a_non_empty_destination_is_refused_and_left_alone(tmp_path: Path, pg_url: str) -> None:
    async with await Database.open(tmp_path / "src.sqlite3") as src, await Database.open(pg_url) as pg:
        await _fill(src)
        await pg.execute("INSERT INTO bot_state (key, value) VALUES (?, ?)", ("mine", "keep"))
        with pytest.raises(CopyError, match="not empty .*bot_state has 1 rows"):
            await copy_database(src, pg)
        assert [tuple(r) for r in await pg.fetchall("SELECT key, value FROM bot_state")] == [("mine", "keep")]
        assert (await pg.fetchone("SELECT COUNT(*) FROM reviews"))[0] == 0


async def _cli(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "storage", "copy", *args, cwd=ROOT, env=dict(os.environ),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_cli_copies_then_refuses_a_second_copy(tmp_path: Path, pg_url: str) -> None:
    source = tmp_path / "bot.sqlite3"
    async with await Database.open(source) as src:
        await _fill(src)
    code, out, err = await _cli("--from", str(source), "--to", pg_url)
    assert code == 0, err
    assert "reviews: 3 rows" in out and "every table verified" in out
    code, out, err = await _cli("--from", str(source), "--to", pg_url)
    assert code == 1 and out == "" and len(err.strip().splitlines()) == 1 and "is not empty" in err, err
    code, _, err = await _cli("--from", str(tmp_path / "missing.sqlite3"), "--to", str(tmp_path / "x.sqlite3"))
    assert code == 1 and err.startswith("error: --from") and "Traceback" not in err, err
    code, _, err = await _cli("--from", str(source), "--to", str(source))
    assert code == 2 and "same database" in err
