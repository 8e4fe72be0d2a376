"""/moderate delete on an open review: the bot forgets it and retires its thread."""

from __future__ import annotations

import time

from bot.review.votes import VoteOps
from tests.e2e.review_helpers import BAD, GOOD, eventually, open_review, stored_votes, wait_votes
from tests.fakediscord.limits import Fault

REASON = "SECRET-REASON: a spam ring"


async def _delete(fake_discord, moderator, channel, review_id: int):
    rec = await fake_discord.invoke_slash(moderator, channel, "moderate delete", {"id": review_id, "reason": REASON})
    reply = await rec.wait_reply(timeout=10)
    assert reply.ephemeral and f"Review #{review_id}" in reply.content and "deleted" in reply.content
    return reply


def _thread_texts(fake_discord, thread) -> str:
    texts = []
    for message in fake_discord.messages_in(thread):
        texts.append(message.content or "")
        texts += [str(embed) for embed in message.embeds]
    return "\n".join(texts)


async def test_deleting_an_open_review_retires_its_thread_and_stops_its_votes(
    fake_discord, bot_process, world, page_site
):
    guild, channel, members = world
    await bot_process.start()
    cog = bot_process.bot.get_cog("Reviews").runtime
    review, _ = await open_review(fake_discord, bot_process, members[0], channel, page_site.url("/in-content"))
    other, _ = await open_review(fake_discord, bot_process, members[0], channel, page_site.url("/footer"))
    await fake_discord.react(members[1], review.factors["overall"], GOOD)
    await wait_votes(bot_process, review.id, {("overall", members[1].id): "good"})

    await _delete(fake_discord, guild.owner, channel, review.id)
    await fake_discord.wait_for(lambda: review.thread.archived and review.thread.locked, timeout=5,
                                what="the thread locked and archived")
    archive = [c.json for c in fake_discord.calls("PATCH", f"/channels/{review.thread.id}")]
    assert {"archived": True, "locked": True}.items() <= archive[-1].items()
    # One short public notice, without the moderator's reason (that stays in the audit log).
    notice = fake_discord.messages_in(review.thread)[-1]
    assert notice.author.id == fake_discord.bot_user.id and "A moderator deleted this review" in notice.content
    assert REASON not in _thread_texts(fake_discord, review.thread)
    # The summary says so and lost its Close/Reopen buttons.
    assert review.summary.buttons() == []
    status = review.summary.embeds[0]["fields"][-1]["value"]
    assert "deleted by a moderator" in status and "open for votes" not in status
    # Nothing about it stays in memory.
    assert review.id not in cog.desk.reviews and not cog.service.remembers(review.id)
    assert not cog.board.remembers(review.id) and not cog.coalescer.remembers(review.id)
    assert not any(ref.review_id == review.id for ref in cog.desk.refs.values())
    # A vote arriving anyway (the fake lets the event through) is not counted.
    fake_discord.add_reaction(review.factors["relevance"], members[2].id, BAD)
    await fake_discord.flush()
    await cog.ingestor.submit_ops(VoteOps())  # whatever was queued is written
    assert await stored_votes(bot_process, review.id) == {("overall", members[1].id): "good"}
    # Its deadline never closes it: the sweep closes the other review, due at the same time, only.
    for review_id in (review.id, other.id):
        await bot_process.services.db.execute("UPDATE reviews SET deadline_at = ? WHERE id = ?",
                                              (time.time() - 5, review_id))
    cog.wake()
    await eventually(lambda: _status(bot_process, other.id, "closed"), what="the other review closed")
    assert await _status(bot_process, review.id, "deleted")
    assert not any(m.embeds and m.embeds[0].get("title", "").startswith("Community verdict")
                   for m in fake_discord.messages_in(review.thread))
    # The other review is untouched by the deletion: it kept its thread until its own close
    # (a closed review's summary also offers to watch its link).
    assert other.summary.buttons() and [b["label"] for b in other.summary.buttons()] == [
        "Close review", "Reopen (moderators)", "Watch this link"]


async def test_discord_refusing_the_thread_changes_is_logged_not_shown_to_the_moderator(
    fake_discord, bot_process, world, page_site, caplog
):
    guild, channel, members = world
    await bot_process.start()
    review, _ = await open_review(fake_discord, bot_process, members[0], channel, page_site.url("/in-content"))
    rule = fake_discord.inject_rest_faults(f"POST /channels/{review.thread.id}/messages", [Fault(403)])
    reply = await _delete(fake_discord, guild.owner, channel, review.id)
    assert "audit log" in reply.content
    # The notice was refused; the summary and the archive still happen.
    await fake_discord.wait_for(lambda: review.thread.archived and review.thread.locked, timeout=5,
                                what="the thread locked and archived")
    assert rule.remaining == 0 and review.summary.buttons() == []
    assert "could not post the deletion notice of review" in caplog.text


async def _status(bot_process, review_id: int, status: str) -> bool:
    row = await bot_process.services.db.fetchone("SELECT status FROM reviews WHERE id = ?", (review_id,))
    return row[0] == status
