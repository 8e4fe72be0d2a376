"""/audit through the fake Discord with the real client: exports in four formats, cancel, restart."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.audit.exports import TARGET_SITE, AuditSite, check_rows, export_rows, make_export
from tests.e2e.botharness import BotProcess, settings_for_tests
from tests.e2e.review_helpers import opened_from_db
from tests.fakediscord import Perm

ROOT = Path(__file__).resolve().parents[2]
FORMATS = {"ahrefs": "ahrefs.csv", "semrush": "semrush.csv", "majestic": "majestic.csv", "gsc": "gsc.csv"}


@pytest.fixture
async def audit_site():
    site = AuditSite()
    await site.start()
    try:
        yield site
    finally:
        if site.gate is not None:
            site.gate.set()
        await site.stop()


@pytest.fixture
async def audit_bot(make_client, tmp_path, fake_discord, audit_site, e2e_storage_url):
    # On both engines (e2e_storage_url: None for the SQLite file, else a fresh PostgreSQL database).
    storage = {"storage": {"url": e2e_storage_url}} if e2e_storage_url else {}
    settings = settings_for_tests(tmp_path, fake_discord, audit_site.port,
                                  audit={"workers": 2, "progress_interval_seconds": 0.1}, **storage)
    process = BotProcess(make_client, settings)
    try:
        yield process
    finally:
        await process.stop()


@pytest.fixture
def moderator(world):
    guild, _, _ = world
    role = guild.add_role("Managers", int(Perm.MANAGE_GUILD))
    return guild.add_member("boss", [role], account_created=datetime.now(UTC) - timedelta(days=500))


def hosts(port: int):
    return lambda i: f"127.0.0.{1 + i % 4}:{port}"


def summary_message(fake, channel):
    return next((m for m in fake.messages_in(channel) if m.embeds and m.attachments), None)


def progress_message(fake, channel):
    return next((m for m in fake.messages_in(channel) if m.content.startswith("🔎")), None)


def files_of(message) -> dict[str, bytes]:
    return {a.filename: a.data for a in message.attachments}


async def stored_audits(services, guild_id: int) -> list[tuple]:
    """(id, status, total) of the guild's bulk audits, newest first, read straight from the table."""
    rows = await services.db.fetchall(
        "SELECT id, status, total FROM bulk_audits WHERE guild_id = ? ORDER BY created_at DESC, id DESC", (guild_id,))
    return [tuple(r) for r in rows]


async def run_audit(fake, who, channel, data: bytes, filename: str, **options):
    rec = await fake.invoke_slash(who, channel, "audit", {"file": (filename, data), **options})
    reply = await rec.wait_reply(timeout=10)
    return rec, reply


@pytest.mark.parametrize("fmt", list(FORMATS))
async def test_audit_of_a_40_row_export(fake_discord, audit_bot, world, moderator, audit_site, fmt):
    guild, channel, members = world
    await audit_bot.start()
    rows = export_rows(hosts(audit_site.port))
    options = {"keyword": "compost bin guide"}
    if fmt == "gsc":
        options["target"] = TARGET_SITE  # Search Console exports have no target column
    rec, reply = await run_audit(fake_discord, moderator, channel, make_export(fmt, rows), FORMATS[fmt], **options)
    assert reply.ephemeral and "Audit #" in reply.content
    summary = await fake_discord.wait_for(lambda: summary_message(fake_discord, channel), timeout=60)
    files = files_of(summary)
    name = next(n for n in files if n.endswith(".csv"))
    stem = name[:-4]
    assert set(files) == {f"{stem}.csv", f"{stem}.json", f"{stem}-disavow-draft.txt", f"{stem}-chart.png"}
    table = list(csv.DictReader(io.StringIO(files[f"{stem}.csv"].decode("utf-8"))))
    check_rows(table, rows, notes=fmt != "gsc")
    doc = json.loads(files[f"{stem}.json"])
    s = doc["summary"]
    assert s["pages"] == 40 and s["analysed"] == 30 and s["lost"] == 10 and s["target_found"] == 25
    assert files[f"{stem}-chart.png"].startswith(b"\x89PNG")
    disavow = files[f"{stem}-disavow-draft.txt"].decode()
    assert disavow.startswith("# DRAFT") and TARGET_SITE not in disavow.split("\n", 4)[-1]
    embed = summary.embeds[0]
    text = json.dumps(embed)
    assert "40 of 40 pages" in embed["description"] and "10 lost" in embed["description"]
    assert "Riskiest pages" in text and "Anchor-text mix" in text and "over-optimised" in text
    progress = progress_message(fake_discord, channel)
    assert progress is not None and "40/40" in progress.content and "finished" in progress.content
    assert progress.buttons() == []  # no Cancel once it ended
    stored = await stored_audits(audit_bot.services, guild.id)
    assert [(status, total) for _, status, total in stored] == [("done", 40)]
    if fmt == "ahrefs":
        # The select menu opens a peer review of the chosen page through /secondopinion's path.
        select = next(c for row in summary.components for c in row["components"] if c["type"] == 3)
        riskiest = select["options"][0]["value"]
        click = await fake_discord.click(moderator, summary, select["custom_id"], values=[riskiest])
        url = rows[int(riskiest)].source_url
        review = await opened_from_db(fake_discord, audit_bot, url)
        assert review.thread.parent_id == channel.id
        assert "asked for a second opinion" in (await click.wait_reply(timeout=10)).content
        opened = await audit_bot.services.db.fetchone("SELECT target, keyword, guild_id FROM reviews")
        assert tuple(opened) == (TARGET_SITE, "compost bin guide", guild.id)


