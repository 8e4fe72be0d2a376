"""/history through the fake Discord with the real bot: filters, persistent paging, detail, dossier, stats."""

from __future__ import annotations

import re

import pytest

from tests.e2e.history_seed import DAY, T0, seed_review, stored_reviews, unanimous
from tests.fakediscord import Perm

ROW_ID = re.compile(r"^\[?#(\d+)", re.MULTILINE)


def listed_ids(message) -> list[int]:
    return [int(m) for m in ROW_ID.findall(message.embeds[0].get("description") or "")]


def field(embed: dict, name: str) -> str:
    return next(f["value"] for f in embed["fields"] if f["name"].startswith(name))


@pytest.fixture
def moderator(world):
    guild, _, _ = world
    role = guild.add_role("Managers", int(Perm.MANAGE_GUILD))
    from datetime import UTC, datetime, timedelta

    return guild.add_member("boss", [role], account_created=datetime.now(UTC) - timedelta(days=500))


async def search(fake, who, channel, options=None):
    rec = await fake.invoke_slash(who, channel, "history search", options or {})
    reply = await rec.wait_reply()
    assert reply.ephemeral
    return reply


async def test_filters_each_narrow_the_list(fake_discord, bot_process, world, moderator):
    guild, channel, members = world
    await bot_process.start()
    services = bot_process.services
    a, b, c, d = (m.id for m in members[:4])
    ids = {}
    ids["good"] = await seed_review(services, guild.id, domain="garden-blog.test", created_at=T0, requester_id=a,
                                    votes=unanimous([b, c, d], "good"), bot_risk="low", note="compost guest post")
    ids["bad"] = await seed_review(services, guild.id, domain="spam-farm.test", created_at=T0 + 2 * DAY,
                                   requester_id=b, votes=unanimous([a, c, d], "bad"), bot_risk="high")
    ids["open"] = await seed_review(services, guild.id, domain="garden-blog.test", created_at=T0 + 4 * DAY,
                                    requester_id=c, votes=[(d, "overall", "good")], close=False,
                                    url="https://garden-blog.test/tools/wheelbarrow")
    ids["split"] = await seed_review(services, guild.id, domain="news-site.test", created_at=T0 + 6 * DAY,
                                     requester_id=d, votes=[(a, "overall", "good"), (b, "overall", "bad")])
    rows = await stored_reviews(services, guild.id)
    assert rows[ids["good"]].community_risk == "low" and rows[ids["bad"]].community_risk == "high"
    assert rows[ids["split"]].community_risk == "no_consensus"

    reply = await search(fake_discord, members[0], channel)
    assert listed_ids(reply) == [ids["split"], ids["open"], ids["bad"], ids["good"]]  # newest first
    assert "4 reviews match" in reply.embeds[0]["footer"]["text"]
    # Each row links to its thread.
    thread_id = rows[ids["bad"]].thread_id
    assert f"https://discord.com/channels/{guild.id}/{thread_id}" in reply.embeds[0]["description"]

    cases = [
        ({"domain": "https://www.Garden-Blog.test/some/page"}, [ids["open"], ids["good"]]),
        ({"member": members[3]}, [ids["split"], ids["open"], ids["bad"], ids["good"]]),  # requester or voter
        ({"member": members[2]}, [ids["open"], ids["bad"], ids["good"]]),
        ({"verdict": "high"}, [ids["bad"]]),
        ({"verdict": "no_consensus"}, [ids["split"]]),
        ({"risk": "low"}, [ids["good"]]),
        ({"status": "open"}, [ids["open"]]),
        ({"status": "closed", "domain": "garden-blog.test"}, [ids["good"]]),
        ({"since": "2025-06-17", "until": "2025-06-19"}, [ids["open"], ids["bad"]]),
        ({"until": "2025-06-15"}, [ids["good"]]),
        ({"words": "compost"}, [ids["good"]]),  # in the note
        ({"words": "tools wheelbarrow"}, [ids["open"]]),  # every word, in the URL
        ({"words": "nothing-like-this"}, []),
    ]
    for options, expected in cases:
        # Another member's reviews tell what they voted on: a moderator's search.
        reply = await search(fake_discord, moderator if "member" in options else members[0], channel, options)
        assert listed_ids(reply) == expected, options
        if not expected:
            assert "No reviews match" in reply.embeds[0]["description"]

    rec = await fake_discord.invoke_slash(members[0], channel, "history search", {"since": "15/06/2025"})
    reply = await rec.wait_reply()
    assert reply.ephemeral and "not an ISO date" in reply.content


