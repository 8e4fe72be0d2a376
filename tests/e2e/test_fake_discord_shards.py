"""The fake Discord's shards: IDENTIFY with [shard_id, shard_count], READY per shard, and each
guild's events only on the connection of its shard, as real discord.py clients see them."""

from __future__ import annotations

import discord
from discord import app_commands

from tests.fakediscord import FakeDiscord
from tests.fakediscord.gateway import GatewayRecord
from tests.fakediscord.harness import ClientRunner


def _intents() -> discord.Intents:
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.guild_reactions = True
    return intents


class Recorder(discord.AutoShardedClient):
    """Records the guilds whose interactions, messages and reactions reach it, by shard."""

    def __init__(self, shard_id: int, shard_count: int) -> None:
        super().__init__(intents=_intents(), shard_ids=[shard_id], shard_count=shard_count)
        self.tree = app_commands.CommandTree(self)
        self.ready_shards: list[int] = []
        self.seen: list[tuple[str, int]] = []

        @self.tree.command(name="ping", description="Which process answers")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message(f"pong from shard {interaction.guild and interaction.guild.shard_id}")

    async def on_shard_ready(self, shard_id: int) -> None:
        self.ready_shards.append(shard_id)

    async def on_message(self, message: discord.Message) -> None:
        if message.guild is not None and not message.author.bot:
            self.seen.append(("message", message.guild.id))

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        if payload.guild_id is not None:
            self.seen.append(("reaction", payload.guild_id))


def _shard_of_session(fake: FakeDiscord, record: GatewayRecord) -> list[int]:
    return fake.gateway.sessions[record.session_id].shard if record.session_id else []


async def test_each_guild_is_only_on_its_shard(fake_discord: FakeDiscord, make_client: ClientRunner) -> None:
    fake_discord.recommended_shards, fake_discord.max_concurrency = 2, 2
    first = fake_discord.add_guild("on shard 0", shard=(0, 2))
    second = fake_discord.add_guild("on shard 1", shard=(1, 2))
    assert {(first.id >> 22) % 2, (second.id >> 22) % 2} == {0, 1}
    channels = {g.id: g.add_text_channel("links") for g in (first, second)}
    members = {g.id: g.add_member("alice") for g in (first, second)}

    zero = await make_client(lambda: Recorder(0, 2))
    one = await make_client(lambda: Recorder(1, 2))
    assert fake_discord.identified_shards == [(0, 2), (1, 2)]
    assert zero.ready_shards == [0] and one.ready_shards == [1]
    assert [g.id for g in zero.guilds] == [first.id]
    assert [g.id for g in one.guilds] == [second.id]
    readies = [r for r in fake_discord.gateway.log if r.event == "READY"]
    assert sorted(_shard_of_session(fake_discord, r) for r in readies) == [[0, 2], [1, 2]]

    # The commands are global: one sync serves both shards.
    await zero.tree.sync()
    for guild in (first, second):
        message = await fake_discord.post_message(members[guild.id], channels[guild.id], "hello")
        await fake_discord.react(members[guild.id], message, "👍")
        rec = await fake_discord.invoke_slash(members[guild.id], channels[guild.id], "ping")
        reply = await rec.wait_reply()
        assert reply.content == f"pong from shard {(guild.id >> 22) % 2}"
    await fake_discord.wait_for(lambda: len(zero.seen) == 2 and len(one.seen) == 2, what="both shards' events")
    assert zero.seen == [("message", first.id), ("reaction", first.id)]
    assert one.seen == [("message", second.id), ("reaction", second.id)]

    # On the wire: each guild event went out once, to one session, not to both.
    for event in ("GUILD_CREATE", "INTERACTION_CREATE", "MESSAGE_REACTION_ADD"):
        sent = [r for r in fake_discord.gateway.log if r.direction == "out" and r.event == event]
        assert len(sent) == 2, event
        assert sorted(_shard_of_session(fake_discord, r) for r in sent) == [[0, 2], [1, 2]], event


async def test_a_guild_joined_later_arrives_on_its_shard_only(
    fake_discord: FakeDiscord, make_client: ClientRunner
) -> None:
    zero = await make_client(lambda: Recorder(0, 2))
    one = await make_client(lambda: Recorder(1, 2))
    joined = fake_discord.add_guild("joined later", shard=(1, 2))
    await fake_discord.wait_for(lambda: one.get_guild(joined.id) is not None, what="the join on shard 1")
    await fake_discord.flush()
    assert zero.get_guild(joined.id) is None


async def test_an_unsharded_client_gets_every_guild(fake_discord: FakeDiscord, make_client: ClientRunner) -> None:
    guilds = [fake_discord.add_guild(f"g{shard}", shard=(shard, 2)) for shard in (0, 1)]
    client = await make_client(lambda: discord.Client(intents=_intents()))
    assert fake_discord.identified_shards == [(0, 1)]
    assert sorted(g.id for g in client.guilds) == sorted(g.id for g in guilds)


async def test_gateway_bot_reports_shards_and_identify_concurrency(
    fake_discord: FakeDiscord, make_client: ClientRunner
) -> None:
    fake_discord.recommended_shards, fake_discord.max_concurrency = 3, 16
    client = await make_client(lambda: discord.AutoShardedClient(intents=_intents()))
    # Without a shard count the library asks /gateway/bot and runs the recommended shards.
    assert client.shard_count == 3
    assert sorted(fake_discord.identified_shards) == [(0, 3), (1, 3), (2, 3)]
    limits = await client.fetch_session_start_limits()
    assert limits.max_concurrency == 16
