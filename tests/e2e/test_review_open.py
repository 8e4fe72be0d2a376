"""Opening a peer review: by /secondopinion, by the button on a /checklink reply, into a forum."""

from __future__ import annotations

from tests.e2e.review_helpers import BAD, GOOD, TARGET, UNSURE, open_review, opened_from_db


async def test_secondopinion_opens_a_thread_with_summary_and_factor_messages(
    fake_discord, bot_process, world, page_site
):
    guild, channel, members = world
    await bot_process.start()
    url = page_site.url("/in-content")
    note = "@everyone **is this** <@123> ok?"
    review, reply = await open_review(fake_discord, bot_process, members[0], channel, url,
                                      target=TARGET, keyword="compost bins", note=note)
    # The thread lives in the current channel (no review channel set), named domain · #id.
    assert review.thread.parent_id == channel.id
    assert review.thread.name == f"blog.test · #{review.id}"
    assert f"<#{review.thread.id}>" in reply.content
    embed = review.summary.embeds[0]
    text = embed["description"]
    assert f"<@{members[0].id}>" in text and url in text and TARGET in text and "compost bins" in text
    # The note is escaped: no live mention, no markdown.
    assert "@\u200beveryone" in text and "\\*\\*is this\\*\\*" in text and "<@123>" not in text
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert "LOW" in fields["The bot's analysis"]
    assert "🟢 0 🟡 0 🔴 0" in fields["Community tally"]
    assert "<t:" in fields["Status"]
    labels = [b["label"] for b in review.summary.buttons()]
    assert labels == ["Close review", "Reopen (moderators)"]
    # One message per factor with the bot's own verdict and the three vote reactions.
    placement = review.factors["placement"]
    assert "Link placement" in placement.content and "Bot: 🟢 **good**" in placement.content
    overall = review.factors["overall"]
    assert "risk **low**" in overall.content
    for message in review.factors.values():
        assert [message.reactors(e) for e in (GOOD, UNSURE, BAD)] == [[fake_discord.bot_user.id]] * 3
    # The analysis was run once and stored; the audit log has the opening.
    rows = await bot_process.services.db.fetchall("SELECT action, actor_id FROM audit_log WHERE review_id = ?",
                                                  (review.id,))
    assert [tuple(r) for r in rows] == [("opened", members[0].id)]
    # Asking again points to the open review; no second one.
    rec = await fake_discord.invoke_slash(members[1], channel, "secondopinion", {"url": url, "target": TARGET})
    again = await rec.wait_reply()
    assert again.ephemeral and f"<#{review.thread.id}>" in again.content
    count = await bot_process.services.db.fetchone("SELECT COUNT(*) FROM reviews")
    assert count[0] == 1


async def test_button_on_a_checklink_reply_opens_a_review_reusing_the_check(
    fake_discord, bot_process, world, page_site
):
    guild, channel, members = world
    await bot_process.start()
    url = page_site.url("/footer")
    rec = await fake_discord.invoke_slash(members[1], channel, "checklink", {"url": url, "target": TARGET})
    reply = await rec.wait_reply()
    ask = next(b["custom_id"] for b in reply.buttons() if b["label"] == "Ask for a second opinion")
    hits = page_site.hits.get("/footer", 0)
    await bot_process.restart()  # the button is persistent
    click = await fake_discord.click(members[1], reply, ask)
    answer = await click.wait_reply(timeout=10)
    assert not answer.ephemeral and "second opinion" in answer.content
    review = await opened_from_db(fake_discord, bot_process, url)
    assert page_site.hits.get("/footer", 0) == hits  # the stored check was reused, not fetched again
    row = await bot_process.services.db.fetchone("SELECT check_id, requester_id, target FROM reviews WHERE id = ?",
                                                 (review.id,))
    check = await bot_process.services.db.fetchone("SELECT id FROM checks")
    assert tuple(row) == (check[0], members[1].id, TARGET)
    assert "🔴" in review.factors["placement"].content  # the footer link, as the bot judged it