async def test_pages_of_ten_survive_a_restart(fake_discord, bot_process, world):
    guild, channel, members = world
    await bot_process.start()
    ids = [
        await seed_review(bot_process.services, guild.id, domain=f"site{i}.test", created_at=T0 + i * 3600,
                          requester_id=members[0].id, note="guest post offer")
        for i in range(23)
    ]
    newest_first = ids[::-1]
    # A long filter does not fit in a custom_id: it is stored and the buttons carry its short id.
    long_words = "guest post offer " + "x" * 80
    await page_through(fake_discord, bot_process, members[1], channel, {}, newest_first, stored=False)
    await bot_process.services.db.execute("UPDATE reviews SET note = ? WHERE guild_id = ?", (long_words, guild.id))
    await page_through(fake_discord, bot_process, members[1], channel, {"words": long_words}, newest_first,
                       stored=True)


async def page_through(fake, bot_process, who, channel, options, newest_first, *, stored):
    first = await search(fake, who, channel, options)
    assert listed_ids(first) == newest_first[:10], options
    buttons = {b["label"]: b for b in first.buttons()}
    assert buttons["◀ Newer"].get("disabled") and not buttons["Older ▶"].get("disabled")
    assert all(len(b["custom_id"]) <= 100 for b in buttons.values())
    assert ("@" in buttons["Older ▶"]["custom_id"]) == stored
    await bot_process.restart()  # the buttons are persistent: a new process answers them
    click = await fake.click(who, first, buttons["Older ▶"]["custom_id"])
    await click.wait_response()
    await fake.wait_for(lambda: listed_ids(first) == newest_first[10:20], timeout=5)
    older = {b["label"]: b["custom_id"] for b in first.buttons()}
    click = await fake.click(who, first, older["Older ▶"])
    await click.wait_response()
    await fake.wait_for(lambda: listed_ids(first) == newest_first[20:], timeout=5)
    last = {b["label"]: b for b in first.buttons()}
    assert last["Older ▶"].get("disabled")
    await bot_process.restart()
    click = await fake.click(who, first, last["◀ Newer"]["custom_id"])
    await click.wait_response()
    await fake.wait_for(lambda: listed_ids(first) == newest_first[10:20], timeout=5)


async def test_review_detail_shows_voters_to_moderators_only(fake_discord, bot_process, world, moderator):
    guild, channel, members = world
    await bot_process.start()
    services = bot_process.services
    voters = [m.id for m in members[1:4]]
    review_id = await seed_review(services, guild.id, domain="spam-farm.test", created_at=T0,
                                  requester_id=members[0].id, votes=unanimous(voters, "bad"), bot_risk="medium",
                                  note="is this ok?")
    await services.audit.append(guild.id, review_id, moderator.id, "votes_reset", "tidy up", T0 + 2 * DAY)

    rec = await fake_discord.invoke_slash(members[4], channel, "history review", {"id": review_id})
    reply = await rec.wait_reply()
    assert reply.ephemeral
    embed = reply.embeds[0]
    assert f"Review #{review_id}" in embed["title"] and "spam-farm.test" in embed["title"]
    assert "MEDIUM" in field(embed, "Bot analysis") and "Link sits in the main content" in field(embed, "Bot analysis")
    votes = field(embed, "Votes per factor")
    assert "**Overall risk**: 🟢 0 · 🟡 0 · 🔴 3 → 🔴 bad" in votes
    assert "Website relevance" in votes
    assert "high" in field(embed, "Verdict")
    timeline = field(embed, "Timeline")
    assert "opened" in timeline and "closed" in timeline and "tidy up" in timeline
    assert f"<@{moderator.id}>" in timeline
    names = [f["name"] for f in embed["fields"]]
    assert not any("Who voted" in n for n in names)
    everything = str(embed)
    assert all(f"<@{v}>" not in everything for v in voters)

    rec = await fake_discord.invoke_slash(moderator, channel, "history review", {"id": review_id})
    embed = (await rec.wait_reply()).embeds[0]
    who = field(embed, "Who voted what")
    assert all(f"<@{v}>" in who for v in voters) and "🔴" in who

    rec = await fake_discord.invoke_slash(members[4], channel, "history review", {"id": review_id + 1000})
    reply = await rec.wait_reply()
    assert reply.ephemeral and f"no review #{review_id + 1000}" in reply.content


