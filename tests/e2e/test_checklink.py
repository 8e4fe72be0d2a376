"""/checklink through the fake Discord with the real discord.py client."""

from __future__ import annotations

import json

from tests.e2e.pages import PageSite

TARGET = "compost-supplies.test"


def _risk_field(embed: dict) -> str:
    return next(f["value"] for f in embed["fields"] if f["name"] == "Overall risk")


async def test_in_content_link_is_low_risk_and_stored(fake_discord, bot_process, world, page_site: PageSite):
    guild, channel, members = world
    await bot_process.start()
    url = page_site.url("/in-content")
    rec = await fake_discord.invoke_slash(members[0], channel, "checklink",
                                          {"url": url, "target": TARGET, "keyword": "compost bins"})
    reply = await rec.wait_reply()
    assert not reply.ephemeral
    embed = reply.embeds[0]
    assert "How to start composting" in embed["title"]
    assert "Link found" in embed["description"] and "content" in embed["description"]
    assert "🟢 **Link placement**" in embed["description"]
    assert "LOW" in _risk_field(embed)
    assert embed["color"] == 0x2ECC71  # discord.Colour.green()
    labels = [b["label"] for b in reply.buttons()]
    assert "All links" in labels
    # Stored: guild, channel, member, url, target, keyword, report JSON, risk, time.
    row = await bot_process.services.db.fetchone(
        "SELECT guild_id, channel_id, member_id, url, target, keyword, report_json, risk_level, created_at FROM checks"
    )
    assert (row[0], row[1], row[2]) == (guild.id, channel.id, members[0].id)
    assert row[3] == url and row[4] == TARGET and row[5] == "compost bins"
    report = json.loads(row[6])
    assert report["target_links"][0]["placement"] == "content"
    assert row[7] == report["risk"]["level"] == "low"
    assert row[8] > 0


