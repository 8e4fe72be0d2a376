"""Restarts, deleted messages, closing into a verdict, deadlines and reopening."""

from __future__ import annotations

import json
import time

from bot.review.votes import VoteOps
from bot.storage.database import Database
from tests.e2e.review_helpers import BAD, GOOD, UNSURE, eventually, open_review, stored_votes, wait_votes


async def test_restart_reconciles_reactions_added_and_removed_while_down(
    fake_discord, bot_process, world, page_site
):
    guild, channel, members = world
    await bot_process.start()
    review, _ = await open_review(fake_discord, bot_process, members[0], channel, page_site.url("/in-content"))
    rel, anchor, overall = review.factors["relevance"], review.factors["anchor_text"], review.factors["overall"]
    a, b, c, d = members[1], members[2], members[3], members[4]
    await fake_discord.react(a, rel, GOOD)
    await fake_discord.react(b, rel, BAD)
    await fake_discord.react(c, overall, UNSURE)
    await wait_votes(bot_process, review.id, {("relevance", a.id): "good", ("relevance", b.id): "bad",
                                              ("overall", c.id): "unsure"})
    await bot_process.stop()
    # While the bot is away: a withdrawal, a switch, new votes, one from the requester.
    await fake_discord.unreact(b, rel, BAD)
    await fake_discord.unreact(c, overall, UNSURE)
    await fake_discord.react(c, overall, BAD)
    await fake_discord.react(d, anchor, GOOD)
    await fake_discord.react(d, anchor, BAD)  # two reactions at once: the most cautious wins
    await fake_discord.react(members[0], anchor, GOOD)  # the requester's vote does not count
    await bot_process.start()
    await wait_votes(bot_process, review.id, {("relevance", a.id): "good", ("overall", c.id): "bad",
                                              ("anchor_text", d.id): "bad"})
    cog = bot_process.bot.get_cog("Reviews").runtime
    await eventually(lambda: _value(cog.reconcile_runs >= 1), what="a reconciliation pass")
    summary = review.summary
    await fake_discord.wait_for(lambda: "**Anchor text** — 🟢 0 🟡 0 🔴 1" in summary.embeds[0]["fields"][1]["value"],
                                timeout=5, what="the tally refreshed after the restart")
    # Live votes work again after the restart (the map was reloaded from the database).
    await fake_discord.react(b, rel, UNSURE)
    await wait_votes(bot_process, review.id, {("relevance", a.id): "good", ("overall", c.id): "bad",
                                              ("anchor_text", d.id): "bad", ("relevance", b.id): "unsure"})


