"""In-memory records of the fake's world, and their Discord JSON shapes (snowflakes as strings)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .permissions import Perm, channel_permissions
from .snowflakes import iso, snowflake_time, utcnow

if TYPE_CHECKING:
    from .server import FakeDiscord

TEXT = 0
CATEGORY = 4
NEWS = 5
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
FORUM = 15
THREAD_TYPES = frozenset({10, PUBLIC_THREAD, PRIVATE_THREAD})

EPHEMERAL = 1 << 6
LOADING = 1 << 7


def sid(value: int | None) -> str | None:
    return None if value is None else str(value)


@dataclass(eq=False)
class User:
    id: int
    username: str
    bot: bool = False
    global_name: str | None = None
    avatar: str | None = None

    @property
    def created_at(self) -> datetime:
        return snowflake_time(self.id)

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def to_payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": self.avatar,
            "public_flags": 0,
            "flags": 0,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass(eq=False)
class Role:
    id: int
    guild_id: int
    name: str
    permissions: int
    position: int = 0
    color: int = 0
    hoist: bool = False
    managed: bool = False
    mentionable: bool = False

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"

    def to_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(int(self.permissions)),
            "position": self.position,
            "color": self.color,
            "colors": {"primary_color": self.color, "secondary_color": None, "tertiary_color": None},
            "hoist": self.hoist,
            "managed": self.managed,
            "mentionable": self.mentionable,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }


@dataclass(eq=False)
class Member:
    user: User
    guild: Guild
    role_ids: list[int] = field(default_factory=list)
    joined_at: datetime = field(default_factory=utcnow)
    pending: bool = False
    nick: str | None = None
    communication_disabled_until: datetime | None = None

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def name(self) -> str:
        return self.user.username

    @property
    def mention(self) -> str:
        return self.user.mention

    def permissions_in(self, channel: Channel | None) -> int:
        return channel_permissions(self.guild, self, channel)

    def to_payload(self, *, with_user: bool = True, channel: Channel | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": [str(r) for r in self.role_ids],
            "joined_at": iso(self.joined_at),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": self.pending,
            "nick": self.nick,
            "avatar": None,
            "flags": 0,
            "communication_disabled_until": iso(self.communication_disabled_until),
        }
        if with_user:
            data["user"] = self.user.to_payload()
        if channel is not None:
            data["permissions"] = str(self.permissions_in(channel))
        return data


@dataclass
class Overwrite:
    id: int
    type: int  # 0 role, 1 member
    allow: int = 0
    deny: int = 0

    def to_payload(self) -> dict[str, Any]:
        return {"id": str(self.id), "type": self.type, "allow": str(int(self.allow)), "deny": str(int(self.deny))}


@dataclass(eq=False)
class Channel:
    id: int
    guild_id: int
    type: int
    name: str
    position: int = 0
    parent_id: int | None = None
    topic: str | None = None
    permission_overwrites: list[Overwrite] = field(default_factory=list)
    available_tags: list[dict[str, Any]] = field(default_factory=list)
    require_tag: bool = False  # a forum whose posts must carry a tag (channel flag 1 << 4)
    rate_limit_per_user: int = 0
    last_message_id: int | None = None
    # thread-only fields
    owner_id: int | None = None
    archived: bool = False
    locked: bool = False
    auto_archive_duration: int = 1440
    archive_timestamp: datetime | None = None
    applied_tags: list[int] = field(default_factory=list)
    message_count: int = 0
    total_message_sent: int = 0
    thread_member_ids: set[int] = field(default_factory=set)
    created_at: datetime = field(default_factory=utcnow)
    deleted: bool = False

    @property
    def is_thread(self) -> bool:
        return self.type in THREAD_TYPES

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    def tag_id(self, name: str) -> int:
        for tag in self.available_tags:
            if tag["name"] == name:
                return int(tag["id"])
        raise KeyError(f"forum {self.name!r} has no tag {name!r}")

    def to_payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "guild_id": str(self.guild_id),
            "type": self.type,
            "name": self.name,
            "parent_id": sid(self.parent_id),
            "last_message_id": sid(self.last_message_id),
            "rate_limit_per_user": self.rate_limit_per_user,
            "flags": (1 << 4) if self.require_tag else 0,
        }
        if self.is_thread:
            data.update(
                owner_id=sid(self.owner_id),
                message_count=self.message_count,
                total_message_sent=self.total_message_sent,
                member_count=len(self.thread_member_ids),
                applied_tags=[str(t) for t in self.applied_tags],
                thread_metadata={
                    "archived": self.archived,
                    "locked": self.locked,
                    "auto_archive_duration": self.auto_archive_duration,
                    "archive_timestamp": iso(self.archive_timestamp or self.created_at),
                    "create_timestamp": iso(self.created_at),
                    "invitable": True,
                },
            )
            return data
        data.update(
            position=self.position,
            topic=self.topic,
            nsfw=False,
            permission_overwrites=[ow.to_payload() for ow in self.permission_overwrites],
        )
        if self.type == FORUM:
            data.update(
                available_tags=self.available_tags,
                default_reaction_emoji=None,
                default_thread_rate_limit_per_user=0,
                default_sort_order=None,
                default_forum_layout=0,
                default_auto_archive_duration=1440,
            )
        return data


@dataclass(eq=False)
class Attachment:
    id: int
    filename: str
    data: bytes
    content_type: str | None
    url: str
    description: str | None = None

    def to_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "filename": self.filename,
            "size": len(self.data),
            "url": self.url,
            "proxy_url": self.url,
            "content_type": self.content_type,
            "description": self.description,
        }

    def text(self, encoding: str = "utf-8") -> str:
        return self.data.decode(encoding)


def emoji_payload(key: str) -> dict[str, Any]:
    """Reaction keys are the unicode emoji itself or ``name:id`` for custom emoji."""
    if ":" in key:
        name, _, emoji_id = key.rpartition(":")
        return {"id": emoji_id, "name": name, "animated": False}
    return {"id": None, "name": key}


def normalise_emoji(emoji: str) -> str:
    """Accept ``👍``, ``name:id``, ``<:name:id>`` or ``<a:name:id>``."""
    emoji = emoji.strip()
    if emoji.startswith("<") and emoji.endswith(">"):
        parts = emoji[1:-1].split(":")
        return f"{parts[-2]}:{parts[-1]}"
    return emoji


@dataclass(eq=False)
class Message:
    id: int
    channel_id: int
    guild_id: int | None
    author: User
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    flags: int = 0
    type: int = 0
    attachments: list[Attachment] = field(default_factory=list)
    # emoji key -> user ids in the order they reacted
    reactions: dict[str, list[int]] = field(default_factory=dict)
    timestamp: datetime = field(default_factory=utcnow)
    edited_timestamp: datetime | None = None
    thread_id: int | None = None
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_metadata: dict[str, Any] | None = None
    message_reference: dict[str, Any] | None = None
    mentions: list[int] = field(default_factory=list)
    pinned: bool = False
    deleted: bool = False
    # every earlier version of the message, oldest first, for tests that count edits
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def edit_count(self) -> int:
        return len(self.history)

    def reaction_count(self, emoji: str) -> int:
        return len(self.reactions.get(normalise_emoji(emoji), []))

    def reactors(self, emoji: str) -> list[int]:
        return list(self.reactions.get(normalise_emoji(emoji), []))

    def buttons(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []

        def walk(items: list[dict[str, Any]]) -> None:
            for item in items:
                if item.get("type") == 2:
                    found.append(item)
                for key in ("components",):
                    if isinstance(item.get(key), list):
                        walk(item[key])
                if isinstance(item.get("component"), dict):
                    walk([item["component"]])
                if isinstance(item.get("accessory"), dict):
                    walk([item["accessory"]])

        walk(self.components)
        return found

    def find_component(self, custom_id: str) -> dict[str, Any] | None:
        def walk(items: list[dict[str, Any]]) -> dict[str, Any] | None:
            for item in items:
                if item.get("custom_id") == custom_id:
                    return item
                children = list(item.get("components") or [])
                for key in ("component", "accessory"):
                    if isinstance(item.get(key), dict):
                        children.append(item[key])
                hit = walk(children)
                if hit is not None:
                    return hit
            return None

        return walk(self.components)

    def to_payload(self, fake: FakeDiscord, *, with_member: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "author": self.author.to_payload(),
            "content": self.content,
            "timestamp": iso(self.timestamp),
            "edited_timestamp": iso(self.edited_timestamp),
            "tts": False,
            "mention_everyone": False,
            "mentions": [fake.users[u].to_payload() for u in self.mentions if u in fake.users],
            "mention_roles": [],
            "attachments": [a.to_payload() for a in self.attachments],
            "embeds": self.embeds,
            "components": self.components,
            "pinned": self.pinned,
            "type": self.type,
            "flags": self.flags,
        }
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        if self.reactions:
            me = fake.bot_user.id
            data["reactions"] = [
                {
                    "emoji": emoji_payload(key),
                    "count": len(users),
                    "count_details": {"burst": 0, "normal": len(users)},
                    "me": me in users,
                    "me_burst": False,
                    "burst_colors": [],
                }
                for key, users in self.reactions.items()
                if users
            ]
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
        if self.application_id is not None:
            data["application_id"] = str(self.application_id)
        if self.interaction_metadata is not None:
            data["interaction_metadata"] = self.interaction_metadata
        if self.message_reference is not None:
            data["message_reference"] = self.message_reference
        if self.thread_id is not None and self.thread_id in fake.channels:
            data["thread"] = fake.channels[self.thread_id].to_payload()
        if with_member and self.guild_id is not None:
            guild = fake.guilds.get(self.guild_id)
            member = guild.members.get(self.author.id) if guild else None
            if member is not None and self.webhook_id is None:
                data["member"] = member.to_payload(with_user=False)
        return data


@dataclass
class Command:
    """An application command as the bot registered it (bulk overwrite or create)."""

    id: int
    application_id: int
    guild_id: int | None
    definition: dict[str, Any]
    version: int

    @property
    def name(self) -> str:
        return self.definition["name"]

    @property
    def type(self) -> int:
        return int(self.definition.get("type", 1))

    def to_payload(self) -> dict[str, Any]:
        data = dict(self.definition)
        data.setdefault("type", 1)
        data.setdefault("description", "")
        data.setdefault("options", [])
        data.update(
            id=str(self.id),
            application_id=str(self.application_id),
            version=str(self.version),
            default_member_permissions=self.definition.get("default_member_permissions"),
            dm_permission=self.definition.get("dm_permission", True),
            nsfw=self.definition.get("nsfw", False),
        )
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        return data


@dataclass(eq=False)
class Guild:
    id: int
    name: str
    owner_id: int
    fake: FakeDiscord
    roles: dict[int, Role] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)  # includes threads
    bot_role_id: int | None = None
    features: list[str] = field(default_factory=lambda: ["COMMUNITY"])
    bot_present: bool = True

    # -- records -----------------------------------------------------------------------
    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    @property
    def bot_role(self) -> Role:
        assert self.bot_role_id is not None
        return self.roles[self.bot_role_id]

    @property
    def bot_member(self) -> Member:
        return self.members[self.fake.bot_user.id]

    @property
    def owner(self) -> Member:
        return self.members[self.owner_id]

    def text_channels(self) -> list[Channel]:
        return [c for c in self.channels.values() if c.type == TEXT and not c.deleted]

    def threads(self) -> list[Channel]:
        return [c for c in self.channels.values() if c.is_thread and not c.deleted]

    def channel_named(self, name: str) -> Channel:
        for channel in self.channels.values():
            if channel.name == name and not channel.deleted:
                return channel
        raise KeyError(name)

    def role_named(self, name: str) -> Role:
        for role in self.roles.values():
            if role.name == name:
                return role
        raise KeyError(name)

    # -- builders (delegate to the fake so gateway events go out when a bot is connected) --
    def add_text_channel(self, name: str, *, topic: str | None = None, parent: Channel | None = None) -> Channel:
        return self.fake.create_channel(self, name, TEXT, topic=topic, parent=parent)

    def add_forum_channel(self, name: str, tags: list[str] | tuple[str, ...] = (), *,
                          require_tag: bool = False) -> Channel:
        forum = self.fake.create_channel(self, name, FORUM, tags=list(tags))
        forum.require_tag = require_tag
        return forum

    def add_role(self, name: str, permissions: int = 0, **kwargs: Any) -> Role:
        return self.fake.create_role(self, name, int(permissions), **kwargs)

    def add_member(
        self,
        name: str,
        roles: list[Role] | tuple[Role, ...] = (),
        *,
        joined_at: datetime | None = None,
        account_created: datetime | None = None,
        pending: bool = False,
        bot: bool = False,
        user_id: int | None = None,
    ) -> Member:
        return self.fake.create_member(
            self,
            name,
            list(roles),
            joined_at=joined_at,
            account_created=account_created,
            pending=pending,
            bot=bot,
            user_id=user_id,
        )

    def set_bot_permissions(self, permissions: int) -> None:
        self.fake.update_role(self.bot_role, permissions=int(permissions))

    def set_everyone_permissions(self, permissions: int) -> None:
        self.fake.update_role(self.everyone, permissions=int(permissions))

    def bot_permissions_in(self, channel: Channel | None) -> int:
        return self.bot_member.permissions_in(channel)

    def to_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [r.to_payload() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": self.features,
            "mfa_level": 0,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
        }

    def has_permission(self, member: Member, channel: Channel | None, perm: Perm) -> bool:
        return bool(member.permissions_in(channel) & perm)
