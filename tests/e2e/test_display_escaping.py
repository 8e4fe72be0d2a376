"""Web and member text in the bot's public messages cannot render markdown, masked links or mentions."""

from __future__ import annotations

from tests.e2e.pages import article
from tests.e2e.review_helpers import open_review

TARGET = "compost-supplies.test"
# A rel attribute is the page's text: two masked links (escape_markdown alone lets the second
# through), one hidden behind backslashes, and bold.
EVIL_REL = r"[x](y) [Claim](https://evil.example/phish) **BOLD** \[z\](https://e.example)"
ORDINARY_HREF = "https://www.compost-supplies.test/bins?utm_source=news_letter&amp;q=a%20b&amp;x=xn--mller-kva#top"
EVIL_HREF = "https://o.example/x\n# H\n||s|| <@&1> *a* [b](https://e.example) ~c~ `d`"


async def test_checklink_escapes_rel_tokens_and_hrefs(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    page_site.pages["/rel"] = article(
        f'<a rel="{EVIL_REL}" href="{ORDINARY_HREF}">this guide</a> and <a href="{EVIL_HREF}">that one</a>')
    await bot_process.start()
    rec = await fake_discord.invoke_slash(members[0], channel, "checklink",
                                          {"url": page_site.url("/rel"), "target": TARGET})
    reply = await rec.wait_reply(timeout=10)
    found = reply.embeds[0]["description"].splitlines()[0]
    assert found.startswith("**Link found:**")
    # Every bracket and star of the rel tokens is escaped: no masked link, no bold.
    assert ("\\[x\\](y) \\[claim\\](https://evil.example/phish) \\*\\*bold\\*\\* "
            "\\\\\\[z\\\\\\](https://e.example)") in found, found
    # An ordinary URL is shown exactly, clickable.
    assert "→ https://www.compost-supplies.test/bins?utm_source=news_letter&q=a%20b&x=xn--mller-kva#top ·" in found

    links_id = next(b["custom_id"] for b in reply.buttons() if b["label"] == "All links")
    click = await fake_discord.click(members[1], reply, links_id)
    page = (await click.wait_reply(timeout=10)).embeds[0]["description"]
    # The URL cannot end early: its newlines, spaces, mention and markdown are percent-encoded.
    assert ("→ https://o.example/x%0A#%20H%0A%7C%7Cs%7C%7C%20%3C@&1%3E%20%2Aa%2A%20"
            "%5Bb%5D%28https://e.example%29%20%7Ec%7E%20%60d%60 · dofollow") in page, page
    assert "<@&1>" not in page and "||" not in page and "\n#" not in page


async def test_a_bare_target_renders_the_same_escaped_text_in_the_thread_and_in_history(
    fake_discord, bot_process, world, page_site
):
    guild, channel, members = world
    await bot_process.start()
    target = TARGET + " ||SPOILER|| **BOLD** __U__ [x](evil.example)"
    opened, _ = await open_review(fake_discord, bot_process, members[0], channel, page_site.url("/in-content"),
                                  target=target)
    shown = (TARGET + " \\|\\|SPOILER\\|\\| \\*\\*BOLD\\*\\* \\_\\_U\\_\\_ "
             "\\[x\\](evil.example)")
    assert f"**Target** {shown}\n" in opened.summary.embeds[0]["description"]
    rec = await fake_discord.invoke_slash(members[1], channel, "history review", {"id": opened.id})
    detail = (await rec.wait_reply(timeout=10)).embeds[0]["description"]
    assert f"Target: {shown}\n" in detail, detail


async def test_a_url_target_stays_a_clickable_url_in_the_thread_and_in_history(
    fake_discord, bot_process, world, page_site
):
    guild, channel, members = world
    await bot_process.start()
    target = "https://www.compost-supplies.test/bins_and_tumblers?utm_source=a_b"
    opened, _ = await open_review(fake_discord, bot_process, members[0], channel, page_site.url("/in-content"),
                                  target=target)
    stored = await bot_process.services.reviews.get(opened.id, guild.id)
    assert f"**Target** {stored.target}\n" in opened.summary.embeds[0]["description"]
    rec = await fake_discord.invoke_slash(members[1], channel, "history review", {"id": opened.id})
    assert f"Target: {stored.target}\n" in (await rec.wait_reply(timeout=10)).embeds[0]["description"]


async def test_the_public_followup_escapes_the_domain(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    await bot_process.start()
    url = page_site.url("/in-content").replace("blog.test", "__u__.test")
    _, reply = await open_review(fake_discord, bot_process, members[0], channel, url)
    assert " on **\\_\\_u\\_\\_.test**: vote in " in reply.content, reply.content
