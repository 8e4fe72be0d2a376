"""Discord answers 429 (per route and global) and 5xx to the REST calls of /checklink: the reply
still arrives, exactly once, and the check is stored exactly once."""

from __future__ import annotations

from tests.fakediscord import rate_limited, server_error


async def _count_checks(bot_process) -> int:
    row = await bot_process.services.db.fetchone("SELECT COUNT(*) FROM checks")
    return int(row[0])


def _report_messages(fake, channel) -> list:
    return [m for m in fake.messages_in(channel) if m.embeds and "Overall risk" in str(m.embeds[0])]


async def test_followup_rate_limited_and_failing_still_delivers_once(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    await bot_process.start()
    # The report is the first followup after the "thinking" defer: a per-route 429, then a 500.
    rule = fake_discord.inject_rest_faults("POST /webhooks/*/*", [rate_limited(0.1), server_error(500)])
    rec = await fake_discord.invoke_slash(members[0], channel, "checklink", {"url": page_site.url("/in-content")})
    reply = await rec.wait_reply(timeout=20)
    assert rule.remaining == 0 and len(rule.hits) == 2
    assert reply.embeds and "Overall risk" in str(reply.embeds[0])
    posts = fake_discord.calls("POST", "/webhooks/*/*")
    assert [c.status for c in posts] == [429, 500, 200]
    assert len(_report_messages(fake_discord, channel)) == 1
    assert await _count_checks(bot_process) == 1


async def test_global_rate_limit_and_gateway_errors_on_defer_and_followup(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    await bot_process.start()
    callback = fake_discord.inject_rest_faults("POST /interactions/*/*/callback", [rate_limited(0.05, is_global=True)])
    followup = fake_discord.inject_rest_faults("POST /webhooks/*/*", [server_error(502), rate_limited(0.05, is_global=True)])
    rec = await fake_discord.invoke_slash(members[1], channel, "checklink",
                                          {"url": page_site.url("/footer"), "target": "compost-supplies.test"})
    await fake_discord.wait_for(lambda: _report_messages(fake_discord, channel), timeout=20)
    assert callback.remaining == 0 and followup.remaining == 0
    assert [cb.type for cb in rec.callbacks] == [5]  # one defer, accepted after the 429
    assert len(_report_messages(fake_discord, channel)) == 1
    assert await _count_checks(bot_process) == 1
    # The bot keeps answering normally afterwards.
    rec2 = await fake_discord.invoke_slash(members[2], channel, "checklink", {"url": page_site.url("/in-content")})
    await rec2.wait_reply()
    assert await _count_checks(bot_process) == 2


async def test_error_path_survives_faults_on_deleting_the_thinking_message(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    await bot_process.start()
    rule = fake_discord.inject_rest_faults("DELETE /webhooks/*/*/messages/@original", [rate_limited(0.05), 500])
    rec = await fake_discord.invoke_slash(members[0], channel, "checklink", {"url": page_site.url("/pdf")})
    await fake_discord.wait_for(lambda: rec.followups, timeout=20)
    assert rule.remaining == 0
    assert rec.followups[0].ephemeral and "not point to an HTML page" in rec.followups[0].content
    assert [c.status for c in fake_discord.calls("DELETE", "/webhooks/*/*/messages/@original")] == [429, 500, 204]
    assert await _count_checks(bot_process) == 0

