"""/checklink options at their limits: odd unicode, markdown, mention injection, zero-width and
right-to-left characters in target and keyword are stored exactly, shown escaped, and never ping."""

from __future__ import annotations

import re

TARGET = "compost-supplies.test"
NASTY_KEYWORDS = [
    "@everyone compost",
    "**bold** __under__ ~~strike~~ ||spoiler|| `code` > quote",
    "<@123456789012345678> <@&123456789012345678> <#123456789012345678> @here",
    "com\u200bpost\u200d bins\ufeff",
    "\u202ecompost bins\u202c \u2066isolate\u2069",
    "🧪 Z̷̢a̴l̸g̵o̶ ﷽ 𝕮𝖔𝖒𝖕𝖔𝖘𝖙",
    "k" * 100,  # the option's maximum length
]
NASTY_TARGETS = [
    TARGET + " @everyone",
    "**" + TARGET + "**",
    "\u202e" + TARGET,
    "<@123456789012345678>",
]

_RAW_MENTION = re.compile(r"<@[!&]?\d|<#\d|@everyone|@here")


def _texts(message) -> list[str]:
    texts = [message.content or ""]
    for embed in message.embeds:
        texts += [embed.get("title") or "", embed.get("description") or ""]
        texts += [f"{f.get('name', '')} {f.get('value', '')}" for f in embed.get("fields", [])]
        texts.append((embed.get("footer") or {}).get("text", ""))
    return texts


async def test_odd_options_are_stored_exactly_shown_escaped_and_never_ping(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    await bot_process.start()
    cases = [(k, TARGET) for k in NASTY_KEYWORDS] + [("compost bins", t) for t in NASTY_TARGETS]
    shown: list[str] = []
    for i, (keyword, target) in enumerate(cases):
        member = members[i % len(members)]
        rec = await fake_discord.invoke_slash(member, channel, "checklink",
                                              {"url": page_site.url("/in-content"), "target": target, "keyword": keyword})
        reply = await rec.wait_reply(timeout=10)
        assert reply.embeds and not reply.ephemeral, (keyword, target)
        shown.append(" ".join(_texts(reply)))
        for text in _texts(reply):
            # Anything that could ping or format is broken up (zero-width space) or escaped.
            assert not _RAW_MENTION.search(text), (keyword, target, text)
    # The keyword is quoted in the evidence: visibly, but defused.
    assert "@\u200beveryone" in shown[0]
    assert "\\*\\*bold\\*\\*" in shown[1]
    rows = await bot_process.services.db.fetchall("SELECT keyword, target FROM checks ORDER BY id")
    assert [(r[0], r[1]) for r in rows] == cases  # stored exactly as typed
    # Nothing the bot sent may ping, whatever it contains.
    sent = [c for c in fake_discord.rest_log
            if c.method in ("POST", "PATCH") and ("/webhooks/" in c.path or "/messages" in c.path or c.path.endswith("/callback"))]
    bodies = [c.json for c in sent if isinstance(c.json, dict)]
    for body in bodies:
        data = body.get("data", body) if body.get("type") in (4, 7) else body
        if "content" in data or "embeds" in data:
            assert data.get("allowed_mentions", {}).get("parse") == [], body
    assert bodies
