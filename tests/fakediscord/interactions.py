"""Interactions the tests start (slash commands, clicks, modal submits) and what the bot answered."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .models import EPHEMERAL, LOADING, Attachment, Channel, Command, Guild, Member, Message, Role, User

if TYPE_CHECKING:
    from .server import FakeDiscord

SUB_COMMAND = 1
SUB_COMMAND_GROUP = 2
STRING = 3
INTEGER = 4
BOOLEAN = 5
USER = 6
CHANNEL = 7
ROLE = 8
MENTIONABLE = 9
NUMBER = 10
ATTACHMENT = 11

APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
AUTOCOMPLETE = 4
MODAL_SUBMIT = 5


@dataclass
class CallbackRecord:
    """One POST to /interactions/{id}/{token}/callback."""

    type: int
    data: dict[str, Any]
    message: Message | None
    time: float

    @property
    def ephemeral(self) -> bool:
        if self.message is not None:
            return self.message.ephemeral
        return bool(int(self.data.get("flags") or 0) & EPHEMERAL)

    @property
    def content(self) -> str | None:
        return self.message.content if self.message is not None else self.data.get("content")

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.message.embeds if self.message is not None else list(self.data.get("embeds") or [])

    @property
    def components(self) -> list[dict[str, Any]]:
        return self.message.components if self.message is not None else list(self.data.get("components") or [])


@dataclass(eq=False)
class InteractionRecord:
    fake: FakeDiscord
    id: int
    token: str
    type: int
    user: User
    member: Member | None
    guild: Guild | None
    channel: Channel
    payload: dict[str, Any]
    source_message: Message | None = None
    callbacks: list[CallbackRecord] = field(default_factory=list)
    original: Message | None = None
    followups: list[Message] = field(default_factory=list)
    created: float = field(default_factory=time.monotonic)

    @property
    def data(self) -> dict[str, Any]:
        return self.payload.get("data", {})

    @property
    def response(self) -> CallbackRecord | None:
        return self.callbacks[0] if self.callbacks else None

    @property
    def deferred(self) -> bool:
        return bool(self.callbacks) and self.callbacks[0].type in (5, 6)

    @property
    def modal(self) -> dict[str, Any] | None:
        for cb in self.callbacks:
            if cb.type == 9:
                return cb.data
        return None

    async def wait_response(self, timeout: float = 5.0) -> CallbackRecord:  # noqa: ASYNC109
        """The bot's first callback (reply, defer, update, modal)."""
        await self.fake.wait_for(lambda: self.callbacks, timeout, what=f"a response to interaction {self.id}")
        return self.callbacks[0]

    async def wait_followups(self, n: int = 1, timeout: float = 5.0) -> list[Message]:  # noqa: ASYNC109
        """The first ``n`` followups. After a "thinking" defer the first one is the edited original."""
        await self.fake.wait_for(
            lambda: len(self.followups) >= n, timeout, what=f"{n} followup(s) to interaction {self.id}"
        )
        return self.followups[:n]

    async def wait_original(self, predicate: Any = None, timeout: float = 5.0) -> Message:  # noqa: ASYNC109
        """The @original message once it exists, is no longer loading and satisfies ``predicate``."""

        def ready() -> Message | None:
            msg = self.original
            if msg is None or msg.flags & LOADING:
                return None
            if predicate is not None and not predicate(msg):
                return None
            return msg

        return await self.fake.wait_for(ready, timeout, what=f"the original response of interaction {self.id}")

    async def wait_reply(self, timeout: float = 5.0) -> Message:  # noqa: ASYNC109
        """What the user finally sees: a direct reply, the message that replaced "thinking…",
        or the updated message for component updates."""

        def ready() -> Message | None:
            if not self.callbacks:
                return None
            first = self.callbacks[0].type
            if first == 4:
                return self.original
            if first == 5:
                msg = self.original
                return msg if msg is not None and not msg.flags & LOADING else None
            if first == 7:
                return self.original
            if first == 6:
                if self.followups:
                    return self.followups[0]
                msg = self.original
                return msg if msg is not None and msg.edit_count else None
            return None

        return await self.fake.wait_for(ready, timeout, what=f"a visible reply to interaction {self.id}")


def _member_data(member: Member, channel: Channel) -> dict[str, Any]:
    return member.to_payload(with_user=False, channel=channel)


def _channel_data(channel: Channel, member: Member | None) -> dict[str, Any]:
    data = channel.to_payload()
    if member is not None:
        data["permissions"] = str(member.permissions_in(channel))
    return data


def build_options(
    fake: FakeDiscord,
    defs: list[dict[str, Any]],
    values: dict[str, Any],
    channel: Channel,
    member: Member | None,
    resolved: dict[str, dict[str, Any]],
) -> list[dict[str, Any]]:
    """Turn test values into typed options the way the Discord client would, checking them
    against the registered definition so a typo in a test fails loudly."""
    by_name = {o["name"]: o for o in defs}
    unknown = set(values) - set(by_name)
    if unknown:
        raise ValueError(f"unknown option(s) {sorted(unknown)}; registered: {sorted(by_name)}")
    options: list[dict[str, Any]] = []
    for name, definition in by_name.items():
        if name not in values:
            if definition.get("required"):
                raise ValueError(f"required option {name!r} missing")
            continue
        kind = int(definition["type"])
        raw = values[name]
        value = _convert(fake, kind, raw, channel, member, resolved)
        choices = definition.get("choices")
        if choices and value not in [c["value"] for c in choices]:
            raise ValueError(f"{value!r} is not one of the choices for {name!r}: {choices}")
        options.append({"name": name, "type": kind, "value": value})
    return options