async def test_members_need_moderator_or_the_open_setting(fake_discord, audit_bot, world, moderator, audit_site):
    guild, channel, members = world
    await audit_bot.start()
    data = make_export("majestic", export_rows(hosts(audit_site.port), 4))
    _rec, reply = await run_audit(fake_discord, members[0], channel, data, "m.csv")
    assert reply.ephemeral and "Only moderators" in reply.content
    rec = await fake_discord.invoke_slash(members[0], channel, "audit-access", {"everyone": True})
    assert "Manage Server" in (await rec.wait_reply()).content
    rec = await fake_discord.invoke_slash(moderator, channel, "audit-access", {"everyone": True})
    assert "every member" in (await rec.wait_reply()).content
    _rec, reply = await run_audit(fake_discord, members[0], channel, b"Title\nnothing\n", "bad.csv")
    assert reply.ephemeral and "no source-URL column" in reply.content
    _rec, reply = await run_audit(fake_discord, members[0], channel, data, "m.csv")
    assert "Audit #" in reply.content
    await fake_discord.wait_for(lambda: summary_message(fake_discord, channel), timeout=60)


async def test_cancel_keeps_the_pages_done(fake_discord, audit_bot, world, moderator, audit_site):
    guild, channel, members = world
    await audit_bot.start()
    rows = export_rows(lambda i: f"127.0.0.1:{audit_site.port}", 12)
    audit_site.gate = asyncio.Event()
    audit_site.held = {r.source_url.split(f":{audit_site.port}")[1] for r in rows[2:]}
    # A second audit in the same guild is refused while this one runs.
    await run_audit(fake_discord, moderator, channel, make_export("majestic", rows), "m.csv")
    progress = await fake_discord.wait_for(
        lambda: next((m for m in fake_discord.messages_in(channel) if "2/12" in m.content), None), timeout=30)
    _rec, again = await run_audit(fake_discord, moderator, channel, make_export("majestic", rows), "m.csv")
    assert again.ephemeral and "already running" in again.content
    cancel = progress.buttons()[0]["custom_id"]
    click = await fake_discord.click(members[1], progress, cancel)
    assert "Only the member who started" in (await click.wait_reply()).content
    click = await fake_discord.click(moderator, progress, cancel)
    assert "Cancelling" in (await click.wait_reply()).content
    summary = await fake_discord.wait_for(lambda: summary_message(fake_discord, channel), timeout=30)
    files = files_of(summary)
    table = list(csv.DictReader(io.StringIO(next(v for k, v in files.items() if k.endswith(".csv")).decode())))
    assert [r["source_url"] for r in table] == [rows[0].source_url, rows[1].source_url]
    assert "cancelled" in summary.embeds[0]["description"]
    stored = await stored_audits(audit_bot.services, guild.id)
    assert stored[0][1] == "cancelled"


async def test_restart_mid_audit_resumes_and_posts_a_new_progress_message(
    fake_discord, audit_bot, world, moderator, audit_site
):
    guild, channel, members = world
    await audit_bot.start()
    rows = export_rows(lambda i: f"127.0.0.{1 + i % 2}:{audit_site.port}", 12)
    audit_site.gate = asyncio.Event()
    audit_site.held = {r.source_url.split(f":{audit_site.port}")[1] for r in rows[3:]}
    await run_audit(fake_discord, moderator, channel, make_export("semrush", rows), "s.csv")
    old = await fake_discord.wait_for(
        lambda: next((m for m in fake_discord.messages_in(channel) if "3/12" in m.content), None), timeout=30)
    await audit_bot.stop()
    await fake_discord.remove_message(old)  # the old progress message is gone too
    audit_site.gate.set()
    await audit_bot.start()
    summary = await fake_discord.wait_for(lambda: summary_message(fake_discord, channel), timeout=60)
    files = files_of(summary)
    table = list(csv.DictReader(io.StringIO(next(v for k, v in files.items() if k.endswith(".csv")).decode())))
    check_rows(table, rows, notes=True)
    progress = progress_message(fake_discord, channel)
    assert progress is not None and progress.id != old.id and "12/12" in progress.content
    # The rows done before the restart were not fetched again.
    for row in rows[:3]:
        assert audit_site.hits[row.source_url.split(f":{audit_site.port}")[1]] == 1
    (status,) = await audit_bot.services.db.fetchone("SELECT status FROM bulk_audits WHERE guild_id = ?", (guild.id,))
    assert status == "done"


