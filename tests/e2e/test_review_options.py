"""/secondopinion options at Discord's limits: stored exactly, shown escaped, never pinging."""

from __future__ import annotations

from tests.e2e.review_helpers import TARGET, open_review

NASTY = (
    "@everyone @here <@&1> <@1> <#1> **bold** __u__ ~~s~~ `code` [link](https://evil.test) "
    "zero\u200bwidth \u202eRTL override\u202c ñ 漢字 🟢 "
)


async def test_six_thousand_character_note_is_stored_exactly_and_shown_safely(
    fake_discord, bot_process, world, page_site
):
    guild, channel, members = world
    await bot_process.start()
    note = (NASTY * 200)[:6000]
    assert len(note) == 6000
    keyword = "compost **bins** @everyone \u202e"
    opened, reply = await open_review(fake_discord, bot_process, members[0], channel, page_site.url("/in-content"),
                                      target=TARGET, keyword=keyword, note=note)
    row = await bot_process.services.db.fetchone("SELECT note, keyword FROM reviews WHERE id = ?", (opened.id,))
    assert row[0] == note and row[1] == keyword
    parts = [opened.summary.content or ""]
    for embed in opened.summary.embeds:
        parts += [embed.get("title", ""), embed.get("description", "")]
        parts += [f["value"] for f in embed.get("fields", [])]
    summary_text = "\n".join(parts)
    assert "Note" in summary_text
    assert "@everyone" not in summary_text.replace("@\u200beveryone", "")
    assert "<@1>" not in summary_text and "<@&1>" not in summary_text
    assert "\\*\\*bold\\*\\*" in summary_text
    # Every message the bot sent or edited asked Discord not to parse any mention.
    sent = (
        fake_discord.calls("POST", "/channels/*/messages")
        + fake_discord.calls("PATCH", "/channels/*/messages/*")
        + fake_discord.calls("POST", "/webhooks/*/*")
        + fake_discord.calls("POST", "/channels/*/threads")
    )
    bodies = [c.json for c in sent if isinstance(c.json, dict) and ("content" in c.json or "embeds" in c.json)]
    assert bodies
    for body in bodies:
        mentions = body.get("allowed_mentions") or body.get("message", {}).get("allowed_mentions")
        assert mentions is not None and mentions.get("parse") == [], body
