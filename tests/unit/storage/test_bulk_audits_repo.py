"""Bulk audits storage: one running audit per guild, rows stored once, ended once, guild-scoped."""

from __future__ import annotations

import pytest

from bot.audit.rows import AuditRow
from bot.storage.bulk_audits import AuditAlreadyRunning, BulkAuditsRepo, riskiest_rows, row_at
from bot.storage.guild_settings import GuildSettingsRepo

G1, G2 = 111, 222


async def make(repo: BulkAuditsRepo, guild: int, total: int = 3):
    return await repo.create(guild_id=guild, channel_id=1, member_id=2, filename="x.csv", target="t.example",
                             keyword=None, total=total, export=b"url\nhttps://a.example/\n", now=1.0)


def row(index: int, score: int) -> AuditRow:
    return AuditRow(index=index, source_url=f"https://s{index}.example/", outcome="analysed", target_found="yes",
                    risk_level="high" if score >= 65 else "low", risk_score=score, flags=("f",), notes=("link lost",))


async def test_one_running_audit_per_guild(db):
    repo = BulkAuditsRepo(db)
    first = await make(repo, G1)
    with pytest.raises(AuditAlreadyRunning) as caught:
        await make(repo, G1)
    assert caught.value.audit_id == first.id
    other = await make(repo, G2)  # another guild is not blocked
    assert [a.id for a in await repo.running_in([G1, G2])] == [first.id, other.id]
    assert [a.id for a in await repo.running_in([G2])] == [other.id]
    assert await repo.finish(G1, first.id, "done", {"pages": 0}, 2.0)
    assert not await repo.finish(G1, first.id, "cancelled", None, 3.0)  # ended once
    ended = await repo.get(G1, first.id)
    assert ended is not None and ended.status == "done" and ended.summary == {"pages": 0}
    assert await repo.export_of(G1, first.id) is None  # the upload is dropped once the audit ends
    await make(repo, G1)  # and the guild may start another


async def test_rows_round_trip_once_and_stay_in_their_guild(db):
    repo = BulkAuditsRepo(db)
    audit = await make(repo, G1)
    await repo.add_rows(G1, audit.id, [row(1, 80), row(0, 10)])
    await repo.add_rows(G1, audit.id, [AuditRow(index=1, source_url="changed", outcome="refused")])  # kept first
    batches = [b async for b in repo.iter_rows(G1, audit.id, batch=1)]
    assert [[r.index for r in b] for b in batches] == [[0], [1]]
    assert batches[1][0] == row(1, 80)
    assert await repo.done_indexes(G1, audit.id) == {0, 1}
    assert [r.index for r in await riskiest_rows(db, G1, audit.id, 5)] == [1, 0]
    assert await row_at(db, G2, audit.id, 1) is None and await repo.get(G2, audit.id) is None
    assert [b async for b in repo.iter_rows(G2, audit.id)] == []


async def test_a_guild_purge_drops_its_audits(db):
    repo = BulkAuditsRepo(db)
    audit = await make(repo, G1)
    await repo.add_rows(G1, audit.id, [row(0, 10)])
    await repo.set_open_to_all(G1, True)
    kept = await make(repo, G2)
    settings = GuildSettingsRepo(db)
    # A guild holding only audits is known to the sweep that marks guilds left while offline.
    assert {G1, G2} <= await settings.guilds_with_data()
    await settings.mark_left(G1, 0.0)
    assert await settings.purge_guild(G1, left_before=1.0)
    assert await repo.get(G1, audit.id) is None and not await repo.is_open_to_all(G1)
    assert await repo.get(G2, kept.id) is not None
