"""The fake's REST API: one dispatcher that logs, authenticates, injects faults and applies
rate limits, then per-route handlers that validate like Discord and mutate the fake's state."""

from __future__ import annotations

import json
import logging
import re
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from aiohttp import web

from .errors import (
    RestError,
    already_acknowledged,
    invalid_form,
    missing_access,
    missing_permissions,
    thread_archived,
    unknown,
)
from .limits import as_fault
from .models import EPHEMERAL, FORUM, LOADING, NEWS, PUBLIC_THREAD, TEXT, Channel, Message, normalise_emoji
from .permissions import Perm
from .validation import validate_message

if TYPE_CHECKING:
    from .interactions import InteractionRecord
    from .server import FakeDiscord

log = logging.getLogger("fakediscord.rest")

API_PREFIX = "/api/v10"


@dataclass
class UploadedFile:
    field: str
    filename: str
    data: bytes
    content_type: str | None


@dataclass
class RestCall:
    """One request the bot made, as tests see it in ``fake.rest_log``."""

    method: str
    path: str
    route: str | None
    query: dict[str, str]
    json: Any
    time: float
    status: int = 0
    files: list[UploadedFile] = field(default_factory=list)
    response: Any = None

    def __repr__(self) -> str:
        return f"<RestCall {self.method} {self.path} -> {self.status}>"


@dataclass
class Ctx:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    files: list[UploadedFile]
    params: dict[str, str]
    headers: Any

    @property
    def json(self) -> dict[str, Any]:
        return self.body if isinstance(self.body, dict) else {}

    def int_param(self, name: str) -> int:
        try:
            return int(self.params[name])
        except ValueError:
            raise invalid_form(name, "Value is not snowflake.", "NUMBER_TYPE_COERCE") from None


Handler = Callable[[Ctx], Awaitable[tuple[int, Any]]]


@dataclass
class _Route:
    method: str
    template: str
    regex: re.Pattern[str]
    handler: Handler
    auth: bool


def _compile(template: str) -> re.Pattern[str]:
    pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", re.escape(template).replace(r"\{", "{").replace(r"\}", "}"))
    return re.compile(f"^{pattern}$")


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    all_headers = dict(headers or {})
    if status == 204 or body is None:
        return web.Response(status=204 if status < 300 else status, headers=all_headers)
    # discord.py only parses JSON when the content type is exactly this (no charset).
    all_headers["Content-Type"] = "application/json"
    return web.Response(status=status, body=json.dumps(body).encode(), headers=all_headers)