async def test_reconnect_with_a_new_session_reconciles(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    await bot_process.start()
    review, _ = await open_review(fake_discord, bot_process, members[0], channel, page_site.url("/in-content"))
    cog = bot_process.bot.get_cog("Reviews").runtime
    runs = cog.reconcile_runs
    fake_discord.pause_gateway()
    await fake_discord.react(members[1], review.factors["placement"], GOOD)
    fake_discord.resume_gateway(deliver=False)  # the event is lost, as in a gap between sessions
    fake_discord.invalidate_session()
    await eventually(lambda: _value(cog.reconcile_runs > runs), what="reconciliation after re-identify")
    await wait_votes(bot_process, review.id, {("placement", members[1].id): "good"})


async def test_deleted_factor_message_and_thread_mark_the_review_broken(
    fake_discord, bot_process, world, page_site
):
    guild, channel, members = world
    await bot_process.start()
    first, _ = await open_review(fake_discord, bot_process, members[0], channel, page_site.url("/in-content"))
    await fake_discord.remove_message(first.factors["relevance"])
    await eventually(lambda: _broken(bot_process, first.id), what="review marked broken")
    # The thread says so, and the summary shows why: votes on the other messages are not counted.
    await fake_discord.wait_for(
        lambda: any("Voting has stopped" in m.content for m in fake_discord.messages_in(first.thread)),
        timeout=8, what="the voting-stopped notice")
    await fake_discord.wait_for(lambda: "⚠️" in str(first.summary.embeds[0]), timeout=8,
                                what="the summary showing why")
    # No more votes are taken on it.
    await fake_discord.react(members[2], first.factors["overall"], BAD)
    second, _ = await open_review(fake_discord, bot_process, members[1], channel, page_site.url("/footer"))
    await fake_discord.react(members[3], second.factors["overall"], BAD)
    await wait_votes(bot_process, second.id, {("overall", members[3].id): "bad"})
    fake_discord.delete_channel(second.thread)
    await fake_discord.flush()
    # Without its thread nobody could close it: it closes now with its votes, freeing its URL.
    await eventually(lambda: _closed(bot_process, second.id), what="second review closed")
    assert await stored_votes(bot_process, second.id) == {("overall", members[3].id): "bad"}
    again, _ = await open_review(fake_discord, bot_process, members[1], channel, page_site.url("/footer"))
    assert again.id != second.id
    assert await stored_votes(bot_process, first.id) == {}
    # A deletion while the bot is down is found by the reconciliation at start.
    third, _ = await open_review(fake_discord, bot_process, members[2], channel,
                                 page_site.url("/many-links"))
    await bot_process.stop()
    fake_discord.delete_message(third.factors["overall"])
    await bot_process.start()
    await eventually(lambda: _broken(bot_process, third.id), what="third review marked broken after restart")


async def test_close_by_requester_posts_the_verdict_and_archives(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    await bot_process.start()
    await bot_process.services.guild_settings.update(guild.id, 0.0, min_votes=2)
    requester = members[0]
    review, _ = await open_review(fake_discord, bot_process, requester, channel, page_site.url("/in-content"))
    for voter in members[1:4]:
        await fake_discord.react(voter, review.factors["overall"], BAD)
    await fake_discord.react(members[1], review.factors["placement"], GOOD)
    await fake_discord.react(members[2], review.factors["placement"], GOOD)
    await fake_discord.react(members[3], review.factors["relevance"], GOOD)
    await eventually(lambda: _count(bot_process, review.id, 6), what="votes stored")
    close_id = f"so:close:{review.id}"
    # A random member may not close it.
    refused = await fake_discord.click(members[4], review.summary, close_id)
    answer = await refused.wait_reply()
    assert answer.ephemeral and "Only the member who asked" in answer.content
    click = await fake_discord.click(requester, review.summary, close_id)
    done = await click.wait_reply(timeout=10)
    assert done.ephemeral and "high" in done.content
    row = await bot_process.services.db.fetchone(
        "SELECT status, close_reason, closed_by, community_risk, verdict_json FROM reviews WHERE id = ?", (review.id,))
    assert tuple(row[:4]) == ("closed", "requester", requester.id, "high")
    verdict = json.loads(row[4])
    by_factor = {f["factor"]: f for f in verdict["factors"]}
    assert by_factor["overall"]["answer"] == "bad" and by_factor["placement"]["answer"] == "good"
    assert by_factor["relevance"]["answer"] == "no_consensus"  # 1 vote, quorum 2
    # The verdict in the thread, beside the bot's analysis, with the disagreement pointed out.
    posted = fake_discord.messages_in(review.thread)[-1]
    embed = posted.embeds[0]
    assert embed["title"].startswith("Community verdict")
    assert "no consensus" in embed["description"]
    names = [f["name"] for f in embed["fields"]]
    assert "Where the community and the bot disagree" in names
    assert review.thread.archived and review.thread.locked
    # The requester is told where they asked, without a ping.
    notice = fake_discord.messages_in(channel)[-1]
    assert f"<@{requester.id}>" in notice.content and "high" in notice.content
    sent = [c for c in fake_discord.calls("POST", f"/channels/{channel.id}/messages")]
    assert sent[-1].json["allowed_mentions"]["parse"] == []
    # A vote arriving after the close is not counted (the fake lets the event through regardless).
    before = await stored_votes(bot_process, review.id)
    fake_discord.add_reaction(review.factors["relevance"], members[5].id, BAD)
    await fake_discord.flush()
    await bot_process.bot.get_cog("Reviews").runtime.ingestor.submit_ops(VoteOps())  # whatever was queued is written
    assert await stored_votes(bot_process, review.id) == before
    audit = await bot_process.services.db.fetchall(
        "SELECT action, actor_id FROM audit_log WHERE review_id = ? ORDER BY id", (review.id,))
    assert [tuple(r) for r in audit] == [("opened", requester.id), ("closed", requester.id)]
    # The guild remembers: the next /checklink of that domain shows the community verdict.
    rec = await fake_discord.invoke_slash(members[5], channel, "checklink", {"url": page_site.url("/footer")})
    reply = await rec.wait_reply()
    community = next(f["value"] for f in reply.embeds[0]["fields"] if f["name"] == "Community verdict")
    assert "high" in community and f"<#{review.thread.id}>" in community


async def test_moderator_close_reopen_and_refusals(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    mods = guild.add_role("mods")
    moderator = members[5]
    fake_discord.update_member(moderator, roles=[mods])
    await bot_process.start()
    await bot_process.services.guild_settings.update(guild.id, 0.0, moderator_role_id=mods.id)
    review, _ = await open_review(fake_discord, bot_process, members[0], channel, page_site.url("/in-content"))
    await fake_discord.react(members[1], review.factors["relevance"], GOOD)
    await wait_votes(bot_process, review.id, {("relevance", members[1].id): "good"})
    # /review close by a random member inside the thread: refused.
    rec = await fake_discord.invoke_slash(members[2], review.thread, "review close")
    answer = await rec.wait_reply()
    assert answer.ephemeral and "Only the member who asked" in answer.content
    # By the moderator (role): closed.
    rec = await fake_discord.invoke_slash(moderator, review.thread, "review close")
    await rec.wait_reply(timeout=10)
    row = await bot_process.services.db.fetchone("SELECT status, close_reason FROM reviews WHERE id = ?",
                                                 (review.id,))
    assert tuple(row) == ("closed", "moderator")
    # Reacting on a closed (archived) review is impossible; a vote arriving anyway is not counted.
    # Reopen by a non-moderator: refused.
    click = await fake_discord.click(members[0], review.summary, f"so:reopen:{review.id}")
    answer = await click.wait_reply()
    assert answer.ephemeral and "Only moderators" in answer.content
    # Reopen by the guild owner (Manage Server) via the button.
    click = await fake_discord.click(guild.owner, review.summary, f"so:reopen:{review.id}")
    await click.wait_reply(timeout=10)
    row = await bot_process.services.db.fetchone("SELECT status, deadline_at FROM reviews WHERE id = ?",
                                                 (review.id,))
    assert row[0] == "open" and row[1] > time.time() + 3600
    assert not review.thread.archived and not review.thread.locked
    # Votes were kept, and new ones count again.
    await fake_discord.react(members[2], review.factors["relevance"], BAD)
    await wait_votes(bot_process, review.id, {("relevance", members[1].id): "good",
                                              ("relevance", members[2].id): "bad"})
    await fake_discord.wait_for(lambda: "open for votes" in review.summary.embeds[0]["fields"][-1]["value"],
                                timeout=5, what="the summary back to open")
    audit = await bot_process.services.db.fetchall(
        "SELECT action, actor_id FROM audit_log WHERE review_id = ? ORDER BY id", (review.id,))
    assert [tuple(r) for r in audit] == [("opened", members[0].id), ("closed", moderator.id),
                                         ("reopened", guild.owner.id)]
    # /review reopen on an open review is refused with the reason.
    rec = await fake_discord.invoke_slash(moderator, review.thread, "review reopen")
    answer = await rec.wait_reply()
    assert answer.ephemeral and "already open" in answer.content


async def test_deadline_passed_during_a_restart_closes_right_after_start(
    fake_discord, bot_process, world, page_site
):
    guild, channel, members = world
    await bot_process.start()
    review, _ = await open_review(fake_discord, bot_process, members[0], channel, page_site.url("/in-content"))
    await fake_discord.react(members[1], review.factors["overall"], GOOD)
    await wait_votes(bot_process, review.id, {("overall", members[1].id): "good"})
    storage = bot_process.settings.storage
    await bot_process.stop()
    async with await Database.open(storage.url or storage.path) as db:  # the deadline passes while the bot is down
        await db.execute("UPDATE reviews SET deadline_at = ? WHERE id = ?", (time.time() - 5, review.id))
    await fake_discord.react(members[2], review.factors["overall"], BAD)  # after the deadline: not counted
    await bot_process.start()
    await eventually(lambda: _status(bot_process, review.id, "closed"), what="closed by the deadline")
    row = await bot_process.services.db.fetchone("SELECT close_reason, closed_by FROM reviews WHERE id = ?",
                                                 (review.id,))
    assert tuple(row) == ("deadline", None)
    assert await stored_votes(bot_process, review.id) == {("overall", members[1].id): "good"}
    await fake_discord.wait_for(lambda: review.thread.archived, timeout=5, what="the thread archived")


async def test_a_short_deadline_closes_while_running(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    await bot_process.start()
    review, _ = await open_review(fake_discord, bot_process, members[0], channel, page_site.url("/in-content"))
    # Bring the deadline near and wake the sweeper as an open/reopen would.
    await bot_process.services.db.execute("UPDATE reviews SET deadline_at = ? WHERE id = ?",
                                          (time.time() + 0.3, review.id))
    bot_process.bot.get_cog("Reviews").runtime.wake()
    await eventually(lambda: _status(bot_process, review.id, "closed"), what="closed by the deadline")


async def _value(value: bool) -> bool:
    return value


async def _closed(bot_process, review_id: int) -> bool:
    row = await bot_process.services.db.fetchone("SELECT status FROM reviews WHERE id = ?", (review_id,))
    return row is not None and row[0] == "closed"


async def _broken(bot_process, review_id: int) -> bool:
    row = await bot_process.services.db.fetchone("SELECT broken FROM reviews WHERE id = ?", (review_id,))
    return row is not None and row[0] is not None


async def _status(bot_process, review_id: int, status: str) -> bool:
    row = await bot_process.services.db.fetchone("SELECT status FROM reviews WHERE id = ?", (review_id,))
    return row is not None and row[0] == status


async def _count(bot_process, review_id: int, n: int) -> bool:
    return len(await stored_votes(bot_process, review_id)) == n