async def test_audits_are_exported_per_guild_in_history(fake_discord, audit_bot, world, moderator, audit_site):
    guild, channel, members = world
    other = fake_discord.add_guild("Other Lab")
    other_channel = other.add_text_channel("links")
    role = other.add_role("Managers", int(Perm.MANAGE_GUILD))
    other_mod = other.add_member("chief", [role], account_created=datetime.now(UTC) - timedelta(days=500))
    await audit_bot.start()
    rows = export_rows(hosts(audit_site.port), 6)
    await run_audit(fake_discord, moderator, channel, make_export("majestic", rows), "m.csv")
    await fake_discord.wait_for(lambda: summary_message(fake_discord, channel), timeout=60)

    async def exported(who, where) -> list[dict[str, str]]:
        rec = await fake_discord.invoke_slash(who, where, "history export", {"format": "audits"})
        first = await rec.wait_reply(timeout=10)
        last = await fake_discord.wait_for(
            lambda: next((m for m in [first, *rec.followups] if "in total" in m.content), None), timeout=15)
        data = next(a.data for a in last.attachments if a.filename == "audits.csv")
        return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))

    mine = await exported(moderator, channel)
    assert [r["source_url"] for r in mine] == [r.source_url for r in rows]
    assert {r["audit_target"] for r in mine} == {TARGET_SITE} and {r["audit_status"] for r in mine} == {"done"}
    assert await exported(other_mod, other_channel) == []  # the other guild sees none of it
    # The history CLI exports the same rows from the database (the file, or the PostgreSQL URL).
    db_arg = audit_bot.settings.storage.url or str(audit_bot.settings.storage.path)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "history", "--db", db_arg, "--guild", str(guild.id), "--format", "audits",
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, stderr
    cli_rows = list(csv.DictReader(io.StringIO(stdout.decode("utf-8"))))
    assert cli_rows == mine


async def test_guilds_are_isolated_one_audit_each_and_their_own_access(
    fake_discord, audit_bot, world, moderator, audit_site
):
    guild, channel, members = world
    other = fake_discord.add_guild("Other Lab")
    other_channel = other.add_text_channel("links")
    role = other.add_role("Managers", int(Perm.MANAGE_GUILD))
    other_mod = other.add_member("chief", [role], account_created=datetime.now(UTC) - timedelta(days=500))
    await audit_bot.start()
    rows = export_rows(lambda i: f"127.0.0.1:{audit_site.port}", 6)
    audit_site.gate = asyncio.Event()
    audit_site.held = {r.source_url.split(f":{audit_site.port}")[1] for r in rows}
    await run_audit(fake_discord, moderator, channel, make_export("majestic", rows), "a.csv")
    await fake_discord.wait_for(lambda: progress_message(fake_discord, channel), timeout=30)
    # Guild A's running audit does not block guild B's.
    _rec, reply = await run_audit(fake_discord, other_mod, other_channel, make_export("majestic", rows), "b.csv")
    assert "Audit #" in reply.content
    # B opening /audit to everyone opens it in B only.
    rec = await fake_discord.invoke_slash(other_mod, other_channel, "audit-access", {"everyone": True})
    await rec.wait_reply()
    _rec, reply = await run_audit(fake_discord, members[0], channel, make_export("majestic", rows), "c.csv")
    assert "Only moderators" in reply.content
    audit_site.gate.set()
    await fake_discord.wait_for(lambda: summary_message(fake_discord, channel), timeout=60)
    summary_b = await fake_discord.wait_for(lambda: summary_message(fake_discord, other_channel), timeout=60)
    a_ids = {a[0] for a in await stored_audits(audit_bot.services, guild.id)}
    b_ids = {a[0] for a in await stored_audits(audit_bot.services, other.id)}
    assert len(a_ids) == len(b_ids) == 1 and not a_ids & b_ids
    # A's select menu, picked by a member of B against B's guild: nothing of A's is reachable.
    (b_id,) = b_ids
    (a_id,) = a_ids
    assert await audit_bot.services.bulk_audits.get(other.id, a_id) is None
    select = next(c for row in summary_b.components for c in row["components"] if c["type"] == 3)
    assert select["custom_id"] == f"so:audit:pick:{b_id}"