class RestApi:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.routes: list[_Route] = []
        r = self._add
        # login / gateway
        r("GET", "/users/@me", self.get_me)
        r("GET", "/users/{user_id}", self.get_user)
        r("GET", "/users/@me/guilds", self.my_guilds)
        r("DELETE", "/users/@me/guilds/{guild_id}", self.leave_guild)
        r("GET", "/oauth2/applications/@me", self.get_application)
        r("GET", "/applications/@me", self.get_application)
        r("GET", "/gateway", self.get_gateway)
        r("GET", "/gateway/bot", self.get_gateway_bot)
        # application commands
        for prefix in ("/applications/{app_id}", "/applications/{app_id}/guilds/{guild_id}"):
            r("GET", prefix + "/commands", self.get_commands)
            r("PUT", prefix + "/commands", self.put_commands)
            r("POST", prefix + "/commands", self.post_command)
            r("GET", prefix + "/commands/{command_id}", self.get_command)
            r("PATCH", prefix + "/commands/{command_id}", self.patch_command)
            r("DELETE", prefix + "/commands/{command_id}", self.delete_command)
        # interactions and their webhooks (no bot token on these, as on Discord)
        r("POST", "/interactions/{interaction_id}/{token}/callback", self.interaction_callback, auth=False)
        r("POST", "/webhooks/{app_id}/{token}", self.webhook_execute, auth=False)
        r("GET", "/webhooks/{app_id}/{token}/messages/{message_id}", self.webhook_get, auth=False)
        r("PATCH", "/webhooks/{app_id}/{token}/messages/{message_id}", self.webhook_edit, auth=False)
        r("DELETE", "/webhooks/{app_id}/{token}/messages/{message_id}", self.webhook_delete, auth=False)
        # channels and messages
        r("GET", "/channels/{channel_id}", self.get_channel)
        r("PATCH", "/channels/{channel_id}", self.patch_channel)
        r("DELETE", "/channels/{channel_id}", self.delete_channel)
        r("POST", "/channels/{channel_id}/typing", self.typing)
        r("GET", "/channels/{channel_id}/messages", self.list_messages)
        r("POST", "/channels/{channel_id}/messages", self.create_message)
        r("GET", "/channels/{channel_id}/messages/{message_id}", self.get_message)
        r("PATCH", "/channels/{channel_id}/messages/{message_id}", self.edit_message)
        r("DELETE", "/channels/{channel_id}/messages/{message_id}", self.delete_message)
        reactions = "/channels/{channel_id}/messages/{message_id}/reactions"
        r("PUT", reactions + "/{emoji}/@me", self.add_own_reaction)
        r("DELETE", reactions + "/{emoji}/@me", self.remove_own_reaction)
        r("DELETE", reactions + "/{emoji}/{user_id}", self.remove_user_reaction)
        r("GET", reactions + "/{emoji}", self.reaction_users)
        r("DELETE", reactions + "/{emoji}", self.clear_emoji)
        r("DELETE", reactions, self.clear_reactions)
        # threads
        r("POST", "/channels/{channel_id}/messages/{message_id}/threads", self.thread_from_message)
        r("POST", "/channels/{channel_id}/threads", self.thread_without_message)
        r("PUT", "/channels/{channel_id}/thread-members/@me", self.join_thread)
        r("DELETE", "/channels/{channel_id}/thread-members/@me", self.leave_thread)
        r("GET", "/channels/{channel_id}/threads/archived/public", self.archived_threads)
        r("GET", "/guilds/{guild_id}/threads/active", self.active_threads)
        # guilds
        r("GET", "/guilds/{guild_id}", self.get_guild)
        r("GET", "/guilds/{guild_id}/channels", self.guild_channels)
        r("GET", "/guilds/{guild_id}/roles", self.guild_roles)
        r("GET", "/guilds/{guild_id}/members", self.list_members)
        r("GET", "/guilds/{guild_id}/members/{user_id}", self.get_member)
        r("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", self.add_member_role)
        r("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", self.remove_member_role)

    def _add(self, method: str, template: str, handler: Handler, *, auth: bool = True) -> None:
        self.routes.append(_Route(method, template, _compile(template), handler, auth))

    def match(self, method: str, path: str) -> tuple[_Route, dict[str, str]] | None:
        for route in self.routes:
            if route.method != method:
                continue
            m = route.regex.match(path)
            if m:
                return route, {k: unquote(v) for k, v in m.groupdict().items()}
        return None

    # -- dispatcher -------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        fake = self.fake
        raw_path = request.rel_url.raw_path
        if not raw_path.startswith(API_PREFIX):
            return json_response(404, {"message": "404: Not Found", "code": 0})
        path = raw_path[len(API_PREFIX) :] or "/"
        method = request.method
        body, files = await self._read_body(request)
        found = self.match(method, path)
        call = RestCall(
            method=method,
            path=unquote(path),
            route=found[0].template if found else None,
            query=dict(request.query),
            json=body,
            time=time.monotonic(),
            files=files,
        )
        fake.rest_log.append(call)
        try:
            status, payload, headers = await self._process(request, call, found, body, files)
        except Exception as exc:  # a bug in the fake: answer 500 and make the test fail
            fake.server_errors.append(f"{method} {path}: {exc!r}\n{traceback.format_exc()}")
            log.exception("fake REST handler crashed on %s %s", method, path)
            status, payload, headers = 500, {"message": "fake crashed", "code": 0}, {}
        call.status = status
        call.response = payload
        fake.notify()
        return json_response(status, payload, headers)

    async def _process(
        self,
        request: web.Request,
        call: RestCall,
        found: tuple[_Route, dict[str, str]] | None,
        body: Any,
        files: list[UploadedFile],
    ) -> tuple[int, Any, dict[str, str]]:
        fake = self.fake
        method, path = call.method, call.path
        if found is None:
            fake.unknown_routes.append(f"{method} {path}")
            return 404, {"message": f"404: Not Found (the fake has no route for {method} {path})", "code": 0}, {}
        route, params = found
        if route.auth and request.headers.get("Authorization") != f"Bot {fake.bot_token}":
            return 401, {"message": "401: Unauthorized", "code": 0}, {}
        fault = self._take_fault(method, path)
        if fault is not None:
            return fault
        major = params.get("channel_id") or params.get("guild_id") or params.get("token") or ""
        rl_headers, retry_after = fake.rate_limiter.check(method, route.template, major, path)
        if retry_after is not None:
            rl_headers["Via"] = "1.1 google"
            return 429, {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}, rl_headers
        too_big = [f.filename for f in files if len(f.data) > fake.attachment_size_limit]
        if too_big:
            # What Discord answers when a file is over the upload limit of the place it goes to.
            return 413, {"message": "Request entity too large", "code": 40005}, {}
        ctx = Ctx(method, path, call.query, body, files, params, request.headers)
        try:
            status, payload = await route.handler(ctx)
        except RestError as err:
            return err.status, err.body(), rl_headers
        return status, payload, rl_headers

    def _take_fault(self, method: str, path: str) -> tuple[int, Any, dict[str, str]] | None:
        for rule in self.fake.fault_rules:
            if rule.faults and rule.matches(method, path):
                fault = as_fault(rule.faults.pop(0))
                rule.hits.append(f"{method} {path}")
                headers: dict[str, str] = {}
                if fault.status == 429:
                    if fault.via:
                        headers["Via"] = "1.1 google"
                    headers["Retry-After"] = str(fault.retry_after)
                    if fault.is_global:
                        headers["X-RateLimit-Global"] = "true"
                    body = fault.body or {
                        "message": "You are being rate limited.",
                        "retry_after": fault.retry_after,
                        "global": fault.is_global,
                    }
                else:
                    body = fault.body or {"message": f"{fault.status}: injected failure", "code": 0}
                return fault.status, body, headers
        return None

    async def _read_body(self, request: web.Request) -> tuple[Any, list[UploadedFile]]:
        files: list[UploadedFile] = []
        if request.content_type.startswith("multipart/"):
            body: Any = None
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                name = part.name or ""
                data = await part.read(decode=False)  # type: ignore[union-attr]
                if name == "payload_json":
                    body = json.loads(bytes(data).decode())
                elif part.filename is not None:  # type: ignore[union-attr]
                    files.append(
                        UploadedFile(name, part.filename, bytes(data), part.headers.get("Content-Type"))  # type: ignore[union-attr]
                    )
            return body, files
        raw = await request.read()
        if not raw:
            return None, files
        try:
            return json.loads(raw), files
        except ValueError:
            return raw.decode(errors="replace"), files

    # -- helpers ------------------------------------------------------------------------
    def _channel(self, ctx: Ctx, *, view: bool = True) -> Channel:
        channel = self.fake.get_channel(ctx.int_param("channel_id"))
        if view and not self.fake.bot_can(channel, Perm.VIEW_CHANNEL):
            raise missing_access()
        return channel

    def _message(self, ctx: Ctx, channel: Channel) -> Message:
        message = self.fake.messages.get(ctx.int_param("message_id"))
        if message is None or message.channel_id != channel.id or message.deleted or message.ephemeral:
            raise unknown("Message")
        return message

    def _require(self, channel: Channel | None, perms: Perm) -> None:
        if not self.fake.bot_can(channel, perms):
            raise missing_permissions()

    def _emoji(self, ctx: Ctx) -> str:
        key = normalise_emoji(ctx.params["emoji"])
        if not key:
            raise unknown("Emoji")
        return key

    # -- login ----------------------------------------------------------------------------
    async def get_me(self, ctx: Ctx) -> tuple[int, Any]:
        return 200, self.fake.bot_user.to_payload() | {"verified": True, "mfa_enabled": False}

    async def get_user(self, ctx: Ctx) -> tuple[int, Any]:
        user = self.fake.users.get(ctx.int_param("user_id"))
        if user is None:
            raise unknown("User")
        return 200, user.to_payload()

    async def get_application(self, ctx: Ctx) -> tuple[int, Any]:
        return 200, self.fake.application_payload()

    async def get_gateway(self, ctx: Ctx) -> tuple[int, Any]:
        return 200, {"url": self.fake.gateway_url}

    async def get_gateway_bot(self, ctx: Ctx) -> tuple[int, Any]:
        return 200, {
            "url": self.fake.gateway_url,
            "shards": self.fake.recommended_shards,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 0,
                "max_concurrency": self.fake.max_concurrency,
            },
        }

    async def my_guilds(self, ctx: Ctx) -> tuple[int, Any]:
        # Partial guilds in id order, paged with before/after like Discord (limit 1-200).
        limit = int(ctx.query.get("limit", 200))
        if not 1 <= limit <= 200:
            raise invalid_form("limit", "int value should be between 1 and 200", "NUMBER_TYPE_MAX")
        after, before = int(ctx.query.get("after", 0)), int(ctx.query.get("before", 0))
        guilds = sorted((g for g in self.fake.guilds.values() if g.bot_present), key=lambda g: g.id)
        guilds = [g for g in guilds if g.id > after and (not before or g.id < before)]
        guilds = guilds[-limit:] if before and not after else guilds[:limit]
        payload = []
        for g in guilds:
            item = {
                "id": str(g.id),
                "name": g.name,
                "icon": None,
                "banner": None,
                "owner": g.owner_id == self.fake.bot_user.id,
                "permissions": str(g.bot_member.permissions_in(None)),
                "features": g.features,
            }
            if ctx.query.get("with_counts") in ("1", "true", "True"):
                item.update(approximate_member_count=len(g.members), approximate_presence_count=0)
            payload.append(item)
        return 200, payload

    async def leave_guild(self, ctx: Ctx) -> tuple[int, Any]:
        guild = self.fake.get_guild(ctx.int_param("guild_id"))
        self.fake.remove_bot_from_guild(guild)
        return 204, None

    # -- application commands ---------------------------------------------------------------
    def _scope(self, ctx: Ctx) -> int | None:
        if ctx.int_param("app_id") != self.fake.application_id:
            raise RestError(403, 50001, "Missing Access")
        if "guild_id" in ctx.params:
            guild = self.fake.get_guild(ctx.int_param("guild_id"))
            return guild.id
        return None

    async def get_commands(self, ctx: Ctx) -> tuple[int, Any]:
        scope = self._scope(ctx)
        return 200, [c.to_payload() for c in self.fake.commands_in(scope)]

    async def put_commands(self, ctx: Ctx) -> tuple[int, Any]:
        scope = self._scope(ctx)
        if not isinstance(ctx.body, list):
            raise invalid_form("_root", "Must be an array")
        commands = self.fake.overwrite_commands(scope, ctx.body)
        return 200, [c.to_payload() for c in commands]

    async def post_command(self, ctx: Ctx) -> tuple[int, Any]:
        scope = self._scope(ctx)
        command = self.fake.upsert_command(scope, ctx.json)
        return 201, command.to_payload()

    def _command(self, ctx: Ctx, scope: int | None) -> Any:
        wanted = ctx.int_param("command_id")
        for command in self.fake.commands_in(scope):
            if command.id == wanted:
                return command
        raise unknown("Application Command")

    async def get_command(self, ctx: Ctx) -> tuple[int, Any]:
        return 200, self._command(ctx, self._scope(ctx)).to_payload()

    async def patch_command(self, ctx: Ctx) -> tuple[int, Any]:
        scope = self._scope(ctx)
        command = self._command(ctx, scope)
        command.definition = command.definition | ctx.json
        command.version += 1
        return 200, command.to_payload()

    async def delete_command(self, ctx: Ctx) -> tuple[int, Any]:
        scope = self._scope(ctx)
        command = self._command(ctx, scope)
        self.fake.commands[scope] = [c for c in self.fake.commands_in(scope) if c is not command]
        return 204, None

    # -- interactions -------------------------------------------------------------------------
    async def interaction_callback(self, ctx: Ctx) -> tuple[int, Any]:
        fake = self.fake
        rec = fake.interactions.get(ctx.int_param("interaction_id"))
        if rec is None or rec.token != ctx.params["token"]:
            raise unknown("Interaction")
        if rec.callbacks:
            raise already_acknowledged()
        if time.monotonic() - rec.created > fake.interaction_deadline:
            fake.late_interactions.append(rec)
            raise unknown("Interaction")
        body = ctx.json
        kind = int(body.get("type", 0))
        data = dict(body.get("data") or {})
        flags = int(data.get("flags") or 0)
        message: Message | None = None
        if kind == 4:
            validate_message(data, has_files=bool(ctx.files))
            message = fake.create_interaction_message(rec, data, ctx.files, flags=flags & EPHEMERAL)
            rec.original = message
        elif kind == 5:
            message = fake.create_interaction_message(rec, {"content": ""}, [], flags=(flags & EPHEMERAL) | LOADING)
            rec.original = message
        elif kind in (6, 7):
            if rec.source_message is None:
                raise RestError(400, 40004, "Interaction has no message to update")
            rec.original = rec.source_message
            if kind == 7:
                validate_message(data, has_files=bool(ctx.files), creating=False)
                fake.apply_edit(rec.source_message, data, ctx.files)
            message = rec.source_message
        elif kind == 8:
            pass
        elif kind == 9:
            for key in ("custom_id", "title", "components"):
                if not data.get(key):
                    raise invalid_form(f"data.{key}", "This field is required", "BASE_TYPE_REQUIRED")
        else:
            raise invalid_form("type", f"Value must be one of (4, 5, 6, 7, 8, 9); got {kind}")
        from .interactions import CallbackRecord

        rec.callbacks.append(CallbackRecord(kind, data, message if kind in (4, 5, 7) else None, time.monotonic()))
        fake.notify()
        if ctx.query.get("with_response") not in ("1", "true", "True"):
            return 204, None
        interaction_part: dict[str, Any] = {"id": str(rec.id), "type": rec.type}
        resource: dict[str, Any] = {"type": kind}
        if kind in (4, 5, 7) and message is not None:
            interaction_part.update(
                response_message_id=str(message.id),
                response_message_loading=kind == 5,
                response_message_ephemeral=message.ephemeral,
            )
            resource["message"] = message.to_payload(fake)
        return 200, {"interaction": interaction_part, "resource": resource}

    def _webhook_interaction(self, ctx: Ctx) -> InteractionRecord:
        rec = self.fake.interactions_by_token.get(ctx.params["token"])
        if rec is None or ctx.int_param("app_id") != self.fake.application_id or not rec.callbacks:
            raise unknown("Webhook")
        return rec

    def _webhook_message(self, ctx: Ctx, rec: InteractionRecord) -> Message:
        wanted = ctx.params["message_id"]
        if wanted == "@original":
            if rec.original is None or rec.original.deleted:
                raise unknown("Message")
            return rec.original
        mid = ctx.int_param("message_id")
        for msg in [rec.original, *rec.followups]:
            if msg is not None and msg.id == mid and not msg.deleted:
                return msg
        raise unknown("Message")

    async def webhook_execute(self, ctx: Ctx) -> tuple[int, Any]:
        fake = self.fake
        rec = self._webhook_interaction(ctx)
        data = ctx.json
        validate_message(data, has_files=bool(ctx.files))
        original = rec.original
        if (
            rec.callbacks[0].type == 5
            and original is not None
            and not original.deleted
            and original.flags & LOADING
            and not rec.followups
        ):
            # The first followup after a "thinking" defer replaces the loading message (once the
            # loading message is deleted, a followup is a new message with its own flags).
            fake.apply_edit(original, data, ctx.files, clear_loading=True)
            message = original
        else:
            flags = int(data.get("flags") or 0) & EPHEMERAL
            message = fake.create_interaction_message(rec, data, ctx.files, flags=flags)
        rec.followups.append(message)
        fake.notify()
        if ctx.query.get("wait") in ("1", "true", "True"):
            return 200, message.to_payload(fake)
        return 204, None

    async def webhook_get(self, ctx: Ctx) -> tuple[int, Any]:
        rec = self._webhook_interaction(ctx)
        return 200, self._webhook_message(ctx, rec).to_payload(self.fake)

    async def webhook_edit(self, ctx: Ctx) -> tuple[int, Any]:
        rec = self._webhook_interaction(ctx)
        message = self._webhook_message(ctx, rec)
        validate_message(ctx.json, has_files=bool(ctx.files), creating=False)
        self.fake.apply_edit(message, ctx.json, ctx.files, clear_loading=True)
        return 200, message.to_payload(self.fake)

    async def webhook_delete(self, ctx: Ctx) -> tuple[int, Any]:
        rec = self._webhook_interaction(ctx)
        message = self._webhook_message(ctx, rec)
        self.fake.delete_message(message)
        return 204, None

    # -- channels ---------------------------------------------------------------------------------
    async def get_channel(self, ctx: Ctx) -> tuple[int, Any]:
        return 200, self._channel(ctx).to_payload()

    async def patch_channel(self, ctx: Ctx) -> tuple[int, Any]:
        channel = self._channel(ctx)
        body = ctx.json
        fake = self.fake
        if channel.is_thread:
            manage = fake.bot_can(channel, Perm.MANAGE_THREADS)
            owner_fields = {"name", "archived", "auto_archive_duration", "applied_tags"}
            is_owner = channel.owner_id == fake.bot_user.id
            if not manage and ("locked" in body or channel.locked or not (is_owner and set(body) <= owner_fields)):
                raise missing_permissions()
            if channel.archived and body.get("archived", True) and set(body) - {"archived", "locked"}:
                raise thread_archived()
            if "name" in body:
                _check_thread_name(body["name"])
            if "applied_tags" in body:
                _check_tags(fake.channels.get(channel.parent_id or 0), body["applied_tags"])
        else:
            self._require(channel, Perm.MANAGE_CHANNELS)
        changes = {k: body[k] for k in ("name", "archived", "locked", "auto_archive_duration", "topic", "rate_limit_per_user") if k in body}
        if "applied_tags" in body:
            changes["applied_tags"] = [int(t) for t in body["applied_tags"]]
        fake.update_channel(channel, **changes)
        return 200, channel.to_payload()

    async def delete_channel(self, ctx: Ctx) -> tuple[int, Any]:
        channel = self._channel(ctx)
        self._require(channel, Perm.MANAGE_THREADS if channel.is_thread else Perm.MANAGE_CHANNELS)
        self.fake.delete_channel(channel)
        return 200, channel.to_payload()

    async def typing(self, ctx: Ctx) -> tuple[int, Any]:
        self._channel(ctx)
        return 204, None

    async def list_messages(self, ctx: Ctx) -> tuple[int, Any]:
        channel = self._channel(ctx)
        if not self.fake.bot_can(channel, Perm.READ_MESSAGE_HISTORY):
            return 200, []
        limit = int(ctx.query.get("limit", 50))
        if not 1 <= limit <= 100:
            raise invalid_form("limit", "int value should be between 1 and 100", "NUMBER_TYPE_MAX")
        msgs = self.fake.messages_in(channel)
        if "around" in ctx.query:
            around = int(ctx.query["around"])
            older = [m for m in msgs if m.id < around][-(limit // 2) :] if limit > 1 else []
            rest = [m for m in msgs if m.id >= around][: limit - len(older)]
            picked = older + rest
        elif "before" in ctx.query:
            before = int(ctx.query["before"])
            picked = [m for m in msgs if m.id < before][-limit:]
        elif "after" in ctx.query:
            after = int(ctx.query["after"])
            picked = [m for m in msgs if m.id > after][:limit]
        else:
            picked = msgs[-limit:]
        # Discord answers newest first whatever the direction.
        return 200, [self.fake.message_payload_for_bot(m) for m in reversed(picked)]

    async def create_message(self, ctx: Ctx) -> tuple[int, Any]:
        fake = self.fake
        channel = self._channel(ctx)
        if channel.type not in (TEXT, NEWS) and not channel.is_thread:
            raise RestError(400, 50008, "Cannot send messages in a non-text channel")
        body = ctx.json
        if channel.is_thread:
            self._require(channel, Perm.SEND_MESSAGES_IN_THREADS)
            if channel.locked and not fake.bot_can(channel, Perm.MANAGE_THREADS):
                raise RestError(403, 160005, "Thread is locked")
        else:
            self._require(channel, Perm.SEND_MESSAGES)
        if ctx.files:
            self._require(channel, Perm.ATTACH_FILES)
        validate_message(body, has_files=bool(ctx.files))
        if channel.is_thread and channel.archived:
            # A new message unarchives an unlocked thread.
            fake.update_channel(channel, archived=False)
        reference = body.get("message_reference")
        if reference and reference.get("fail_if_not_exists", True):
            ref_id = int(reference["message_id"])
            target = fake.messages.get(ref_id)
            if target is None or target.deleted:
                raise invalid_form("message_reference", "Unknown message", "REPLIES_UNKNOWN_MESSAGE")
        message = fake.create_message(channel, fake.bot_user, body, ctx.files)
        return 200, message.to_payload(fake)

    async def get_message(self, ctx: Ctx) -> tuple[int, Any]:
        channel = self._channel(ctx)
        self._require(channel, Perm.READ_MESSAGE_HISTORY)
        return 200, self.fake.message_payload_for_bot(self._message(ctx, channel))

    async def edit_message(self, ctx: Ctx) -> tuple[int, Any]:
        channel = self._channel(ctx)
        message = self._message(ctx, channel)
        body = ctx.json
        if message.author.id != self.fake.bot_user.id:
            if set(body) - {"flags"}:
                raise RestError(403, 50005, "Cannot edit a message authored by another user")
            self._require(channel, Perm.MANAGE_MESSAGES)
        if channel.is_thread and channel.archived:
            raise thread_archived()
        validate_message(body, has_files=bool(ctx.files), creating=False)
        self.fake.apply_edit(message, body, ctx.files)
        return 200, message.to_payload(self.fake)

    async def delete_message(self, ctx: Ctx) -> tuple[int, Any]:
        channel = self._channel(ctx)
        message = self._message(ctx, channel)
        if message.author.id != self.fake.bot_user.id:
            self._require(channel, Perm.MANAGE_MESSAGES)
        self.fake.delete_message(message)
        return 204, None

    # -- reactions -----------------------------------------------------------------------------------
    async def add_own_reaction(self, ctx: Ctx) -> tuple[int, Any]:
        channel = self._channel(ctx)
        message = self._message(ctx, channel)
        key = self._emoji(ctx)
        self._require(channel, Perm.READ_MESSAGE_HISTORY)
        if channel.is_thread and channel.archived:
            raise thread_archived()
        if not message.reactions.get(key):
            self._require(channel, Perm.ADD_REACTIONS)
            if len([k for k, users in message.reactions.items() if users]) >= 20:
                raise RestError(400, 30010, "Maximum number of reactions reached (20)")
        self.fake.add_reaction(message, self.fake.bot_user.id, key)
        return 204, None

    async def remove_own_reaction(self, ctx: Ctx) -> tuple[int, Any]:
        channel = self._channel(ctx)
        message = self._message(ctx, channel)
        if channel.is_thread and channel.archived:
            raise thread_archived()
        self.fake.remove_reaction(message, self.fake.bot_user.id, self._emoji(ctx))
        return 204, None

    async def remove_user_reaction(self, ctx: Ctx) -> tuple[int, Any]:
        channel = self._channel(ctx)
        message = self._message(ctx, channel)
        user_id = ctx.int_param("user_id")
        if user_id != self.fake.bot_user.id:
            self._require(channel, Perm.MANAGE_MESSAGES)
        if channel.is_thread and channel.archived:
            raise thread_archived()
        self.fake.remove_reaction(message, user_id, self._emoji(ctx))
        return 204, None

    async def reaction_users(self, ctx: Ctx) -> tuple[int, Any]:
        channel = self._channel(ctx)
        message = self._message(ctx, channel)
        limit = int(ctx.query.get("limit", 25))
        if not 1 <= limit <= 100:
            raise invalid_form("limit", "int value should be between 1 and 100", "NUMBER_TYPE_MAX")
        after = int(ctx.query.get("after", 0))
        ids = sorted(u for u in message.reactions.get(self._emoji(ctx), []) if u > after)[:limit]
        return 200, [self.fake.users[u].to_payload() for u in ids]

    async def clear_emoji(self, ctx: Ctx) -> tuple[int, Any]:
        channel = self._channel(ctx)
        message = self._message(ctx, channel)
        self._require(channel, Perm.MANAGE_MESSAGES)
        self.fake.clear_reactions(message, self._emoji(ctx))
        return 204, None

    async def clear_reactions(self, ctx: Ctx) -> tuple[int, Any]:
        channel = self._channel(ctx)
        message = self._message(ctx, channel)
        self._require(channel, Perm.MANAGE_MESSAGES)
        self.fake.clear_reactions(message, None)
        return 204, None

    # -- threads ---------------------------------------------------------------------------------
    async def thread_from_message(self, ctx: Ctx) -> tuple[int, Any]:
        channel = self._channel(ctx)
        message = self._message(ctx, channel)
        if channel.type not in (TEXT, NEWS):
            raise RestError(400, 50024, "Cannot execute action on this channel type")
        self._require(channel, Perm.CREATE_PUBLIC_THREADS)
        if message.thread_id is not None:
            raise RestError(400, 160004, "A thread has already been created for this message")
        body = ctx.json
        _check_thread_name(body.get("name"))
        thread = self.fake.create_thread(
            channel,
            body["name"],
            owner=self.fake.bot_user,
            starter=message,
            auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
        )
        return 201, thread.to_payload()

    async def thread_without_message(self, ctx: Ctx) -> tuple[int, Any]:
        fake = self.fake
        channel = self._channel(ctx)
        body = ctx.json
        _check_thread_name(body.get("name"))
        if channel.type == FORUM:
            self._require(channel, Perm.SEND_MESSAGES)
            first = body.get("message")
            if not isinstance(first, dict):
                raise invalid_form("message", "This field is required", "BASE_TYPE_REQUIRED")
            validate_message(first, has_files=bool(ctx.files))
            tags = [int(t) for t in body.get("applied_tags") or []]
            _check_tags(channel, tags)
            if channel.require_tag and not tags:
                raise invalid_form("applied_tags", "A tag is required to post in this forum.", "TAG_REQUIRED")
            thread = fake.create_thread(
                channel,
                body["name"],
                owner=fake.bot_user,
                auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
                applied_tags=tags,
                first_message=first,
                files=ctx.files,
            )
            payload = thread.to_payload()
            starter = fake.messages[thread.id]
            payload["message"] = starter.to_payload(fake)
            return 201, payload
        if channel.type not in (TEXT, NEWS):
            raise RestError(400, 50024, "Cannot execute action on this channel type")
        kind = int(body.get("type") or PUBLIC_THREAD)
        self._require(channel, Perm.CREATE_PUBLIC_THREADS if kind == PUBLIC_THREAD else Perm.CREATE_PRIVATE_THREADS)
        thread = fake.create_thread(
            channel,
            body["name"],
            owner=fake.bot_user,
            kind=kind,
            auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
        )
        return 201, thread.to_payload()

    async def join_thread(self, ctx: Ctx) -> tuple[int, Any]:
        channel = self._channel(ctx)
        if not channel.is_thread:
            raise RestError(400, 50024, "Cannot execute action on this channel type")
        channel.thread_member_ids.add(self.fake.bot_user.id)
        return 204, None

    async def leave_thread(self, ctx: Ctx) -> tuple[int, Any]:
        channel = self._channel(ctx)
        channel.thread_member_ids.discard(self.fake.bot_user.id)
        return 204, None

    async def archived_threads(self, ctx: Ctx) -> tuple[int, Any]:
        channel = self._channel(ctx)
        self._require(channel, Perm.READ_MESSAGE_HISTORY)
        threads = [t for t in self.fake.threads_of(channel, include_archived=True) if t.archived]
        threads.sort(key=lambda t: t.archive_timestamp or t.created_at, reverse=True)
        limit = int(ctx.query.get("limit", 50))
        return 200, {"threads": [t.to_payload() for t in threads[:limit]], "members": [], "has_more": len(threads) > limit}

    async def active_threads(self, ctx: Ctx) -> tuple[int, Any]:
        guild = self.fake.get_guild(ctx.int_param("guild_id"))
        threads = [t for t in guild.threads() if not t.archived]
        return 200, {"threads": [t.to_payload() for t in threads], "members": []}

    # -- guilds --------------------------------------------------------------------------------
    async def get_guild(self, ctx: Ctx) -> tuple[int, Any]:
        guild = self.fake.get_guild(ctx.int_param("guild_id"))
        payload = guild.to_payload()
        if ctx.query.get("with_counts") in ("1", "true", "True"):
            payload.update(approximate_member_count=len(guild.members), approximate_presence_count=0)
        return 200, payload

    async def guild_channels(self, ctx: Ctx) -> tuple[int, Any]:
        guild = self.fake.get_guild(ctx.int_param("guild_id"))
        return 200, [c.to_payload() for c in guild.channels.values() if not c.is_thread and not c.deleted]

    async def guild_roles(self, ctx: Ctx) -> tuple[int, Any]:
        guild = self.fake.get_guild(ctx.int_param("guild_id"))
        return 200, [r.to_payload() for r in guild.roles.values()]

    async def list_members(self, ctx: Ctx) -> tuple[int, Any]:
        guild = self.fake.get_guild(ctx.int_param("guild_id"))
        if not self.fake.identified_intents & (1 << 1):
            raise missing_access()
        limit = int(ctx.query.get("limit", 1))
        if not 1 <= limit <= 1000:
            raise invalid_form("limit", "int value should be between 1 and 1000", "NUMBER_TYPE_MAX")
        after = int(ctx.query.get("after", 0))
        members = sorted((m for m in guild.members.values() if m.id > after), key=lambda m: m.id)[:limit]
        return 200, [m.to_payload() for m in members]

    async def get_member(self, ctx: Ctx) -> tuple[int, Any]:
        guild = self.fake.get_guild(ctx.int_param("guild_id"))
        member = guild.members.get(ctx.int_param("user_id"))
        if member is None:
            raise unknown("Member")
        return 200, member.to_payload()

    async def _member_role(self, ctx: Ctx, add: bool) -> tuple[int, Any]:
        fake = self.fake
        guild = fake.get_guild(ctx.int_param("guild_id"))
        member = guild.members.get(ctx.int_param("user_id"))
        role = guild.roles.get(ctx.int_param("role_id"))
        if member is None:
            raise unknown("Member")
        if role is None:
            raise unknown("Role")
        if not guild.bot_member.permissions_in(None) & Perm.MANAGE_ROLES:
            raise missing_permissions()
        top = max((guild.roles[r].position for r in guild.bot_member.role_ids if r in guild.roles), default=0)
        if role.position >= top and guild.owner_id != fake.bot_user.id:
            raise missing_permissions()
        roles = [r for r in member.role_ids if r != role.id] + ([role.id] if add else [])
        fake.update_member(member, roles=roles)
        return 204, None

    async def add_member_role(self, ctx: Ctx) -> tuple[int, Any]:
        return await self._member_role(ctx, True)

    async def remove_member_role(self, ctx: Ctx) -> tuple[int, Any]:
        return await self._member_role(ctx, False)


def _check_thread_name(name: Any) -> None:
    if not isinstance(name, str) or not 1 <= len(name) <= 100:
        raise invalid_form("name", "Must be between 1 and 100 in length.", "BASE_TYPE_BAD_LENGTH")


def _check_tags(forum: Channel | None, tags: list[Any]) -> None:
    if forum is None or forum.type != FORUM:
        if tags:
            raise invalid_form("applied_tags", "Tags only exist on forum posts")
        return
    known = {int(t["id"]) for t in forum.available_tags}
    if len(tags) > 5:
        raise invalid_form("applied_tags", "Must be 5 or fewer in length.", "BASE_TYPE_MAX_LENGTH")
    for tag in tags:
        if int(tag) not in known:
            raise invalid_form("applied_tags", f"Unknown tag {tag}", "FORUM_TAG_UNKNOWN")
