"""The link watch through the fake Discord with the real client: /watch, buttons, alerts, the scheduler.

Time is the bot's injected clock: a test moves it past a watch's due time and runs the guild's
scheduler step (`run_guild`), so no test waits for the real scheduler.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiohttp import web

from tests.e2e.botharness import BotProcess, settings_for_tests
from tests.e2e.pages import PageSite, article
from tests.e2e.review_helpers import open_review
from tests.fakediscord import Perm

TARGET = "compost-supplies.test"
LINK = '<a href="https://www.compost-supplies.test/bins">this guide to choosing a compost bin</a>'
NOFOLLOW = LINK.replace("<a ", '<a rel="nofollow" ')
WEEK = 8 * 86400.0  # past any due time: 168 h + 10% jitter


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


async def scheduler_idle(fake: Any, bot: Any) -> None:
    """The scheduler's start-up pass is over, so it cannot take the due watches of a test's step."""
    cog = bot.get_cog("Watch")
    await fake.wait_for(lambda: cog.passes >= 1, timeout=10, what="the first scheduler pass")


async def start_with_clock(fake: Any, bot_process: Any) -> tuple[Any, Clock]:
    bot = await bot_process.start()
    await scheduler_idle(fake, bot)
    clock = Clock()
    bot.clock = clock
    return bot, clock


def alert_texts(message: Any) -> str:
    return "\n".join((e.get("title") or "") + "\n" + (e.get("description") or "") for e in message.embeds)


def assert_no_pings(fake: Any) -> None:
    bodies = [c.json for c in fake.calls("POST", "/channels/*/messages") if c.json]
    bodies += [c.json for c in fake.calls("POST", "/webhooks/*/*") if c.json]
    bodies += [c.json for c in fake.calls("POST", "/interactions/*/*/callback") if c.json]
    assert bodies
    for body in bodies:
        data = body.get("data", body) if "type" in body else body
        mentions = data.get("allowed_mentions")
        if data.get("embeds") or data.get("content"):
            assert mentions is not None and mentions.get("parse") == [], body


async def add_watch(fake: Any, member: Any, channel: Any, url: str, **extra: str) -> Any:
    rec = await fake.invoke_slash(member, channel, "watch add", {"url": url, "target": TARGET, **extra})
    reply = await rec.wait_reply(timeout=10)
    assert not reply.ephemeral, reply.content
    return reply


async def test_nofollow_footer_lost_and_back_each_alerted(fake_discord, bot_process, world, page_site: PageSite):
    guild, channel, members = world
    page_site.pages["/post"] = article(LINK)
    bot, clock = await start_with_clock(fake_discord, bot_process)
    url = page_site.url("/post")
    reply = await add_watch(fake_discord, members[0], channel, url, keyword="compost bins")
    assert "Watching #1" in reply.embeds[0]["title"]
    assert "link found: content, dofollow" in reply.embeds[0]["description"]
    cog = bot.get_cog("Watch")

    # Not due yet: nothing is fetched.
    hits = page_site.hits.get("/post", 0)
    assert await cog.run_guild(guild.id) == []
    assert page_site.hits.get("/post", 0) == hits

    steps = [
        (article(NOFOLLOW), "Link rel changed", "dofollow → nofollow"),
        (article("our own notes", footer_link=NOFOLLOW), "Link moved", "content → footer"),
        (article("our own notes"), "Link lost", "no link to the target"),
        (article(LINK), "Link back", "link to the target (content, dofollow)"),
    ]
    for html, title, detail in steps:
        before = len(fake_discord.messages_in(channel))
        page_site.pages["/post"] = html
        clock.advance(WEEK)
        alerts = await cog.run_guild(guild.id)
        assert [a.watch.id for a in alerts] == [1]
        assert len(alerts[0].changes) == 1, alerts[0].changes
        messages = fake_discord.messages_in(channel)[before:]
        assert len(messages) == 1  # one message per watch per change
        text = alert_texts(messages[0])
        assert title in text and detail in text, text
        fields = {f["name"]: f["value"] for f in messages[0].embeds[0]["fields"]}
        assert fields["Added by"] == members[0].name  # named, never a mention
        assert "<@" not in text and "<@" not in messages[0].content
    # Nothing changed: a re-check posts nothing.
    before = len(fake_discord.messages_in(channel))
    clock.advance(WEEK)
    alerts = await cog.run_guild(guild.id)
    assert len(alerts) == 1 and alerts[0].changes == ()
    assert len(fake_discord.messages_in(channel)) == before

    # Every observation is stored: baseline + 5 re-checks.
    rows = await bot_process.services.db.fetchall(
        "SELECT status, found, rel, placement, anchor, fingerprint, changes FROM watch_observations "
        "WHERE watch_id = 1 ORDER BY id")
    assert [r["placement"] for r in rows] == ["content", "content", "footer", None, "content", "content"]
    assert [r["changes"] for r in rows] == ["", "rel_changed", "placement_changed", "link_lost", "link_back", ""]
    assert all(r["status"] == "ok" and r["fingerprint"] for r in rows)

    # /history domain shows the watched link's timeline.
    rec = await fake_discord.invoke_slash(members[1], channel, "history domain", {"domain": "blog.test"})
    answer = await rec.wait_reply()
    timeline = answer.embeds[-1]
    assert "Link watch" in timeline["title"]
    value = timeline["fields"][0]["value"]
    assert "Link lost" in value and "Link back" in value and "Link moved" in value
    assert_no_pings(fake_discord)


async def test_a_timeout_once_is_quiet_twice_is_unreachable(tmp_path, fake_discord, make_client, world,
                                                           page_site: PageSite, e2e_storage_url):
    guild, channel, members = world
    storage = {"storage": {"url": e2e_storage_url}} if e2e_storage_url else {}
    settings = settings_for_tests(tmp_path, fake_discord, page_site.port,
                                  fetch={"connect_timeout": 0.5, "read_timeout": 0.5, "total_timeout": 0.5}, **storage)
    process = BotProcess(make_client, settings)
    hang = asyncio.Event()
    release = asyncio.Event()

    async def flaky(request: web.Request) -> web.Response:
        if hang.is_set():
            await release.wait()  # never answers in time: the fetcher's own timeout ends it
        return web.Response(text=article(LINK), content_type="text/html")

    page_site.extra["/flaky"] = flaky
    try:
        bot, clock = await start_with_clock(fake_discord, process)
        await add_watch(fake_discord, members[0], channel, page_site.url("/flaky"))
        cog = bot.get_cog("Watch")
        hang.set()
        before = len(fake_discord.messages_in(channel))
        clock.advance(WEEK)
        alerts = await cog.run_guild(guild.id)
        assert len(alerts) == 1 and not alerts[0].observation.ok and alerts[0].changes == ()
        assert len(fake_discord.messages_in(channel)) == before  # one failure: no alert
        clock.advance(2 * 3600)  # a failed fetch is retried within hours, not a week later
        alerts = await cog.run_guild(guild.id)
        assert [c.kind for c in alerts[0].changes] == ["unreachable"]
        messages = fake_discord.messages_in(channel)[before:]
        assert len(messages) == 1 and "Unreachable" in alert_texts(messages[0])
        assert "took too long" in alert_texts(messages[0])
        # A third failure says nothing new; the page answering again is reported once.
        clock.advance(2 * 3600)
        assert (await cog.run_guild(guild.id))[0].changes == ()
        hang.clear()
        clock.advance(2 * 3600)
        alerts = await cog.run_guild(guild.id)
        assert [c.kind for c in alerts[0].changes] == ["reachable"]
        assert len(fake_discord.messages_in(channel)) == before + 2
        rows = await process.services.db.fetchall(
            "SELECT status, error FROM watch_observations WHERE watch_id = 1 ORDER BY id")
        assert [tuple(r) for r in rows] == [("ok", None), ("failed", "timeout"), ("failed", "timeout"),
                                            ("failed", "timeout"), ("ok", None)]
    finally:
        release.set()
        await process.stop()


async def test_guild_isolation_and_who_may_remove(fake_discord, bot_process, world, page_site: PageSite):
    guild, channel, members = world
    other = fake_discord.add_guild("Other Lab")
    other_channel = other.add_text_channel("offers")
    outsider = other.add_member("outsider")
    page_site.pages["/a"] = article(LINK)
    page_site.pages["/b"] = article(LINK)
    bot, clock = await start_with_clock(fake_discord, bot_process)
    await add_watch(fake_discord, members[0], channel, page_site.url("/a"))
    await add_watch(fake_discord, outsider, other_channel, page_site.url("/b"))

    rec = await fake_discord.invoke_slash(outsider, other_channel, "watch list")
    listing = await rec.wait_reply()
    assert listing.ephemeral
    assert "/b" in listing.embeds[0]["description"] and "/a" not in listing.embeds[0]["description"]
    for command in ("watch remove", "watch check"):
        rec = await fake_discord.invoke_slash(outsider, other_channel, command, {"id": 1})
        answer = await rec.wait_reply()
        assert answer.ephemeral and answer.content == "There is no watch #1 in this server."
    # A change in guild A alerts guild A only.
    page_site.pages["/a"] = article(NOFOLLOW)
    clock.advance(WEEK)
    cog = bot.get_cog("Watch")
    assert [a.watch.guild_id for a in await cog.run_guild(other.id)] == [other.id]
    assert all("Link rel changed" not in alert_texts(m) for m in fake_discord.messages_in(other_channel))
    await cog.run_guild(guild.id)
    assert "Link rel changed" in alert_texts(fake_discord.messages_in(channel)[-1])

    # A member removes their own watches only; a moderator any.
    rec = await fake_discord.invoke_slash(members[1], channel, "watch remove", {"id": 1})
    answer = await rec.wait_reply()
    assert answer.ephemeral and "your own watches" in answer.content
    manager = guild.add_member("manager", [guild.add_role("Managers", int(Perm.MANAGE_GUILD))])
    rec = await fake_discord.invoke_slash(manager, channel, "watch remove", {"id": 1})
    assert (await rec.wait_reply()).content == "Watch #1 removed."
    rows = await bot_process.services.db.fetchall("SELECT id, guild_id FROM watches")
    assert [tuple(r) for r in rows] == [(2, other.id)]
    assert_no_pings(fake_discord)


async def test_check_now_and_bad_input_are_one_line_ephemeral(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    page_site.pages["/post"] = article(LINK)
    bot, clock = await start_with_clock(fake_discord, bot_process)
    await add_watch(fake_discord, members[0], channel, page_site.url("/post"))
    page_site.pages["/post"] = article(LINK).replace("<head>", '<head><meta name="robots" content="noindex">')
    rec = await fake_discord.invoke_slash(members[1], channel, "watch check", {"id": 1})
    answer = await rec.wait_reply(timeout=10)
    assert answer.ephemeral and "Page now noindex" in alert_texts(answer)
    assert "Page now noindex" in alert_texts(fake_discord.messages_in(channel)[-1])
    # Errors: one line, ephemeral, nothing internal.
    cases = [
        ({"url": "http://169.254.169.254/x", "target": TARGET}, "private or reserved address"),
        ({"url": page_site.url("/post"), "target": TARGET}, "already watches"),
        ({"url": page_site.url("/missing.pdf"), "target": TARGET}, "nothing to compare with"),
    ]
    page_site.extra["/missing.pdf"] = lambda request: web.Response(body=b"%PDF", content_type="application/pdf")
    for options, expected in cases:
        rec = await fake_discord.invoke_slash(members[0], channel, "watch add", options)
        # Refused at once (a direct reply), or after the fetch (a followup replacing "thinking…").
        await fake_discord.wait_for(
            lambda rec=rec: rec.followups or (rec.callbacks and rec.callbacks[0].type == 4 and rec.original),
            timeout=10)
        message = rec.followups[0] if rec.followups else rec.original
        assert message.ephemeral and expected in message.content and "\n" not in message.content


async def test_watch_button_under_checklink(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    page_site.pages["/post"] = article(LINK)
    bot, clock = await start_with_clock(fake_discord, bot_process)
    rec = await fake_discord.invoke_slash(members[0], channel, "checklink",
                                          {"url": page_site.url("/post"), "target": TARGET})
    reply = await rec.wait_reply(timeout=10)
    button = next(b for b in reply.buttons() if b["label"] == "Watch this link")
    hits = page_site.hits["/post"]
    await bot_process.restart()  # persistent: still works in a new process
    await scheduler_idle(fake_discord, bot_process.bot)
    bot_process.bot.clock = clock
    click = await fake_discord.click(members[1], reply, button["custom_id"])
    answer = await click.wait_reply(timeout=10)
    assert answer.ephemeral and "Watching #1" in answer.embeds[0]["title"]
    assert page_site.hits["/post"] == hits  # the check's report is the baseline: no second fetch
    row = await bot_process.services.db.fetchone("SELECT created_by, check_id, target FROM watches")
    assert (row[0], row[2]) == (members[1].id, TARGET) and row[1] is not None
    # A check without a target has nothing to watch for.
    rec = await fake_discord.invoke_slash(members[0], channel, "checklink", {"url": page_site.url("/post")})
    reply = await rec.wait_reply(timeout=10)
    button = next(b for b in reply.buttons() if b["label"] == "Watch this link")
    click = await fake_discord.click(members[1], reply, button["custom_id"])
    answer = await click.wait_reply()
    assert answer.ephemeral and "names no target" in answer.content


async def test_watch_button_on_a_closed_review_alerts_its_thread(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    page_site.pages["/post"] = article(LINK)
    bot, clock = await start_with_clock(fake_discord, bot_process)
    requester = members[0]
    review, _ = await open_review(fake_discord, bot_process, requester, channel, page_site.url("/post"),
                                  target=TARGET)
    assert not any(b["label"] == "Watch this link" for b in review.summary.buttons())
    click = await fake_discord.click(requester, review.summary, f"so:close:{review.id}")
    await click.wait_reply(timeout=10)
    await fake_discord.wait_for(lambda: any(b["label"] == "Watch this link" for b in review.summary.buttons()),
                                timeout=10)
    click = await fake_discord.click(members[2], review.summary, f"so:watch:review:{review.id}")
    answer = await click.wait_reply(timeout=10)
    assert answer.ephemeral and "Watching #1" in answer.embeds[0]["title"]
    page_site.pages["/post"] = article("our own notes")
    clock.advance(WEEK)
    in_channel = len(fake_discord.messages_in(channel))
    in_thread = len(fake_discord.messages_in(review.thread))
    await bot.get_cog("Watch").run_guild(guild.id)
    for where, before in ((channel, in_channel), (review.thread, in_thread)):
        posted = fake_discord.messages_in(where)[before:]
        assert len(posted) == 1 and "Link lost" in alert_texts(posted[0])
        fields = {f["name"]: f["value"] for f in posted[0].embeds[0]["fields"]}
        assert fields["From review"] == f"#{review.id}" and fields["Added by"] == members[2].name


async def test_one_run_is_grouped_into_one_message_in_the_watch_channel(fake_discord, bot_process, world,
                                                                       page_site):
    guild, channel, members = world
    alerts_channel = guild.add_text_channel("link-alerts")
    manager = guild.add_member("manager", [guild.add_role("Managers", int(Perm.MANAGE_GUILD))])
    bot, clock = await start_with_clock(fake_discord, bot_process)
    rec = await fake_discord.invoke_slash(manager, channel, "settings set",
                                          {"watch_channel": alerts_channel, "watch_interval_hours": 24})
    assert "Link watch channel" in (await rec.wait_reply()).embeds[0]["description"]
    for i in range(3):
        page_site.pages[f"/p{i}"] = article(LINK)
        reply = await add_watch(fake_discord, members[i], channel, page_site.url(f"/p{i}"))
        assert "every 24 h" in reply.embeds[0]["description"]
    for i in range(3):
        page_site.pages[f"/p{i}"] = article(NOFOLLOW)
    before = len(fake_discord.messages_in(channel))
    clock.advance(2 * 86400)  # the guild's own 24 h interval
    alerts = await bot.get_cog("Watch").run_guild(guild.id)
    assert len(alerts) == 3
    posted = fake_discord.messages_in(alerts_channel)
    assert len(posted) == 1 and len(posted[0].embeds) == 3
    assert {f["value"] for e in posted[0].embeds for f in e["fields"] if f["name"] == "Added by"} == {
        members[0].name, members[1].name, members[2].name}
    assert len(fake_discord.messages_in(channel)) == before
    assert_no_pings(fake_discord)
