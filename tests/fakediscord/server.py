"""FakeDiscord: REST + gateway on a real 127.0.0.1 socket that the real discord.py client logs in to.

State changes go through the methods here so that every change is also dispatched over the
gateway, the way Discord tells a bot what happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import re
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from aiohttp import web

from .errors import unknown
from .gateway import GUILD_MEMBERS, MESSAGE_CONTENT, Gateway
from .interactions import (
    APPLICATION_COMMAND,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    SUB_COMMAND,
    SUB_COMMAND_GROUP,
    InteractionRecord,
    command_data,
    modal_submit_components,
)
from .limits import Fault, FaultRule, RateLimiter, RateLimitHit
from .models import (
    EPHEMERAL,
    FORUM,
    LOADING,
    PUBLIC_THREAD,
    Attachment,
    Channel,
    Command,
    Guild,
    Member,
    Message,
    Overwrite,
    Role,
    User,
    emoji_payload,
    normalise_emoji,
)
from .permissions import BOT_DEFAULT, EVERYONE_DEFAULT, Perm
from .rest import RestApi, RestCall, UploadedFile
from .snowflakes import iso, new_snowflake, new_snowflake_on_shard, snowflake_at, utcnow

T = TypeVar("T")

_MENTION = re.compile(r"<@!?(\d+)>")


@dataclass
class CommandSync:
    """One bulk overwrite of application commands (global when ``guild_id`` is None)."""

    guild_id: int | None
    commands: list[dict[str, Any]]
    time: float

    @property
    def names(self) -> list[str]:
        return sorted(c["name"] for c in self.commands)


class FakeDiscord:
    def __init__(
        self,
        *,
        bot_token: str = "fake-bot-token",
        bot_name: str = "Second Opinion",
        heartbeat_interval_ms: int = 41_250,
        interaction_deadline: float = 3.0,
    ) -> None:
        self.bot_token = bot_token
        self.application_id = new_snowflake()
        self.application_flags = 0
        # GET /gateway/bot: what Discord recommends and allows; AutoShardedClient reads them.
        self.recommended_shards = 1
        self.max_concurrency = 1
        self.bot_user = User(self.application_id, bot_name, bot=True)
        self.owner_user = User(new_snowflake(), "app-owner")
        self.users: dict[int, User] = {u.id: u for u in (self.bot_user, self.owner_user)}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, Message] = {}
        self._channel_messages: dict[int, list[Message]] = {}
        self.attachments: dict[int, Attachment] = {}
        self.commands: dict[int | None, list[Command]] = {}
        self.command_syncs: list[CommandSync] = []
        self.interactions: dict[int, InteractionRecord] = {}
        self.interactions_by_token: dict[str, InteractionRecord] = {}
        self.late_interactions: list[InteractionRecord] = []
        self.interaction_deadline = interaction_deadline
        # Bytes one uploaded file may have (sent to the bot as an interaction's attachment_size_limit).
        self.attachment_size_limit = 26_214_400
        self.rest_log: list[RestCall] = []
        self.unknown_routes: list[str] = []
        self.server_errors: list[str] = []
        self.fault_rules: list[FaultRule] = []
        self.rate_limiter = RateLimiter()
        self.gateway = Gateway(self)
        self.gateway.heartbeat_interval_ms = heartbeat_interval_ms
        self.identified_intents = 0
        self.identify_count = 0
        # (shard_id, shard_count) of every IDENTIFY, in order; (0, 1) for an unsharded client.
        self.identified_shards: list[tuple[int, int]] = []
        self.resume_count = 0
        self._rest = RestApi(self)
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/attachments/{attachment_id}/{filename}", self._serve_attachment)
        app.router.add_route("*", "/api/{tail:.*}", self._rest.handle)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is None:
            return
        await self.gateway.close_all()
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base_url(self) -> str:
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def application_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.application_id),
            "name": self.bot_user.username,
            "icon": None,
            "description": "",
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": self.owner_user.to_payload(),
            "verify_key": "0" * 64,
            "team": None,
            "flags": self.application_flags,
            "bot": self.bot_user.to_payload(),
            "summary": "",
            "rpc_origins": [],
        }

    # -- waiting -------------------------------------------------------------------------------
    def notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0, *, what: str | None = None) -> T:  # noqa: ASYNC109
        """Wait until ``predicate()`` is truthy and return it. Re-checked on every state change
        and every 20 ms, so predicates over the bot's own state work too."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.02))

    def calls(self, method: str | None = None, pattern: str | None = None) -> list[RestCall]:
        """REST calls filtered by method and a glob over the path or the route template,
        e.g. ``calls("PATCH", "/channels/*/messages/*")``."""
        return [
            c
            for c in self.rest_log
            if (method is None or c.method == method)
            and (pattern is None or fnmatch.fnmatchcase(c.path, pattern) or c.route == pattern)
        ]

    async def wait_for_calls(
        self, method: str | None, pattern: str | None, count: int = 1, timeout: float = 5.0  # noqa: ASYNC109
    ) -> list[RestCall]:
        await self.wait_for(
            lambda: len(self.calls(method, pattern)) >= count,
            timeout,
            what=f"{count} call(s) to {method} {pattern}",
        )
        return self.calls(method, pattern)

    async def wait_for_message(
        self, channel: Channel, predicate: Callable[[Message], Any] | None = None, timeout: float = 5.0  # noqa: ASYNC109
    ) -> Message:
        def find() -> Message | None:
            for msg in reversed(self.messages_in(channel)):
                if predicate is None or predicate(msg):
                    return msg
            return None

        return await self.wait_for(find, timeout, what=f"a message in #{channel.name}")

    # -- queries ----------------------------------------------------------------------------
    def get_guild(self, guild_id: int) -> Guild:
        guild = self.guilds.get(guild_id)
        if guild is None or not guild.bot_present:
            raise unknown("Guild")
        return guild

    def get_channel(self, channel_id: int) -> Channel:
        channel = self.channels.get(channel_id)
        if channel is None or channel.deleted or not self.guilds[channel.guild_id].bot_present:
            raise unknown("Channel")
        return channel

    def guild_of(self, channel: Channel) -> Guild:
        return self.guilds[channel.guild_id]

    def bot_can(self, channel: Channel | None, perms: Perm) -> bool:
        if channel is None:
            return True
        guild = self.guild_of(channel)
        granted = guild.bot_member.permissions_in(channel)
        return granted & perms == perms

    def messages_in(self, channel: Channel) -> list[Message]:
        """Visible messages of a channel or thread, oldest first (ephemeral ones are not here)."""
        return [m for m in self._channel_messages.get(channel.id, []) if not m.deleted]

    def threads_of(self, channel: Channel, *, include_archived: bool = True) -> list[Channel]:
        return [
            c
            for c in self.channels.values()
            if c.is_thread and c.parent_id == channel.id and not c.deleted and (include_archived or not c.archived)
        ]

    def commands_in(self, guild_id: int | None) -> list[Command]:
        return list(self.commands.get(guild_id, []))

    def command(self, name: str, guild_id: int | None = None) -> Command:
        for cmd in self.commands_in(guild_id) + (self.commands_in(None) if guild_id is not None else []):
            if cmd.name == name:
                return cmd
        raise LookupError(f"no command {name!r} registered; have {[c.name for c in self.commands_in(guild_id)]}")

    @property
    def rate_limit_hits(self) -> list[RateLimitHit]:
        return self.rate_limiter.hits

    # -- REST controls -----------------------------------------------------------------------
    def inject_rest_faults(self, route_pattern: str, faults: Iterable[int | Fault]) -> FaultRule:
        """Answer the next requests matching ``route_pattern`` (glob over ``"METHOD /path"`` or
        just ``/path``, path without /api/v10) with these faults, one per request, in order."""
        rule = FaultRule(route_pattern, list(faults))
        self.fault_rules.append(rule)
        return rule

    def enable_rate_limits(self, enabled: bool = True) -> None:
        self.rate_limiter.enabled = enabled

    # -- gateway controls --------------------------------------------------------------------
    async def drop_gateway(self, code: int = 4000) -> None:
        """Close the bot's socket(s); the session stays resumable."""
        await self.gateway.drop(code)

    def invalidate_session(self, *, resumable: bool = False) -> None:
        self.gateway.invalidate(resumable=resumable)

    def request_reconnect(self) -> None:
        self.gateway.request_reconnect()

    def stop_acking_heartbeats(self) -> None:
        self.gateway.ack_heartbeats = False

    def resume_acking_heartbeats(self) -> None:
        self.gateway.ack_heartbeats = True

    def pause_gateway(self) -> None:
        """Hold back events (state still changes) as if the bot were not listening."""
        self.gateway.pause()

    def resume_gateway(self, *, deliver: bool = True) -> None:
        """Stop holding events back; ``deliver=False`` loses the held ones for good."""
        self.gateway.resume(deliver=deliver)

    @property
    def heartbeat_interval_ms(self) -> int:
        return self.gateway.heartbeat_interval_ms

    @heartbeat_interval_ms.setter
    def heartbeat_interval_ms(self, value: int) -> None:
        self.gateway.heartbeat_interval_ms = value

    async def flush(self) -> None:
        await self.gateway.flush()

    async def wait_until_connected(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        await self.wait_for(lambda: self.gateway.connected, timeout, what="a gateway connection")

    def _dispatch(self, event: str, data: Any, *, author_id: int | None = None, mentions: Iterable[int] = ()) -> None:
        self.gateway.dispatch(event, data, author_id=author_id, mentions=tuple(mentions))
        self.notify()

    def strip_content(self, data: dict[str, Any], author_id: int | None, mentions: tuple[int, ...]) -> dict[str, Any]:
        """What a bot without the message content intent sees of someone else's message."""
        if author_id == self.bot_user.id or self.bot_user.id in mentions:
            return data
        return data | {"content": "", "embeds": [], "attachments": [], "components": []}

    def message_payload_for_bot(self, message: Message) -> dict[str, Any]:
        payload = message.to_payload(self)
        if self.identify_count and not self.identified_intents & MESSAGE_CONTENT:
            payload = self.strip_content(payload, message.author.id, tuple(message.mentions))
        return payload

    # -- guild building ------------------------------------------------------------------------
    def add_guild(
        self,
        name: str = "SEO Guild",
        *,
        bot_permissions: int = BOT_DEFAULT,
        everyone_permissions: int = EVERYONE_DEFAULT,
        owner_name: str = "guild-owner",
        bot_joined: bool = True,
        shard: tuple[int, int] | None = None,
    ) -> Guild:
        """shard (id, count): a guild id that lands on that shard, for the sharding tests."""
        guild_id = new_snowflake() if shard is None else new_snowflake_on_shard(*shard)
        owner = User(new_snowflake(), owner_name)
        self.users[owner.id] = owner
        guild = Guild(id=guild_id, name=name, owner_id=owner.id, fake=self, bot_present=False)
        guild.roles[guild_id] = Role(guild_id, guild_id, "@everyone", int(everyone_permissions), position=0)
        bot_role = Role(new_snowflake(), guild_id, self.bot_user.username, int(bot_permissions), position=1, managed=True)
        guild.roles[bot_role.id] = bot_role
        guild.bot_role_id = bot_role.id
        guild.members[owner.id] = Member(owner, guild)
        self.guilds[guild_id] = guild
        if bot_joined:
            self.add_bot_to_guild(guild)
        return guild

    def add_bot_to_guild(self, guild: Guild) -> None:
        assert guild.bot_role_id is not None
        guild.members[self.bot_user.id] = Member(self.bot_user, guild, [guild.bot_role_id])
        guild.bot_present = True
        # A join (unlike a guild coming back online) has no "unavailable" key: discord.py tells
        # on_guild_join from on_guild_available by it.
        self._dispatch(
            "GUILD_CREATE",
            lambda intents: {k: v for k, v in self.guild_create_payload(guild, intents).items() if k != "unavailable"},
        )

    def remove_bot_from_guild(self, guild: Guild) -> None:
        guild.members.pop(self.bot_user.id, None)
        guild.bot_present = False
        self._dispatch("GUILD_DELETE", {"id": str(guild.id)})

    def guild_create_payload(self, guild: Guild, intents: int) -> dict[str, Any]:
        members = list(guild.members.values())
        if not intents & GUILD_MEMBERS:
            members = [m for m in members if m.id == self.bot_user.id]
        payload = guild.to_payload()
        payload.update(
            joined_at=iso(guild.bot_member.joined_at),
            large=len(guild.members) >= 250,
            unavailable=False,
            member_count=len(guild.members),
            members=[m.to_payload() for m in members],
            channels=[c.to_payload() for c in guild.channels.values() if not c.is_thread and not c.deleted],
            threads=[c.to_payload() for c in guild.threads() if not c.archived],
            presences=[],
            voice_states=[],
            stage_instances=[],
            guild_scheduled_events=[],
            soundboard_sounds=[],
        )
        return payload

    def create_channel(
        self,
        guild: Guild,
        name: str,
        kind: int,
        *,
        topic: str | None = None,
        parent: Channel | None = None,
        tags: list[str] | None = None,
    ) -> Channel:
        position = len([c for c in guild.channels.values() if not c.is_thread])
        channel = Channel(
            id=new_snowflake(),
            guild_id=guild.id,
            type=kind,
            name=name,
            position=position,
            topic=topic,
            parent_id=parent.id if parent else None,
        )
        if kind == FORUM:
            channel.available_tags = [
                {"id": str(new_snowflake()), "name": tag, "moderated": False, "emoji_id": None, "emoji_name": None}
                for tag in tags or []
            ]
        guild.channels[channel.id] = channel
        self.channels[channel.id] = channel
        self._channel_messages[channel.id] = []
        if guild.bot_present:
            self._dispatch("CHANNEL_CREATE", channel.to_payload())
        return channel

    def create_role(self, guild: Guild, name: str, permissions: int, **kwargs: Any) -> Role:
        position = max((r.position for r in guild.roles.values()), default=0)
        role = Role(new_snowflake(), guild.id, name, permissions, position=kwargs.pop("position", position), **kwargs)
        guild.roles[role.id] = role
        if guild.bot_present:
            self._dispatch("GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": role.to_payload()})
        return role

    def update_role(self, role: Role, **changes: Any) -> None:
        for key, value in changes.items():
            setattr(role, key, value)
        guild = self.guilds[role.guild_id]
        if guild.bot_present:
            self._dispatch("GUILD_ROLE_UPDATE", {"guild_id": str(guild.id), "role": role.to_payload()})

    def set_permission_overwrite(
        self, channel: Channel, target: Role | Member, *, allow: int = 0, deny: int = 0
    ) -> None:
        kind = 0 if isinstance(target, Role) else 1
        channel.permission_overwrites = [ow for ow in channel.permission_overwrites if ow.id != target.id]
        if allow or deny:
            channel.permission_overwrites.append(Overwrite(target.id, kind, int(allow), int(deny)))
        if self.guild_of(channel).bot_present:
            self._dispatch("CHANNEL_UPDATE", channel.to_payload())

    def create_member(
        self,
        guild: Guild,
        name: str,
        roles: list[Role],
        *,
        joined_at: datetime | None = None,
        account_created: datetime | None = None,
        pending: bool = False,
        bot: bool = False,
        user_id: int | None = None,
    ) -> Member:
        if user_id is None:
            user_id = snowflake_at(account_created) if account_created is not None else new_snowflake()
        user = self.users.get(user_id) or User(user_id, name, bot=bot)
        self.users[user.id] = user
        member = Member(user, guild, [r.id for r in roles], joined_at=joined_at or utcnow(), pending=pending)
        guild.members[user.id] = member
        if guild.bot_present:
            self._dispatch("GUILD_MEMBER_ADD", member.to_payload() | {"guild_id": str(guild.id)})
        return member

    def update_member(self, member: Member, **changes: Any) -> None:
        if "roles" in changes:
            changes["role_ids"] = [r.id if isinstance(r, Role) else int(r) for r in changes.pop("roles")]
        for key, value in changes.items():
            setattr(member, key, value)
        if member.guild.bot_present:
            self._dispatch("GUILD_MEMBER_UPDATE", member.to_payload() | {"guild_id": str(member.guild.id)})

    def remove_member(self, member: Member) -> None:
        member.guild.members.pop(member.id, None)
        if member.guild.bot_present:
            self._dispatch(
                "GUILD_MEMBER_REMOVE", {"guild_id": str(member.guild.id), "user": member.user.to_payload()}
            )

    # -- messages -------------------------------------------------------------------------------
    def make_attachment(
        self, channel_id: int, filename: str, data: bytes, content_type: str | None = None
    ) -> Attachment:
        attachment_id = new_snowflake()
        attachment = Attachment(
            id=attachment_id,
            filename=filename,
            data=data,
            content_type=content_type,
            url=f"{self.base_url}/attachments/{attachment_id}/{filename}",
        )
        self.attachments[attachment_id] = attachment
        return attachment

    async def _serve_attachment(self, request: web.Request) -> web.Response:
        attachment = self.attachments.get(int(request.match_info["attachment_id"]))
        if attachment is None:
            return web.Response(status=404)
        return web.Response(body=attachment.data, content_type=attachment.content_type or "application/octet-stream")

    def _attachments_from(
        self, channel_id: int, files: list[UploadedFile], meta: list[dict[str, Any]] | None
    ) -> list[Attachment]:
        described = {str(m.get("id")): m for m in meta or []}
        result = []
        for index, upload in enumerate(files):
            attachment = self.make_attachment(channel_id, upload.filename, upload.data, upload.content_type)
            attachment.description = described.get(str(index), {}).get("description")
            result.append(attachment)
        return result

    def create_message(
        self,
        channel: Channel,
        author: User,
        data: dict[str, Any],
        files: list[UploadedFile] | None = None,
        *,
        kind: int = 0,
        flags: int | None = None,
        message_id: int | None = None,
        webhook_id: int | None = None,
        interaction_metadata: dict[str, Any] | None = None,
    ) -> Message:
        content = str(data.get("content") or "")
        message = Message(
            id=message_id or new_snowflake(),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author=author,
            content=content,
            embeds=list(data.get("embeds") or []),
            components=list(data.get("components") or []),
            flags=int(data.get("flags") or 0) if flags is None else flags,
            type=kind,
            attachments=self._attachments_from(channel.id, files or [], data.get("attachments")),
            webhook_id=webhook_id,
            application_id=self.application_id if webhook_id is not None else None,
            interaction_metadata=interaction_metadata,
            message_reference=data.get("message_reference"),
            mentions=[int(m) for m in _MENTION.findall(content)],
        )
        self.messages[message.id] = message
        if message.ephemeral:
            return message
        self._channel_messages.setdefault(channel.id, []).append(message)
        channel.last_message_id = message.id
        if channel.is_thread:
            channel.message_count += 1
            channel.total_message_sent += 1
        self._dispatch(
            "MESSAGE_CREATE",
            message.to_payload(self, with_member=True),
            author_id=author.id,
            mentions=message.mentions,
        )
        return message

    def apply_edit(
        self,
        message: Message,
        data: dict[str, Any],
        files: list[UploadedFile] | None = None,
        *,
        clear_loading: bool = False,
    ) -> None:
        message.history.append(message.to_payload(self))
        if "content" in data:
            message.content = str(data["content"] or "")
            message.mentions = [int(m) for m in _MENTION.findall(message.content)]
        if "embeds" in data:
            message.embeds = list(data["embeds"] or [])
        if "components" in data:
            message.components = list(data["components"] or [])
        if "flags" in data and data["flags"] is not None:
            kept = message.flags & (EPHEMERAL | LOADING)
            message.flags = kept | (int(data["flags"]) & ~(EPHEMERAL | LOADING))
        if clear_loading:
            message.flags &= ~LOADING
        if "attachments" in data and data["attachments"] is not None:
            keep = {str(a.get("id")) for a in data["attachments"]}
            message.attachments = [a for a in message.attachments if str(a.id) in keep]
        if files:
            message.attachments.extend(self._attachments_from(message.channel_id, files, data.get("attachments")))
        message.edited_timestamp = utcnow()
        if not message.ephemeral:
            self._dispatch(
                "MESSAGE_UPDATE",
                message.to_payload(self, with_member=True),
                author_id=message.author.id,
                mentions=message.mentions,
            )
        else:
            self.notify()

    def delete_message(self, message: Message) -> None:
        message.deleted = True
        if message.ephemeral:
            self.notify()
            return
        payload = {"id": str(message.id), "channel_id": str(message.channel_id)}
        if message.guild_id is not None:
            payload["guild_id"] = str(message.guild_id)
        self._dispatch("MESSAGE_DELETE", payload)

    # -- reactions ------------------------------------------------------------------------------
    def add_reaction(self, message: Message, user_id: int, emoji: str) -> bool:
        key = normalise_emoji(emoji)
        users = message.reactions.setdefault(key, [])
        if user_id in users:
            return False
        users.append(user_id)
        payload: dict[str, Any] = {
            "user_id": str(user_id),
            "channel_id": str(message.channel_id),
            "message_id": str(message.id),
            "emoji": emoji_payload(key),
            "message_author_id": str(message.author.id),
            "burst": False,
            "burst_colors": [],
            "type": 0,
        }
        if message.guild_id is not None:
            payload["guild_id"] = str(message.guild_id)
            member = self.guilds[message.guild_id].members.get(user_id)
            if member is not None:
                payload["member"] = member.to_payload()
        self._dispatch("MESSAGE_REACTION_ADD", payload)
        return True

    def remove_reaction(self, message: Message, user_id: int, emoji: str) -> bool:
        key = normalise_emoji(emoji)
        users = message.reactions.get(key, [])
        if user_id not in users:
            return False
        users.remove(user_id)
        if not users:
            del message.reactions[key]
        payload = {
            "user_id": str(user_id),
            "channel_id": str(message.channel_id),
            "message_id": str(message.id),
            "emoji": emoji_payload(key),
            "burst": False,
            "type": 0,
        }
        if message.guild_id is not None:
            payload["guild_id"] = str(message.guild_id)
        self._dispatch("MESSAGE_REACTION_REMOVE", payload)
        return True

    def clear_reactions(self, message: Message, emoji: str | None) -> None:
        payload: dict[str, Any] = {"channel_id": str(message.channel_id), "message_id": str(message.id)}
        if message.guild_id is not None:
            payload["guild_id"] = str(message.guild_id)
        if emoji is None:
            message.reactions.clear()
            self._dispatch("MESSAGE_REACTION_REMOVE_ALL", payload)
        else:
            key = normalise_emoji(emoji)
            message.reactions.pop(key, None)
            self._dispatch("MESSAGE_REACTION_REMOVE_EMOJI", payload | {"emoji": emoji_payload(key)})

    # -- threads and channels ---------------------------------------------------------------------
    def create_thread(
        self,
        parent: Channel,
        name: str,
        *,
        owner: User,
        starter: Message | None = None,
        kind: int = PUBLIC_THREAD,
        auto_archive_duration: int = 1440,
        applied_tags: list[int] | None = None,
        first_message: dict[str, Any] | None = None,
        files: list[UploadedFile] | None = None,
    ) -> Channel:
        guild = self.guild_of(parent)
        # Discord gives a thread started from a message (and a forum post) the message's id.
        thread_id = starter.id if starter is not None else new_snowflake()
        thread = Channel(
            id=thread_id,
            guild_id=guild.id,
            type=kind,
            name=name,
            parent_id=parent.id,
            owner_id=owner.id,
            auto_archive_duration=auto_archive_duration,
            applied_tags=list(applied_tags or []),
        )
        thread.thread_member_ids.add(owner.id)
        guild.channels[thread.id] = thread
        self.channels[thread.id] = thread
        self._channel_messages[thread.id] = []
        if starter is not None:
            starter.thread_id = thread.id
        payload = thread.to_payload() | {"newly_created": True}
        if owner.id == self.bot_user.id:
            payload["member"] = {
                "id": str(thread.id),
                "user_id": str(owner.id),
                "join_timestamp": iso(thread.created_at),
                "flags": 0,
            }
        self._dispatch("THREAD_CREATE", payload)
        if first_message is not None:
            self.create_message(thread, owner, first_message, files, message_id=thread.id)
        return thread

    def update_channel(self, channel: Channel, **changes: Any) -> None:
        if "archived" in changes and bool(changes["archived"]) != channel.archived:
            channel.archive_timestamp = utcnow()
        for key, value in changes.items():
            setattr(channel, key, value)
        event = "THREAD_UPDATE" if channel.is_thread else "CHANNEL_UPDATE"
        self._dispatch(event, channel.to_payload())

    def delete_channel(self, channel: Channel) -> None:
        channel.deleted = True
        if channel.is_thread:
            self._dispatch(
                "THREAD_DELETE",
                {
                    "id": str(channel.id),
                    "guild_id": str(channel.guild_id),
                    "parent_id": str(channel.parent_id),
                    "type": channel.type,
                },
            )
        else:
            self._dispatch("CHANNEL_DELETE", channel.to_payload())

    # -- commands ---------------------------------------------------------------------------------
    def overwrite_commands(self, guild_id: int | None, definitions: list[dict[str, Any]]) -> list[Command]:
        existing = {(c.name, c.type): c for c in self.commands_in(guild_id)}
        result = []
        for definition in definitions:
            key = (definition["name"], int(definition.get("type", 1)))
            old = existing.get(key)
            if old is not None:
                old.definition = definition
                old.version += 1
                result.append(old)
            else:
                result.append(Command(new_snowflake(), self.application_id, guild_id, definition, 1))
        self.commands[guild_id] = result
        self.command_syncs.append(CommandSync(guild_id, definitions, time.monotonic()))
        return result

    def upsert_command(self, guild_id: int | None, definition: dict[str, Any]) -> Command:
        commands = self.commands_in(guild_id)
        for command in commands:
            if command.name == definition["name"] and command.type == int(definition.get("type", 1)):
                command.definition = definition
                command.version += 1
                return command
        command = Command(new_snowflake(), self.application_id, guild_id, definition, 1)
        self.commands[guild_id] = [*commands, command]
        return command

    def syncs(self, guild_id: int | None = None) -> list[CommandSync]:
        return [s for s in self.command_syncs if s.guild_id == guild_id]

    # -- interactions (started by tests) ------------------------------------------------------------
    def _interaction_payload(
        self,
        kind: int,
        member: Member,
        channel: Channel,
        data: dict[str, Any],
        message: Message | None,
        interaction_id: int,
        token: str,
    ) -> dict[str, Any]:
        guild = self.guild_of(channel)
        channel_payload = channel.to_payload() | {"permissions": str(member.permissions_in(channel))}
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "guild_id": str(guild.id),
            "guild": {"id": str(guild.id), "locale": "en-US", "features": guild.features},
            "channel_id": str(channel.id),
            "channel": channel_payload,
            "member": member.to_payload(channel=channel),
            "token": token,
            "version": 1,
            "app_permissions": str(guild.bot_member.permissions_in(channel)),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
            "attachment_size_limit": self.attachment_size_limit,
        }
        if message is not None:
            payload["message"] = message.to_payload(self)
        return payload

    def _start_interaction(
        self, kind: int, member: Member, channel: Channel, data: dict[str, Any], message: Message | None
    ) -> InteractionRecord:
        if member.guild.id != channel.guild_id:
            raise ValueError(f"{member.name} is not a member of the guild of #{channel.name}")
        interaction_id = new_snowflake()
        token = f"aW50ZXJhY3Rpb24{secrets.token_urlsafe(48)}"
        payload = self._interaction_payload(kind, member, channel, data, message, interaction_id, token)
        record = InteractionRecord(
            fake=self,
            id=interaction_id,
            token=token,
            type=kind,
            user=member.user,
            member=member,
            guild=member.guild,
            channel=channel,
            payload=payload,
            source_message=message,
        )
        self.interactions[interaction_id] = record
        self.interactions_by_token[token] = record
        self._dispatch("INTERACTION_CREATE", payload)
        return record

    async def invoke_slash(
        self,
        member: Member,
        channel: Channel,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        subcommand_group: str | None = None,
        subcommand: str | None = None,
    ) -> InteractionRecord:
        """Run a registered slash command as ``member`` would. ``name`` may hold the full path
        ("settings reviews channel") instead of the subcommand keyword arguments."""
        parts = name.split()
        command = self.command(parts[0], channel.guild_id)
        if len(parts) == 3:
            subcommand_group, subcommand = parts[1], parts[2]
        elif len(parts) == 2:
            kinds = {o["name"]: int(o["type"]) for o in command.definition.get("options") or []}
            if kinds.get(parts[1]) == SUB_COMMAND_GROUP:
                subcommand_group = parts[1]
            elif kinds.get(parts[1]) == SUB_COMMAND:
                subcommand = parts[1]
            else:
                raise ValueError(f"/{parts[0]} has no subcommand or group {parts[1]!r}")
        data = command_data(self, command, channel, member, options or {}, subcommand_group, subcommand)
        record = self._start_interaction(APPLICATION_COMMAND, member, channel, data, None)
        await self.gateway.flush()
        return record

    async def click(
        self, member: Member, message: Message, custom_id: str, *, values: list[str] | None = None
    ) -> InteractionRecord:
        """Click a button (or pick ``values`` in a select menu) on a message."""
        if message.deleted:
            raise LookupError("the message was deleted")
        component = message.find_component(custom_id)
        if component is None:
            ids = [c.get("custom_id") for c in message.buttons()]
            raise LookupError(f"message {message.id} has no component {custom_id!r}; buttons: {ids}")
        if component.get("disabled"):
            raise ValueError(f"component {custom_id!r} is disabled")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": int(component["type"])}
        if int(component["type"]) != 2:
            data["values"] = list(values or [])
        channel = self.channels[message.channel_id]
        record = self._start_interaction(MESSAGE_COMPONENT, member, channel, data, message)
        await self.gateway.flush()
        return record

    async def submit_modal(
        self, member: Member, opened_by: InteractionRecord, values: dict[str, Any]
    ) -> InteractionRecord:
        """Fill in and submit the modal the bot opened in answer to ``opened_by``."""
        modal = opened_by.modal
        if modal is None:
            raise ValueError(f"interaction {opened_by.id} was not answered with a modal")
        data = {"custom_id": modal["custom_id"], "components": modal_submit_components(modal, values)}
        record = self._start_interaction(MODAL_SUBMIT, member, opened_by.channel, data, opened_by.source_message)
        await self.gateway.flush()
        return record

    def create_interaction_message(
        self,
        rec: InteractionRecord,
        data: dict[str, Any],
        files: list[UploadedFile],
        *,
        flags: int,
    ) -> Message:
        metadata: dict[str, Any] = {
            "id": str(rec.id),
            "type": rec.type,
            "user": rec.user.to_payload(),
            "authorizing_integration_owners": {"0": str(rec.channel.guild_id)},
        }
        if rec.type == APPLICATION_COMMAND:
            metadata["name"] = rec.data.get("name")
        if rec.source_message is not None:
            metadata["interacted_message_id"] = str(rec.source_message.id)
        return self.create_message(
            rec.channel,
            self.bot_user,
            data | {"flags": (int(data.get("flags") or 0) & ~EPHEMERAL) | flags},
            files,
            kind=20 if rec.type == APPLICATION_COMMAND else 0,
            webhook_id=self.application_id,
            interaction_metadata=metadata,
        )

    # -- member actions (what people do in the Discord client) ----------------------------------------
    def _check_member(self, member: Member, channel: Channel, perms: Perm) -> None:
        granted = member.permissions_in(channel)
        if granted & perms != perms:
            raise PermissionError(f"{member.name} lacks {Perm(perms & ~granted)!r} in #{channel.name}")

    async def post_message(
        self,
        member: Member,
        channel: Channel,
        content: str = "",
        *,
        embeds: list[dict[str, Any]] | None = None,
        reply_to: Message | None = None,
    ) -> Message:
        needed = Perm.SEND_MESSAGES_IN_THREADS if channel.is_thread else Perm.SEND_MESSAGES
        self._check_member(member, channel, needed)
        if channel.is_thread and channel.locked:
            raise PermissionError(f"thread {channel.name} is locked")
        if channel.is_thread and channel.archived:
            self.update_channel(channel, archived=False)
        data: dict[str, Any] = {"content": content, "embeds": embeds or []}
        if reply_to is not None:
            data["message_reference"] = {
                "message_id": str(reply_to.id),
                "channel_id": str(reply_to.channel_id),
                "guild_id": str(channel.guild_id),
            }
        message = self.create_message(channel, member.user, data, kind=19 if reply_to else 0)
        await self.gateway.flush()
        return message

    async def edit_message(self, message: Message, content: str) -> None:
        """The author edits their message."""
        self.apply_edit(message, {"content": content})
        await self.gateway.flush()

    async def remove_message(self, message: Message) -> None:
        self.delete_message(message)
        await self.gateway.flush()

    async def create_forum_post(
        self, member: Member, forum: Channel, name: str, content: str, *, tags: Iterable[str] = ()
    ) -> Channel:
        self._check_member(member, forum, Perm.SEND_MESSAGES)
        thread = self.create_thread(
            forum,
            name,
            owner=member.user,
            applied_tags=[forum.tag_id(t) for t in tags],
            first_message={"content": content},
        )
        await self.gateway.flush()
        return thread

    async def react(self, member: Member, message: Message, emoji: str) -> bool:
        channel = self.channels[message.channel_id]
        needed = Perm.READ_MESSAGE_HISTORY | (Perm.ADD_REACTIONS if not message.reaction_count(emoji) else 0)
        self._check_member(member, channel, Perm(needed))
        if channel.is_thread and channel.archived:
            raise PermissionError(f"thread {channel.name} is archived")
        added = self.add_reaction(message, member.id, emoji)
        await self.gateway.flush()
        return added

    async def unreact(self, member: Member, message: Message, emoji: str) -> bool:
        removed = self.remove_reaction(message, member.id, emoji)
        await self.gateway.flush()
        return removed

    async def update_thread(self, thread: Channel, **changes: Any) -> None:
        """A moderator archives, locks or renames a thread."""
        self.update_channel(thread, **changes)
        await self.gateway.flush()