async def test_domain_dossier_and_stats(fake_discord, bot_process, world, moderator):
    guild, channel, members = world
    await bot_process.start()
    services = bot_process.services
    a, b, c, d = (m.id for m in members[:4])
    # The bot said high twice; the community agreed once (high) and disagreed once (low).
    await seed_review(services, guild.id, domain="spam-farm.test", created_at=T0, requester_id=a,
                      votes=unanimous([b, c, d], "bad"), bot_risk="high")
    await seed_review(services, guild.id, domain="spam-farm.test", created_at=T0 + DAY, requester_id=a,
                      votes=[*unanimous([b, c], "good"), *unanimous([d], "bad")], bot_risk="high")
    await seed_review(services, guild.id, domain="other.test", created_at=T0 + 2 * DAY, requester_id=b,
                      votes=unanimous([a, c, d], "good"), bot_risk="low")

    rec = await fake_discord.invoke_slash(members[5], channel, "history domain", {"domain": "spam-farm.test"})
    reply = await rec.wait_reply()
    assert reply.ephemeral
    embed = reply.embeds[0]
    assert "2 check(s) and 2 review(s)" in embed["description"]
    assert "1 of 2" in field(embed, "Bot vs community")
    assert "🟢 low" in field(embed, "Latest verdict")  # the most recent close was judged low
    assert field(embed, "Checks").count("check #") == 2
    assert "other.test" not in str(embed)

    rec = await fake_discord.invoke_slash(moderator, channel, "history stats", {"member": members[3]})
    embed = (await rec.wait_reply()).embeds[0]
    values = {f["name"]: f["value"] for f in embed["fields"]}
    assert values["Reviews requested"] == "0"
    assert values["Votes cast"].startswith("6 in 3")
    # d voted bad, bad, good on reviews whose answers were bad, good, good: 4 of 6 votes agree.
    assert values["Agreement with final verdicts"] == "67% (4/6)"

    rec = await fake_discord.invoke_slash(moderator, channel, "history stats", {})
    board = (await rec.wait_reply()).embeds[0]["description"]
    assert board.splitlines()[0].startswith("**1.**")
    assert all(f"<@{m}>" in board for m in (a, b, c, d))

    # A member sees their own stats and reviews; another member's, or the leaderboard, would tell
    # what that member voted: moderators only.
    rec = await fake_discord.invoke_slash(members[3], channel, "history stats", {"member": members[3]})
    assert "67% (4/6)" in str((await rec.wait_reply()).embeds[0])
    own = await search(fake_discord, members[3], channel, {"member": members[3]})
    assert "3 reviews match" in own.embeds[0]["footer"]["text"]
    for command, options in (("history stats", {"member": members[3]}), ("history stats", {}),
                             ("history search", {"member": members[3]})):
        rec = await fake_discord.invoke_slash(members[5], channel, command, options)
        refused = await rec.wait_reply()
        assert refused.ephemeral and not refused.embeds and "Only moderators" in refused.content, command


async def test_checks_made_with_checklink_show_in_the_dossier(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    await bot_process.start()
    for path in ("/in-content", "/footer"):
        rec = await fake_discord.invoke_slash(members[0], channel, "checklink", {"url": page_site.url(path)})
        await rec.wait_reply(timeout=10)
    rec = await fake_discord.invoke_slash(members[1], channel, "history domain", {"domain": page_site.url("/x")})
    embed = (await rec.wait_reply()).embeds[0]
    assert "blog.test" in embed["title"]
    assert "2 check(s) and 0 review(s)" in embed["description"]
    checks = field(embed, "Checks")
    assert checks.count("check #") == 2 and f"<@{members[0].id}>" in checks
    stored = await bot_process.services.db.fetchall("SELECT id, risk_level FROM checks ORDER BY id DESC")
    for check_id, risk in stored:
        assert f"check #{check_id} · " in checks and risk in checks