async def test_forum_review_channel_gets_a_tagged_post(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    forum = guild.add_forum_channel("link-reviews", tags=["done", "Review"])
    await bot_process.start()
    await bot_process.services.guild_settings.update(guild.id, 0.0, review_channel_id=forum.id)
    review, _ = await open_review(fake_discord, bot_process, members[0], channel, page_site.url("/in-content"))
    assert review.thread.parent_id == forum.id
    assert review.thread.applied_tags == [forum.tag_id("Review")]
    # In a forum the post's first message is the summary.
    assert review.summary.id == review.thread.id
    assert review.summary.embeds[0]["title"].startswith("Second opinion")


async def test_a_forum_that_requires_a_tag_gets_one_it_allows(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    forum = guild.add_forum_channel("link-offers-forum", tags=["guest posts", "paid links"], require_tag=True)
    await bot_process.start()
    await bot_process.services.guild_settings.update(guild.id, 0.0, review_channel_id=forum.id)
    review, _ = await open_review(fake_discord, bot_process, members[0], channel, page_site.url("/in-content"))
    assert review.thread.parent_id == forum.id
    assert review.thread.applied_tags == [forum.tag_id("guest posts")]


async def test_refusals_when_opening(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    await bot_process.start()
    rec = await fake_discord.invoke_slash(members[0], channel, "secondopinion", {"url": "ftp://blog.test/x"})
    reply = await rec.wait_reply()
    assert reply.ephemeral and "http" in reply.content
    rec = await fake_discord.invoke_slash(members[0], channel, "secondopinion", {"url": page_site.url("/pdf")})
    await fake_discord.wait_for(lambda: rec.followups, timeout=10)
    assert rec.followups[0].ephemeral and "HTML" in rec.followups[0].content
    # Cooldown per member.
    await bot_process.services.guild_settings.update(guild.id, 0.0, review_cooldown_seconds=600.0)
    await open_review(fake_discord, bot_process, members[0], channel, page_site.url("/in-content"))
    rec = await fake_discord.invoke_slash(members[0], channel, "secondopinion", {"url": page_site.url("/footer")})
    reply = await rec.wait_reply()
    assert reply.ephemeral and "Easy there" in reply.content


async def test_a_failed_thread_frees_the_slot_and_tells_the_member(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    await bot_process.start()
    url = page_site.url("/in-content")
    fake_discord.inject_rest_faults("POST /channels/*/threads", [403])
    rec = await fake_discord.invoke_slash(members[0], channel, "secondopinion", {"url": url})
    await fake_discord.wait_for(lambda: rec.followups, timeout=10)
    assert rec.followups[0].ephemeral and "could not open the review thread" in rec.followups[0].content
    row = await bot_process.services.db.fetchone("SELECT status FROM reviews")
    assert row[0] == "deleted"
    # The slot is free: asking again works.
    await open_review(fake_discord, bot_process, members[0], channel, url)


async def test_an_opening_cut_short_by_a_busy_database_frees_the_slot(
    fake_discord, bot_process, world, page_site, monkeypatch
):
    from bot.storage.database import StorageBusyError

    guild, channel, members = world
    await bot_process.start()
    url = page_site.url("/in-content")
    reviews = bot_process.services.reviews

    async def busy(*args, **kwargs):
        raise StorageBusyError("the database is busy; try again in a moment")

    monkeypatch.setattr(reviews, "attach", busy)
    rec = await fake_discord.invoke_slash(members[0], channel, "secondopinion", {"url": url})
    await fake_discord.wait_for(lambda: rec.followups, timeout=10)
    assert rec.followups[0].ephemeral and "database is busy" in rec.followups[0].content
    assert (await bot_process.services.db.fetchone("SELECT status FROM reviews"))[0] == "deleted"
    monkeypatch.undo()
    await open_review(fake_discord, bot_process, members[0], channel, url)


async def test_a_review_left_half_opened_by_a_crash_is_abandoned_at_the_next_start(
    fake_discord, bot_process, world, page_site
):
    guild, channel, members = world
    await bot_process.start()
    # The start-up sweep must be over first, or it would abandon the review made below at once.
    first = bot_process.bot.get_cog("Reviews").runtime
    await fake_discord.wait_for(lambda: first.reconcile_runs >= 1, timeout=10, what="the start-up sweep")
    url = page_site.url("/in-content")
    # What a process killed between creating the review and attaching its thread leaves behind.
    created = await bot_process.services.reviews.create(
        guild_id=guild.id, requester_id=members[0].id, origin_channel_id=channel.id, url=url,
        domain="blog.test", now=0.0, deadline_at=10**10)
    assert created.review.status == "opening"
    rec = await fake_discord.invoke_slash(members[0], channel, "secondopinion", {"url": url})
    blocked = await rec.wait_reply(timeout=10)
    assert blocked.ephemeral and "being set up" in blocked.content
    await bot_process.restart()
    cog = bot_process.bot.get_cog("Reviews").runtime
    await fake_discord.wait_for(lambda: cog.reconcile_runs >= 1, timeout=10, what="the start-up sweep")
    stuck = await bot_process.services.reviews.get(created.review.id, guild.id)
    assert stuck.status == "deleted"
    await open_review(fake_discord, bot_process, members[0], channel, url)