async def test_footer_link_is_flagged(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    await bot_process.start()
    rec = await fake_discord.invoke_slash(members[1], channel, "checklink",
                                          {"url": page_site.url("/footer"), "target": TARGET})
    reply = await rec.wait_reply()
    embed = reply.embeds[0]
    assert "footer" in embed["description"]
    assert "🔴 **Link placement**" in embed["description"]
    assert "LOW" not in _risk_field(embed)


async def test_refused_url_is_a_clear_ephemeral_error(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    await bot_process.start()
    cases = {
        "http://169.254.169.254/latest/meta-data": "private or reserved address",
        "ftp://blog.test/x": "Only http:// and https://",
        "http://0.0.0.0/": "private or reserved address",  # refused even with the tests' loopback opt-in
        "http://user:pw@blog.test/": "username or password",
        "http://blog.test:22/": "port",
    }
    for bad, expected in cases.items():
        rec = await fake_discord.invoke_slash(members[0], channel, "checklink", {"url": bad})
        reply = await rec.wait_reply()
        assert reply.ephemeral, bad
        assert expected in reply.content, (bad, reply.content)
        assert "169.254" not in reply.content and "127." not in reply.content
    # A page that redirects to a refused address is refused too, after the defer.
    from aiohttp import web

    page_site.extra["/hop"] = lambda request: web.Response(
        status=302, headers={"Location": "http://169.254.169.254/latest/meta-data"}
    )
    rec = await fake_discord.invoke_slash(members[0], channel, "checklink", {"url": page_site.url("/hop")})
    await fake_discord.wait_for(lambda: rec.followups, timeout=10)
    assert rec.followups[0].ephemeral
    assert "redirects to an address the bot does not fetch" in rec.followups[0].content
    row = await bot_process.services.db.fetchone("SELECT COUNT(*) FROM checks")
    assert row[0] == 0


async def test_fetch_failures_replace_the_thinking_message(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    await bot_process.start()
    rec = await fake_discord.invoke_slash(members[0], channel, "checklink", {"url": page_site.url("/pdf")})
    await fake_discord.wait_for(lambda: rec.followups, timeout=10)
    followup = rec.followups[0]
    assert followup.ephemeral
    assert "not point to an HTML page" in followup.content
    assert fake_discord.calls("DELETE", "/webhooks/*/*/messages/@original")
    rec = await fake_discord.invoke_slash(members[0], channel, "checklink", {"url": "http://nowhere.invalid/"})
    await fake_discord.wait_for(lambda: rec.followups, timeout=10)
    assert rec.followups[0].ephemeral


async def test_links_button_pages_every_link_after_a_restart(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    await bot_process.start()
    rec = await fake_discord.invoke_slash(members[0], channel, "checklink", {"url": page_site.url("/many-links")})
    reply = await rec.wait_reply()
    links_id = next(b["custom_id"] for b in reply.buttons() if b["label"] == "All links")
    await bot_process.restart()  # persistent: the button still works in a new process
    click = await fake_discord.click(members[2], reply, links_id)
    page = await click.wait_reply()
    assert page.ephemeral
    assert "Page 1/" in page.embeds[0]["footer"]["text"]
    assert "resource 0" in page.embeds[0]["description"]
    next_id = next(b["custom_id"] for b in page.buttons() if "Next" in b["label"])
    click2 = await fake_discord.click(members[2], page, next_id)
    await click2.wait_response()
    await fake_discord.wait_for(lambda: "Page 2/" in page.embeds[0]["footer"]["text"], timeout=5)


async def test_second_check_of_a_domain_mentions_the_history(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    await bot_process.start()
    for path in ("/in-content", "/footer"):
        rec = await fake_discord.invoke_slash(members[0], channel, "checklink", {"url": page_site.url(path)})
        reply = await rec.wait_reply()
    names = [f["name"] for f in reply.embeds[0]["fields"]]
    assert "This server's history" in names
    history = next(f["value"] for f in reply.embeds[0]["fields"] if f["name"] == "This server's history")
    assert "once" in history and "blog.test" in history


async def test_web_text_is_escaped_and_never_pings(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    page_site.pages["/evil"] = page_site.pages["/in-content"].replace(
        "How to start composting at home", "@everyone **bold** <@123> _x_"
    )
    await bot_process.start()
    rec = await fake_discord.invoke_slash(members[0], channel, "checklink", {"url": page_site.url("/evil")})
    await rec.wait_reply()
    posts = fake_discord.calls("POST", "/webhooks/*/*") + fake_discord.calls("PATCH", "/webhooks/*/*/messages/*")
    bodies = [c.json for c in posts if c.json]
    assert bodies and all(b.get("allowed_mentions", {}).get("parse") == [] for b in bodies)
    reply = rec.original or rec.followups[0]
    title = reply.embeds[0]["title"]
    assert "@\u200beveryone" in title and "\\*\\*bold\\*\\*" in title and "<@123>" not in title


async def test_cooldown_and_per_guild_bound_have_friendly_messages(
    fake_discord, make_client, world, page_site, tmp_path
):
    import asyncio

    from aiohttp import web

    from tests.e2e.botharness import BotProcess, settings_for_tests

    guild, channel, members = world
    settings = settings_for_tests(tmp_path, fake_discord, page_site.port,
                             checks={"cooldown_seconds": 300.0, "max_concurrent_per_guild": 1})
    release = asyncio.Event()

    async def slow(request):
        await release.wait()
        return web.Response(text=page_site.pages["/in-content"], content_type="text/html")

    process = BotProcess(make_client, settings)
    try:
        await process.start()
        page_site.extra["/slow"] = slow
        first = await fake_discord.invoke_slash(members[0], channel, "checklink", {"url": page_site.url("/slow")})
        await first.wait_response()
        busy = await fake_discord.invoke_slash(members[1], channel, "checklink", {"url": page_site.url("/in-content")})
        busy_reply = await busy.wait_reply()
        assert busy_reply.ephemeral and "already has several checks running" in busy_reply.content
        release.set()
        await first.wait_reply()
        again = await fake_discord.invoke_slash(members[0], channel, "checklink", {"url": page_site.url("/in-content")})
        again_reply = await again.wait_reply()
        assert again_reply.ephemeral and "you can run another check in" in again_reply.content
        # The member refused for the guild bound was not put on cooldown.
        ok = await fake_discord.invoke_slash(members[1], channel, "checklink", {"url": page_site.url("/in-content")})
        ok_reply = await ok.wait_reply()
        assert not ok_reply.ephemeral and ok_reply.embeds
    finally:
        release.set()
        await process.stop()


async def test_guild_cooldown_override_applies(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    await bot_process.start()
    await bot_process.services.guild_settings.update(guild.id, 0.0, check_cooldown_seconds=120.0)
    first = await fake_discord.invoke_slash(members[0], channel, "checklink", {"url": page_site.url("/in-content")})
    assert (await first.wait_reply()).embeds
    second = await fake_discord.invoke_slash(members[0], channel, "checklink", {"url": page_site.url("/footer")})
    reply = await second.wait_reply()
    assert reply.ephemeral and "you can run another check in 120 s" in reply.content
