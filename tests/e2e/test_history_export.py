"""/history export through the fake Discord: attachments parsed back and compared with the database."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.history.export import REVIEW_COLUMNS, VOTE_COLUMNS
from tests.e2e.history_seed import DAY, T0, seed_review, stored_reviews, unanimous
from tests.fakediscord import Perm


@pytest.fixture
def moderator(world):
    guild, _, _ = world
    role = guild.add_role("Managers", int(Perm.MANAGE_GUILD))
    return guild.add_member("boss", [role], account_created=datetime.now(UTC) - timedelta(days=500))


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


async def export(fake, who, channel, options) -> list:
    """Every attachment the export sent, in order (over one or several ephemeral messages)."""
    rec = await fake.invoke_slash(who, channel, "history export", options)
    first = await rec.wait_reply(timeout=10)

    def messages():
        return [first, *[m for m in rec.followups if m is not first]]

    last = await fake.wait_for(lambda: next((m for m in messages() if "in total" in m.content), None), timeout=10)
    expected = int(re.search(r"(\d+) file\(s\) in total", last.content)[1])
    assert all(m.ephemeral for m in messages())
    files = [a for m in messages() for a in m.attachments]
    assert len(files) == expected
    return files, last


async def seed_mixed(services, guild_id: int, members) -> dict[str, int]:
    a, b, c, d = (m.id for m in members[:4])
    return {
        "low": await seed_review(services, guild_id, domain="garden-blog.test", created_at=T0, requester_id=a,
                                 votes=unanimous([b, c, d], "good"), bot_risk="low", note="=HYPERLINK(\"x\")"),
        "high": await seed_review(services, guild_id, domain="spam-farm.test", created_at=T0 + DAY, requester_id=b,
                                  votes=unanimous([a, c, d], "bad"), bot_risk="high"),
        "high_then_low": await seed_review(services, guild_id, domain="link-shop.test", created_at=T0 + 2 * DAY,
                                           requester_id=b, votes=unanimous([a, c, d], "bad"), bot_risk="high"),
        "relief": await seed_review(services, guild_id, domain="link-shop.test", created_at=T0 + 3 * DAY,
                                    requester_id=c, votes=unanimous([a, b, d], "good"), bot_risk="high"),
        "open": await seed_review(services, guild_id, domain="spam-farm.test", created_at=T0 + 4 * DAY,
                                  requester_id=d, votes=[(a, "overall", "unsure")], close=False),
    }


async def test_export_all_formats_match_the_database(fake_discord, bot_process, world, moderator):
    guild, channel, members = world
    await bot_process.start()
    services = bot_process.services
    ids = await seed_mixed(services, guild.id, members)
    files, first = await export(fake_discord, moderator, channel, {"format": "all"})
    by_name = {f.filename: f.data for f in files}
    assert set(by_name) == {"reviews.csv", "votes.csv", "history.json", "disavow.txt", "audits.csv"}

    reviews = csv_rows(by_name["reviews.csv"])
    assert list(reviews[0]) == list(REVIEW_COLUMNS)
    stored = await stored_reviews(services, guild.id)
    assert [int(r["id"]) for r in reviews] == sorted(stored, key=lambda i: -stored[i].created_at)
    for row in reviews:
        review = stored[int(row["id"])]
        assert row["domain"] == review.domain and row["url"] == review.url
        assert row["status"] == review.status and row["requester_id"] == str(review.requester_id)
        assert (row["community_risk"] or None) == review.community_risk
    note = next(r["note"] for r in reviews if int(r["id"]) == ids["low"])
    assert note.startswith("'=")  # a spreadsheet must not run it as a formula

    votes = csv_rows(by_name["votes.csv"])
    assert list(votes[0]) == list(VOTE_COLUMNS)
    db_votes = await services.db.fetchall(
        "SELECT review_id, factor, member_id, choice FROM votes WHERE guild_id = ?", (guild.id,))
    assert sorted((int(v["review_id"]), v["factor"], int(v["member_id"]), v["choice"]) for v in votes) == sorted(
        tuple(r) for r in db_votes)
    assert {v["agrees"] for v in votes if int(v["review_id"]) == ids["high"]} == {"yes"}

    document = json.loads(by_name["history.json"])
    assert document["guild_id"] == str(guild.id)
    assert [r["id"] for r in document["reviews"]] == [int(r["id"]) for r in reviews]
    assert len(document["votes"]) == len(votes)

    disavow = by_name["disavow.txt"].decode("ascii").splitlines()
    assert disavow[0].startswith("#") and all(line.startswith(("#", "domain:")) for line in disavow)
    # link-shop.test was judged high once, then low most recently: only spam-farm.test is disavowed.
    assert [line for line in disavow if not line.startswith("#")] == ["domain:spam-farm.test"]

    # Filters apply to the export too.
    files, _ = await export(fake_discord, moderator, channel, {"format": "csv", "domain": "link-shop.test"})
    reviews = csv_rows(next(f.data for f in files if f.filename == "reviews.csv"))
    assert sorted(int(r["id"]) for r in reviews) == sorted([ids["high_then_low"], ids["relief"]])
    files, _ = await export(fake_discord, moderator, channel, {"format": "json", "verdict": "high"})
    document = json.loads(files[0].data)
    assert [r["id"] for r in document["reviews"]] == [ids["high_then_low"], ids["high"]]
    assert {v["review_id"] for v in document["votes"]} == {ids["high_then_low"], ids["high"]}


async def test_a_big_export_is_split_under_the_upload_limit(fake_discord, bot_process, world, moderator):
    guild, channel, members = world
    await bot_process.start()
    services = bot_process.services
    ids = [
        await seed_review(services, guild.id, domain=f"site{i}.test", created_at=T0 + i * 60,
                          requester_id=members[0].id, note=f"offer {i} " + "details " * 220,
                          votes=[(members[1].id, "overall", "bad")])
        for i in range(120)
    ]
    fake_discord.attachment_size_limit = 150_000
    files, first = await export(fake_discord, moderator, channel, {"format": "all"})
    assert all(len(f.data) <= 150_000 for f in files)
    review_parts = sorted((f for f in files if f.filename.startswith("reviews-part")), key=lambda f: f.filename)
    assert len(review_parts) >= 2, [f.filename for f in files]
    exported = []
    for part in review_parts:
        rows = csv_rows(part.data)  # every part opens on its own: it starts with the header
        assert list(rows[0]) == list(REVIEW_COLUMNS)
        exported += [int(r["id"]) for r in rows]
    assert exported == ids[::-1]
    pieces = sorted((f for f in files if f.filename.startswith("history.json.")), key=lambda f: f.filename)
    assert len(pieces) >= 2
    document = json.loads(b"".join(p.data for p in pieces))
    assert [r["id"] for r in document["reviews"]] == ids[::-1]
    assert "join them in order" in first.content

    # Under a limit too small for even one piece, the member is told plainly; nothing is half-sent.
    fake_discord.attachment_size_limit = 2_000
    rec = await fake_discord.invoke_slash(moderator, channel, "history export", {"format": "csv"})
    reply = await rec.wait_reply(timeout=10)
    assert reply.ephemeral and not reply.attachments
    assert "larger than Discord lets the bot upload" in reply.content


async def test_members_without_the_right_cannot_export(fake_discord, bot_process, world):
    guild, channel, members = world
    await bot_process.start()
    await seed_mixed(bot_process.services, guild.id, members)
    rec = await fake_discord.invoke_slash(members[0], channel, "history export", {"format": "all"})
    reply = await rec.wait_reply()
    assert reply.ephemeral and "Only moderators" in reply.content and not reply.attachments
    # The guild's moderator role is enough, without Manage Server.
    mods = guild.add_role("Link mods")
    await bot_process.services.guild_settings.update(guild.id, T0, moderator_role_id=mods.id)
    fake_discord.update_member(members[0], roles=[mods])
    await fake_discord.wait_for(
        lambda: any(r.id == mods.id for r in bot_process.bot.get_guild(guild.id).get_member(members[0].id).roles))
    files, _ = await export(fake_discord, members[0], channel, {"format": "disavow"})
    assert [f.filename for f in files] == ["disavow.txt"]