def _convert(
    fake: FakeDiscord,
    kind: int,
    raw: Any,
    channel: Channel,
    member: Member | None,
    resolved: dict[str, dict[str, Any]],
) -> Any:
    if kind == STRING:
        return str(raw)
    if kind == INTEGER:
        if isinstance(raw, bool) or int(raw) != raw:
            raise ValueError(f"{raw!r} is not an integer")
        return int(raw)
    if kind == NUMBER:
        return float(raw)
    if kind == BOOLEAN:
        return bool(raw)
    if kind in (USER, MENTIONABLE) and isinstance(raw, Member | User):
        user = raw.user if isinstance(raw, Member) else raw
        resolved.setdefault("users", {})[str(user.id)] = user.to_payload()
        guild = fake.guilds.get(channel.guild_id)
        target = guild.members.get(user.id) if guild else None
        if target is not None:
            resolved.setdefault("members", {})[str(user.id)] = _member_data(target, channel)
        return str(user.id)
    if kind in (ROLE, MENTIONABLE) and isinstance(raw, Role):
        resolved.setdefault("roles", {})[str(raw.id)] = raw.to_payload()
        return str(raw.id)
    if kind == CHANNEL and isinstance(raw, Channel):
        resolved.setdefault("channels", {})[str(raw.id)] = _channel_data(raw, member)
        return str(raw.id)
    if kind == ATTACHMENT:
        if isinstance(raw, tuple):
            raw = fake.make_attachment(channel.id, raw[0], raw[1])
        if isinstance(raw, Attachment):
            resolved.setdefault("attachments", {})[str(raw.id)] = raw.to_payload()
            return str(raw.id)
    raise ValueError(f"cannot use {raw!r} for an option of type {kind}")


def command_data(
    fake: FakeDiscord,
    command: Command,
    channel: Channel,
    member: Member | None,
    options: dict[str, Any],
    subcommand_group: str | None,
    subcommand: str | None,
) -> dict[str, Any]:
    resolved: dict[str, dict[str, Any]] = {}
    defs = list(command.definition.get("options") or [])
    path: list[tuple[int, str]] = []
    if subcommand_group is not None:
        group = _find(defs, subcommand_group, SUB_COMMAND_GROUP, command.name)
        path.append((SUB_COMMAND_GROUP, subcommand_group))
        defs = list(group.get("options") or [])
    if subcommand is not None:
        sub = _find(defs, subcommand, SUB_COMMAND, command.name)
        path.append((SUB_COMMAND, subcommand))
        defs = list(sub.get("options") or [])
    if any(int(o["type"]) in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in defs):
        raise ValueError(f"/{command.name} needs a subcommand (group); options: {[o['name'] for o in defs]}")
    leaf = build_options(fake, defs, options, channel, member, resolved)
    for kind, name in reversed(path):
        leaf = [{"name": name, "type": kind, "options": leaf}]
    data: dict[str, Any] = {
        "id": str(command.id),
        "name": command.name,
        "type": command.type,
        "options": leaf,
    }
    if resolved:
        data["resolved"] = resolved
    if command.guild_id is not None:
        data["guild_id"] = str(command.guild_id)
    return data


def _find(defs: list[dict[str, Any]], name: str, kind: int, command: str) -> dict[str, Any]:
    for option in defs:
        if option["name"] == name and int(option["type"]) == kind:
            return option
    raise ValueError(f"/{command} has no {'group' if kind == SUB_COMMAND_GROUP else 'subcommand'} {name!r}")


def modal_submit_components(modal: dict[str, Any], values: dict[str, str]) -> list[dict[str, Any]]:
    """Mirror the modal's layout with the values typed in (action rows or labels)."""
    used: set[str] = set()

    def convert(item: dict[str, Any]) -> dict[str, Any] | None:
        kind = item.get("type")
        if kind == 1:
            inner = [c for c in (convert(x) for x in item.get("components", [])) if c is not None]
            return {"type": 1, "components": inner}
        if kind == 18:
            inner_item = convert(item["component"])
            return None if inner_item is None else {"type": 18, "id": item.get("id", 0), "component": inner_item}
        custom_id = item.get("custom_id")
        if custom_id is None:
            return None
        if kind == 4:
            used.add(custom_id)
            return {"type": 4, "custom_id": custom_id, "value": str(values.get(custom_id, item.get("value") or ""))}
        if kind in (3, 5, 6, 7, 8):
            used.add(custom_id)
            chosen = values.get(custom_id, [])
            return {"type": kind, "custom_id": custom_id, "values": list(chosen)}
        return None

    components = [c for c in (convert(x) for x in modal.get("components", [])) if c is not None]
    unknown = set(values) - used
    if unknown:
        raise ValueError(f"modal has no field(s) {sorted(unknown)}")
    return components
