"""The real discord.py client against the fake Discord: login, slash commands, persistent
buttons across a restart, threads, forum posts, reactions, gateway faults and 429s."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.fakediscord import FakeDiscord, Guild, Perm, rate_limited
from tests.fakediscord.harness import ClientRunner

BUTTON_ID = "smoke:details"


class DetailsView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Details", custom_id=BUTTON_ID, style=discord.ButtonStyle.primary)
    async def details(self, interaction: discord.Interaction, button: discord.ui.Button[DetailsView]) -> None:
        await interaction.response.send_message(f"details for {interaction.user.id}", ephemeral=True)


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    comment: discord.ui.TextInput[FeedbackModal] = discord.ui.TextInput(label="Comment", custom_id="comment")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"thanks: {self.comment.value}", ephemeral=True)


class SettingsGroup(app_commands.Group):
    reviews = app_commands.Group(name="reviews", description="Peer review settings")

    @reviews.command(name="configure", description="Configure peer reviews")
    async def configure(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        role: discord.Role,
        enabled: bool,
        moderator: discord.Member,
        weight: float = 1.0,
    ) -> None:
        await interaction.response.send_message(
            f"{channel.name}|{role.name}|{enabled}|{moderator.display_name}|{moderator.pending}|{weight}",
            ephemeral=True,
        )


class SmokeCog(commands.Cog):
    def __init__(self, bot: SmokeBot) -> None:
        self.bot = bot

    @app_commands.command(name="feedback", description="Leave feedback")
    async def feedback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(FeedbackModal())

    @app_commands.command(name="progress", description="Edit the answer as work goes on")
    async def progress(self, interaction: discord.Interaction, steps: app_commands.Range[int, 1, 5]) -> None:
        await interaction.response.send_message("step 0")
        for step in range(1, steps + 1):
            await interaction.edit_original_response(content=f"step {step}")

    @app_commands.command(name="check", description="Check a link")
    async def check(self, interaction: discord.Interaction, url: str, depth: int = 1) -> None:
        await interaction.response.defer(thinking=True)
        embed = discord.Embed(title="Report", description=f"{url} depth={depth}")
        await interaction.followup.send(embed=embed, view=DetailsView())

    @app_commands.command(name="review", description="Open a peer review")
    async def review(self, interaction: discord.Interaction, forum: discord.ForumChannel) -> None:
        await interaction.response.defer(ephemeral=True)
        channel = interaction.channel
        assert isinstance(channel, discord.TextChannel)
        message = await channel.send("Peer review: example.com")
        thread = await message.create_thread(name="Review example.com")
        await thread.send("Vote with reactions")
        await message.add_reaction("👍")
        await message.add_reaction("👎")
        post = await forum.create_thread(
            name="Review post", content="Forum review", applied_tags=[forum.available_tags[0]]
        )
        await interaction.followup.send(f"thread {thread.id} post {post.thread.id}", ephemeral=True)

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        self.bot.reactions.append((payload.user_id, str(payload.emoji)))

    @commands.Cog.listener()
    async def on_resumed(self) -> None:
        self.bot.resumed += 1


class SmokeBot(commands.Bot):
    def __init__(self) -> None:
        intents = discord.Intents.default()
        intents.members = True
        super().__init__(command_prefix=commands.when_mentioned, intents=intents)
        self.reactions: list[tuple[int, str]] = []
        self.resumed = 0

    async def setup_hook(self) -> None:
        await self.add_cog(SmokeCog(self))
        self.tree.add_command(SettingsGroup(name="settings", description="Bot settings"))
        self.add_view(DetailsView())
        await self.tree.sync()


@pytest.fixture
def world(fake_discord: FakeDiscord) -> Guild:
    guild = fake_discord.add_guild("SEO Lab")
    guild.add_text_channel("links")
    guild.add_forum_channel("reviews", tags=["pending", "done"])
    return guild


async def test_login_syncs_commands_and_sees_the_guild(
    fake_discord: FakeDiscord, make_client: ClientRunner, world: Guild
) -> None:
    created = datetime(2024, 1, 2, tzinfo=UTC)
    newbie = world.add_member("newbie", account_created=created, pending=True)
    bot = await make_client(SmokeBot)

    syncs = fake_discord.syncs(None)
    assert [s.names for s in syncs] == [["check", "feedback", "progress", "review", "settings"]]
    assert fake_discord.identify_count == 1
    guild = bot.get_guild(world.id)
    assert guild is not None and guild.chunked
    assert guild.get_channel(world.channel_named("links").id).name == "links"
    forum = guild.get_channel(world.channel_named("reviews").id)
    assert isinstance(forum, discord.ForumChannel)
    assert [t.name for t in forum.available_tags] == ["pending", "done"]
    member = guild.get_member(newbie.id)
    assert member is not None and member.pending
    assert abs(member.created_at - created) < timedelta(seconds=1)
    assert guild.me.guild_permissions.manage_messages


async def test_slash_defer_then_followup_embed(
    fake_discord: FakeDiscord, make_client: ClientRunner, world: Guild
) -> None:
    await make_client(SmokeBot)
    rec = await fake_discord.invoke_slash(world.owner, world.channel_named("links"), "check", {"url": "https://a.example", "depth": 2})

    (reply,) = await rec.wait_followups(1)
    assert rec.response is not None and rec.response.type == 5
    assert reply is rec.original  # the followup replaced the "thinking" message
    assert reply.embeds[0]["title"] == "Report"
    assert reply.embeds[0]["description"] == "https://a.example depth=2"
    assert [b["custom_id"] for b in reply.buttons()] == [BUTTON_ID]
    assert not reply.ephemeral
    assert fake_discord.messages_in(world.channel_named("links")) == [reply]


async def test_persistent_button_answers_ephemerally_even_after_restart(
    fake_discord: FakeDiscord, make_client: ClientRunner, world: Guild
) -> None:
    bot = await make_client(SmokeBot)
    member = world.add_member("voter")
    rec = await fake_discord.invoke_slash(member, world.channel_named("links"), "check", {"url": "https://b.example"})
    (report,) = await rec.wait_followups(1)

    click = await fake_discord.click(member, report, BUTTON_ID)
    answer = await click.wait_reply()
    assert answer.ephemeral and answer.content == f"details for {member.id}"

    await make_client.restart(bot)
    assert len(fake_discord.syncs(None)) == 2
    again = await fake_discord.click(member, report, BUTTON_ID)
    answer = await again.wait_reply()
    assert answer.ephemeral and answer.content == f"details for {member.id}"
    assert fake_discord.identify_count == 2


async def test_threads_forum_posts_and_bot_reactions(
    fake_discord: FakeDiscord, make_client: ClientRunner, world: Guild
) -> None:
    bot = await make_client(SmokeBot)
    links, forum = world.channel_named("links"), world.channel_named("reviews")
    rec = await fake_discord.invoke_slash(world.owner, links, "review", {"forum": forum})
    (done,) = await rec.wait_followups(1)
    assert done.ephemeral

    (thread,) = fake_discord.threads_of(links)
    starter = fake_discord.messages_in(links)[0]
    assert thread.id == starter.id and thread.name == "Review example.com"
    assert [m.content for m in fake_discord.messages_in(thread)] == ["Vote with reactions"]
    assert starter.reactors("👍") == [fake_discord.bot_user.id]
    assert starter.reactors("👎") == [fake_discord.bot_user.id]

    (post,) = fake_discord.threads_of(forum)
    assert post.applied_tags == [forum.tag_id("pending")]
    assert [m.content for m in fake_discord.messages_in(post)] == ["Forum review"]
    assert done.content == f"thread {thread.id} post {post.id}"
    # The bot hears its own reactions over the gateway too.
    await fake_discord.wait_for(lambda: len(bot.reactions) == 2)
    assert sorted(bot.reactions) == sorted([(bot.user.id, "👍"), (bot.user.id, "👎")])


async def test_member_reactions_arrive_and_reaction_users_page_past_100(
    fake_discord: FakeDiscord, make_client: ClientRunner, world: Guild
) -> None:
    bot = await make_client(SmokeBot)
    links = world.channel_named("links")
    message = await fake_discord.post_message(world.owner, links, "vote here")
    voters = [world.add_member(f"voter{i}") for i in range(150)]
    for voter in voters:
        await fake_discord.react(voter, message, "👍")

    await fake_discord.wait_for(lambda: len(bot.reactions) == 150)
    assert {uid for uid, _ in bot.reactions} == {v.id for v in voters}

    channel = bot.get_channel(links.id)
    assert isinstance(channel, discord.TextChannel)
    fetched = await channel.fetch_message(message.id)
    assert fetched.reactions[0].count == 150
    users = [u async for u in fetched.reactions[0].users()]
    # discord.py pages with after=<last id> in ascending order and yields each page reversed.
    assert len(users) == 150
    assert sorted(u.id for u in users) == sorted(v.id for v in voters)
    assert len(fake_discord.calls("GET", "/channels/*/messages/*/reactions/*")) == 2


async def test_removing_a_members_reaction_needs_manage_messages(
    fake_discord: FakeDiscord, make_client: ClientRunner, world: Guild
) -> None:
    bot = await make_client(SmokeBot)
    links = world.channel_named("links")
    member = world.add_member("member")
    message = await fake_discord.post_message(member, links, "hello")
    await fake_discord.react(member, message, "👎")
    channel = bot.get_channel(links.id)
    assert isinstance(channel, discord.TextChannel)
    partial = channel.get_partial_message(message.id)

    world.set_bot_permissions(world.bot_role.permissions & ~Perm.MANAGE_MESSAGES)
    with pytest.raises(discord.Forbidden) as denied:
        await partial.remove_reaction("👎", discord.Object(member.id))
    assert denied.value.code == 50013
    assert message.reactors("👎") == [member.id]

    world.set_bot_permissions(world.bot_role.permissions | Perm.MANAGE_MESSAGES)
    await partial.remove_reaction("👎", discord.Object(member.id))
    assert message.reactors("👎") == []

    # A channel overwrite on the bot's role beats its role permissions.
    fake_discord.set_permission_overwrite(links, world.bot_role, deny=Perm.SEND_MESSAGES)
    with pytest.raises(discord.Forbidden) as muted:
        await channel.send("muted")
    assert muted.value.code == 50013


async def test_gateway_drop_resumes_and_replays_missed_events(
    fake_discord: FakeDiscord, make_client: ClientRunner, world: Guild
) -> None:
    bot = await make_client(SmokeBot)
    links = world.channel_named("links")
    message = await fake_discord.post_message(world.owner, links, "before the drop")
    member = world.add_member("late")

    await fake_discord.drop_gateway()
    # Produced while the socket is down: must come back in the RESUME replay.
    await fake_discord.react(member, message, "🔥")
    await fake_discord.wait_for(lambda: bot.resumed == 1)
    await fake_discord.wait_for(lambda: (member.id, "🔥") in bot.reactions)
    assert fake_discord.resume_count == 1 and fake_discord.identify_count == 1

    await fake_discord.react(world.owner, message, "✅")
    await fake_discord.wait_for(lambda: (world.owner.id, "✅") in bot.reactions)


async def test_invalid_session_makes_the_client_identify_again(
    fake_discord: FakeDiscord, make_client: ClientRunner, world: Guild
) -> None:
    bot = await make_client(SmokeBot)
    fake_discord.invalidate_session()
    await fake_discord.wait_for(lambda: fake_discord.identify_count == 2)
    message = await fake_discord.post_message(world.owner, world.channel_named("links"), "after")
    await fake_discord.wait_for(lambda: fake_discord.gateway.connected)
    await fake_discord.react(world.owner, message, "👀")
    await fake_discord.wait_for(lambda: (world.owner.id, "👀") in bot.reactions)


async def test_429_and_5xx_are_retried_by_discord_py(
    fake_discord: FakeDiscord, make_client: ClientRunner, world: Guild
) -> None:
    bot = await make_client(SmokeBot)
    links = world.channel_named("links")
    rule = fake_discord.inject_rest_faults(
        "POST /channels/*/messages", [502, rate_limited(0.05), rate_limited(0.05, is_global=True)]
    )
    channel = bot.get_channel(links.id)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send("through the limits")

    assert rule.remaining == 0
    statuses = [c.status for c in fake_discord.calls("POST", f"/channels/{links.id}/messages")]
    assert statuses == [502, 429, 429, 200]
    assert [m.id for m in fake_discord.messages_in(links)] == [sent.id]


async def test_subcommand_group_with_typed_and_resolved_options(
    fake_discord: FakeDiscord, make_client: ClientRunner, world: Guild
) -> None:
    await make_client(SmokeBot)
    mods = world.add_role("Moderators", Perm.MANAGE_MESSAGES)
    moderator = world.add_member("mod", roles=[mods], pending=True)
    links = world.channel_named("links")
    rec = await fake_discord.invoke_slash(
        world.owner,
        links,
        "settings reviews configure",
        {"channel": links, "role": mods, "enabled": True, "moderator": moderator, "weight": 2.5},
    )
    reply = await rec.wait_reply()
    assert reply.ephemeral
    assert reply.content == "links|Moderators|True|mod|True|2.5"
    with pytest.raises(ValueError, match="required option"):
        await fake_discord.invoke_slash(world.owner, links, "settings reviews configure", {"channel": links})


async def test_modal_round_trip(fake_discord: FakeDiscord, make_client: ClientRunner, world: Guild) -> None:
    await make_client(SmokeBot)
    links = world.channel_named("links")
    opened = await fake_discord.invoke_slash(world.owner, links, "feedback")
    assert (await opened.wait_response()).type == 9
    submitted = await fake_discord.submit_modal(world.owner, opened, {"comment": "solid link"})
    reply = await submitted.wait_reply()
    assert reply.ephemeral and reply.content == "thanks: solid link"


async def test_edits_of_the_original_response_are_counted(
    fake_discord: FakeDiscord, make_client: ClientRunner, world: Guild
) -> None:
    await make_client(SmokeBot)
    rec = await fake_discord.invoke_slash(world.owner, world.channel_named("links"), "progress", {"steps": 3})
    final = await rec.wait_original(lambda m: m.content == "step 3")
    assert final.edit_count == 3
    assert [h["content"] for h in final.history] == ["step 0", "step 1", "step 2"]
    assert len(fake_discord.calls("PATCH", "/webhooks/*/*/messages/@original")) == 3


async def test_member_join_and_bot_removal_events(
    fake_discord: FakeDiscord, make_client: ClientRunner, world: Guild
) -> None:
    bot = await make_client(SmokeBot)
    joined = datetime(2025, 5, 1, tzinfo=UTC)
    newcomer = world.add_member("newcomer", joined_at=joined, account_created=datetime(2025, 4, 30, tzinfo=UTC))
    guild = bot.get_guild(world.id)
    assert guild is not None
    member = await fake_discord.wait_for(lambda: guild.get_member(newcomer.id))
    assert member.joined_at == joined
    assert (member.joined_at - member.created_at) < timedelta(days=2)

    fake_discord.remove_bot_from_guild(world)
    await fake_discord.wait_for(lambda: bot.get_guild(world.id) is None)


async def test_reactions_changed_while_the_bot_was_down_are_seen_after_restart(
    fake_discord: FakeDiscord, make_client: ClientRunner, world: Guild
) -> None:
    bot = await make_client(SmokeBot)
    links = world.channel_named("links")
    message = await fake_discord.post_message(world.owner, links, "vote")
    early = world.add_member("early")
    await fake_discord.react(early, message, "👍")
    await fake_discord.wait_for(lambda: (early.id, "👍") in bot.reactions)

    await make_client.close(bot)
    late = world.add_member("late")
    await fake_discord.react(late, message, "👍")
    await fake_discord.unreact(early, message, "👍")
    await fake_discord.react(late, message, "👎")

    bot = await make_client(SmokeBot)
    assert bot.reactions == []  # nothing is replayed to a new session
    channel = bot.get_channel(links.id)
    assert isinstance(channel, discord.TextChannel)
    fetched = await channel.fetch_message(message.id)
    counts = {str(r.emoji): r.count for r in fetched.reactions}
    assert counts == {"👍": 1, "👎": 1}
    assert [u.id async for u in fetched.reactions[0].users()] == [late.id]


async def test_paused_gateway_holds_events_until_resumed(
    fake_discord: FakeDiscord, make_client: ClientRunner, world: Guild
) -> None:
    bot = await make_client(SmokeBot)
    message = await fake_discord.post_message(world.owner, world.channel_named("links"), "x")
    fake_discord.pause_gateway()
    await fake_discord.react(world.owner, message, "🕒")
    assert message.reactors("🕒") == [world.owner.id]  # state changed at once
    fake_discord.resume_gateway()
    await fake_discord.wait_for(lambda: (world.owner.id, "🕒") in bot.reactions)


async def test_unacked_heartbeats_make_the_client_reconnect_and_resume(
    fake_discord: FakeDiscord, make_client: ClientRunner, world: Guild
) -> None:
    class QuickBot(SmokeBot):
        def __init__(self) -> None:
            super().__init__()
            self._connection.heartbeat_timeout = 0.5

    fake_discord.heartbeat_interval_ms = 100
    await make_client(QuickBot)
    fake_discord.stop_acking_heartbeats()
    await fake_discord.wait_for(lambda: fake_discord.resume_count >= 1)
    assert fake_discord.identify_count == 1


async def test_bot_stays_under_reaction_rate_limits_when_they_are_enforced(
    fake_discord: FakeDiscord, make_client: ClientRunner, world: Guild
) -> None:
    bot = await make_client(SmokeBot)
    fake_discord.enable_rate_limits()
    links = world.channel_named("links")
    message = await fake_discord.post_message(world.owner, links, "react to me")
    channel = bot.get_channel(links.id)
    assert isinstance(channel, discord.TextChannel)
    partial = channel.get_partial_message(message.id)
    for emoji in ["1️⃣", "2️⃣", "3️⃣", "4️⃣"]:
        await partial.add_reaction(emoji)
    assert len(message.reactions) == 4
    # discord.py read the X-RateLimit headers and waited instead of hammering.
    assert fake_discord.rate_limit_hits == []
    assert [c.status for c in fake_discord.calls("PUT", "/channels/*/messages/*/reactions/*/@me")] == [204] * 4


async def test_rate_limits_answer_429_to_a_client_that_ignores_them(fake_discord: FakeDiscord, world: Guild) -> None:
    import aiohttp

    fake_discord.enable_rate_limits()
    message = await fake_discord.post_message(world.owner, world.channel_named("links"), "storm")
    url = f"{fake_discord.api_base_url}/channels/{message.channel_id}/messages/{message.id}/reactions/%F0%9F%91%8D/@me"
    headers = {"Authorization": f"Bot {fake_discord.bot_token}"}
    async with aiohttp.ClientSession() as session:
        async with session.put(url, headers=headers) as first:
            assert first.status == 204
            assert first.headers["X-RateLimit-Remaining"] == "0"
        async with session.put(url, headers=headers) as second:
            assert second.status == 429
            assert second.headers["Via"]
            body = await second.json()
            assert body["retry_after"] > 0 and body["global"] is False
    assert len(fake_discord.rate_limit_hits) == 1


async def test_files_threads_archiving_and_unknown_routes(
    fake_discord: FakeDiscord, make_client: ClientRunner, world: Guild
) -> None:
    import io

    bot = await make_client(SmokeBot)
    links = world.channel_named("links")
    channel = bot.get_channel(links.id)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send("export", file=discord.File(io.BytesIO(b"url,risk\nhttps://a,low\n"), "export.csv"))
    stored = fake_discord.messages_in(links)[-1]
    assert stored.attachments[0].data == b"url,risk\nhttps://a,low\n"
    assert await sent.attachments[0].read() == b"url,risk\nhttps://a,low\n"

    thread = await sent.create_thread(name="t")
    inside = await thread.send("inside")
    await fake_discord.update_thread(fake_discord.channels[thread.id], archived=True)
    guild = bot.get_guild(world.id)
    assert guild is not None
    await fake_discord.wait_for(lambda: guild.get_thread(thread.id) is None)  # archived threads leave the cache
    with pytest.raises(discord.HTTPException) as archived:
        await inside.add_reaction("👍")
    assert archived.value.code == 50083
    await thread.send("wakes it up")
    assert not fake_discord.channels[thread.id].archived

    await fake_discord.update_thread(fake_discord.channels[thread.id], locked=True, archived=True)
    world.set_bot_permissions(world.bot_role.permissions & ~Perm.MANAGE_THREADS)
    with pytest.raises(discord.Forbidden) as locked:
        await thread.send("locked out")
    assert locked.value.code == 160005
    fake_discord.allow_unknown_routes = True
    with pytest.raises(discord.NotFound):
        await bot.http.request(discord.http.Route("GET", "/nonexistent/{x}", x=1))
    assert fake_discord.unknown_routes == ["GET /nonexistent/1"]


async def test_exceptions_inside_the_bot_are_collected_to_fail_the_test(
    fake_discord: FakeDiscord, make_client: ClientRunner, world: Guild
) -> None:
    class BrokenBot(SmokeBot):
        async def setup_hook(self) -> None:
            await super().setup_hook()

            @self.tree.command(name="boom", description="Always fails")
            async def boom(interaction: discord.Interaction) -> None:
                raise RuntimeError("kaboom in a command")

            await self.tree.sync()

        async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
            raise RuntimeError("kaboom in a listener")

    await make_client(BrokenBot)
    links = world.channel_named("links")
    await fake_discord.invoke_slash(world.owner, links, "boom")
    message = await fake_discord.post_message(world.owner, links, "x")
    await fake_discord.react(world.owner, message, "👍")
    await fake_discord.unreact(world.owner, message, "👍")
    await fake_discord.wait_for(lambda: len(make_client.errors) >= 2)
    errors = make_client.take_errors()  # taken, so this test's teardown passes
    assert len(errors) == 2
    assert any("kaboom in a command" in e for e in errors)
    assert any("kaboom in a listener" in e for e in errors)


async def test_answering_after_the_deadline_is_an_unknown_interaction(
    fake_discord: FakeDiscord, make_client: ClientRunner, world: Guild
) -> None:
    fake_discord.interaction_deadline = 0.0  # every answer comes too late
    await make_client(SmokeBot)
    rec = await fake_discord.invoke_slash(world.owner, world.channel_named("links"), "check", {"url": "https://late"})
    await fake_discord.wait_for(lambda: rec in fake_discord.late_interactions)
    await fake_discord.wait_for(lambda: make_client.errors)
    (error,) = make_client.take_errors()
    assert "10062" in error and "Unknown interaction" in error
    assert rec.callbacks == []
