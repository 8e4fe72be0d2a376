"""A second guild never sees the first one's data, through any /history, /moderate or /settings command."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

from tests.e2e.history_seed import DAY, T0, seed_review, stored_reviews, unanimous
from tests.fakediscord import Perm


async def reply(fake, who, channel, command, options=None):
    rec = await fake.invoke_slash(who, channel, command, options or {})
    message = await rec.wait_reply(timeout=10)
    assert message.ephemeral, command
    return rec, message


async def test_guild_b_sees_nothing_of_guild_a(fake_discord, bot_process, world, page_site):
    guild_a, channel_a, members_a = world
    guild_b = fake_discord.add_guild("Other Lab")
    channel_b = guild_b.add_text_channel("offers")
    old = datetime.now(UTC) - timedelta(days=400)
    boss_b = guild_b.add_member("boss-b", [guild_b.add_role("Managers", int(Perm.MANAGE_GUILD))], account_created=old)
    # The same person can be in both servers: their guild A activity must not leak into B either.
    shared = guild_b.add_member("shared", account_created=old, user_id=members_a[1].id)
    await bot_process.start()
    services = bot_process.services

    # Guild A: a check through the real /checklink, reviews with votes, settings.
    rec = await fake_discord.invoke_slash(members_a[0], channel_a, "checklink", {"url": page_site.url("/footer")})
    await rec.wait_reply(timeout=10)
    a, b, c = (m.id for m in members_a[:3])
    ids = [
        await seed_review(services, guild_a.id, domain="spam-farm.test", created_at=T0, requester_id=a,
                          votes=unanimous([b, c, members_a[3].id], "bad"), bot_risk="high", note="secret note"),
        await seed_review(services, guild_a.id, domain="blog.test", created_at=T0 + DAY, requester_id=b,
                          votes=unanimous([a, c], "good"), close=False),
    ]
    await services.guild_settings.update(guild_a.id, T0, min_votes=7, check_cooldown_seconds=99)
    secrets = ("spam-farm.test", "blog.test", "secret note", *(f"#{i}" for i in ids))

    def leaks(text: str, typed: str = "") -> list[str]:
        # What the member typed is echoed back (the filter, the dossier's title); nothing else may show.
        return [s for s in secrets if s in text.replace(typed, "")]

    checks = [
        ("history search", {}),
        ("history search", {"domain": "spam-farm.test"}),
        ("history search", {"member": shared}),
        ("history search", {"verdict": "high"}),
        ("history search", {"words": "secret"}),
        ("history domain", {"domain": "spam-farm.test"}),
        ("history domain", {"domain": "blog.test"}),
        ("history stats", {}),
        ("history stats", {"member": shared}),
    ]
    for command, options in checks:
        # A moderator of guild B sees the most there: still nothing of guild A.
        _, message = await reply(fake_discord, boss_b, channel_b, command, options)
        embed = message.embeds[0]
        typed = str(options.get("domain") or options.get("words") or "\x00")
        assert not leaks(str(embed), typed), (command, options, leaks(str(embed), typed))
        if command == "history search":
            assert "No reviews match" in embed["description"] and "0 reviews match" in embed["footer"]["text"]
        if command == "history domain":
            assert "never checked or reviewed" in embed["description"]
    _, stats = await reply(fake_discord, shared, channel_b, "history stats", {"member": shared})
    values = {f["name"]: f["value"] for f in stats.embeds[0]["fields"]}
    assert values["Votes cast"].startswith("0 in 0") and values["Reviews requested"] == "0"
    _, board = await reply(fake_discord, boss_b, channel_b, "history stats")
    assert "Nobody has voted" in board.embeds[0]["description"]

    # Guessing guild A's review ids from guild B finds nothing, for reading or for moderating.
    for review_id in ids:
        _, message = await reply(fake_discord, boss_b, channel_b, "history review", {"id": review_id})
        assert f"no review #{review_id}" in message.content
        _, message = await reply(fake_discord, boss_b, channel_b, "moderate delete",
                                 {"id": review_id, "reason": "cross-guild guess"})
        assert f"no review #{review_id}" in message.content
        _, message = await reply(fake_discord, boss_b, channel_b, "moderate reopen", {"id": review_id})
        assert f"no review #{review_id}" in message.content
    _, message = await reply(fake_discord, boss_b, channel_b, "moderate reset-votes", {"member": shared})
    assert "no votes on open reviews" in message.content
    assert {r.status for r in (await stored_reviews(services, guild_a.id)).values()} == {"closed", "open"}
    assert len(await services.votes.votes_for_review(ids[1], guild_a.id)) == 4

    # Exports from B: headers and empty lists only.
    rec, first = await reply(fake_discord, boss_b, channel_b, "history export", {"format": "all"})
    assert "5 file(s) in total" in first.content  # everything fits in one message
    files = first.attachments
    by_name = {f.filename: f.data.decode() for f in files}
    assert len(list(csv.reader(io.StringIO(by_name["reviews.csv"])))) == 1
    assert len(list(csv.reader(io.StringIO(by_name["votes.csv"])))) == 1
    assert len(list(csv.reader(io.StringIO(by_name["audits.csv"])))) == 1
    document = json.loads(by_name["history.json"])
    assert document["reviews"] == [] and document["votes"] == [] and document["guild_id"] == str(guild_b.id)
    assert not [line for line in by_name["disavow.txt"].splitlines() if not line.startswith("#")]
    assert not any(leaks(text) for text in by_name.values())

    # Settings are per guild.
    _, message = await reply(fake_discord, boss_b, channel_b, "settings show")
    shown = {f["name"]: f["value"] for f in message.embeds[0]["fields"]}
    assert shown["Quorum (votes per factor)"] == "3\n*default*"
    assert (await services.guild_settings.get(guild_a.id)).min_votes == 7

    # And A still sees all of it.
    _, message = await reply(fake_discord, members_a[0], channel_a, "history search")
    assert all(f"#{i}" in message.embeds[0]["description"] for i in ids)
