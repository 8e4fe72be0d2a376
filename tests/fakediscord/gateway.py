"""The fake's gateway: sessions with sequence numbers and a replay backlog, so RESUME works
the way Discord's does, plus fault controls (drops, invalid sessions, unacked heartbeats)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from .server import FakeDiscord

log = logging.getLogger("fakediscord.gateway")

GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_MESSAGES = 1 << 9
GUILD_MESSAGE_REACTIONS = 1 << 10
MESSAGE_CONTENT = 1 << 15

# Which intent a dispatch needs; events missing here are always sent (INTERACTION_CREATE, READY…).
EVENT_INTENTS: dict[str, int] = {
    "GUILD_CREATE": GUILDS,
    "GUILD_UPDATE": GUILDS,
    "GUILD_DELETE": GUILDS,
    "GUILD_ROLE_CREATE": GUILDS,
    "GUILD_ROLE_UPDATE": GUILDS,
    "GUILD_ROLE_DELETE": GUILDS,
    "CHANNEL_CREATE": GUILDS,
    "CHANNEL_UPDATE": GUILDS,
    "CHANNEL_DELETE": GUILDS,
    "THREAD_CREATE": GUILDS,
    "THREAD_UPDATE": GUILDS,
    "THREAD_DELETE": GUILDS,
    "THREAD_LIST_SYNC": GUILDS,
    "THREAD_MEMBER_UPDATE": GUILDS,
    "GUILD_MEMBER_ADD": GUILD_MEMBERS,
    "GUILD_MEMBER_UPDATE": GUILD_MEMBERS,
    "GUILD_MEMBER_REMOVE": GUILD_MEMBERS,
    "MESSAGE_CREATE": GUILD_MESSAGES,
    "MESSAGE_UPDATE": GUILD_MESSAGES,
    "MESSAGE_DELETE": GUILD_MESSAGES,
    "MESSAGE_DELETE_BULK": GUILD_MESSAGES,
    "MESSAGE_REACTION_ADD": GUILD_MESSAGE_REACTIONS,
    "MESSAGE_REACTION_REMOVE": GUILD_MESSAGE_REACTIONS,
    "MESSAGE_REACTION_REMOVE_ALL": GUILD_MESSAGE_REACTIONS,
    "MESSAGE_REACTION_REMOVE_EMOJI": GUILD_MESSAGE_REACTIONS,
}

BACKLOG_SIZE = 20_000


@dataclass
class GatewayRecord:
    """One frame in or out, for tests that count IDENTIFYs, RESUMEs or dispatches."""

    time: float
    direction: str  # "in" or "out"
    op: int
    event: str | None
    session_id: str | None


@dataclass
class _Close:
    code: int


class Connection:
    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.queue: asyncio.Queue[str | _Close | None] = asyncio.Queue()
        self.session: Session | None = None
        self.closed = asyncio.Event()
        self.writer = asyncio.create_task(self._write(), name="fakediscord-gateway-writer")

    def send(self, frame: str) -> None:
        self.queue.put_nowait(frame)

    def send_op(self, op: int, d: Any) -> None:
        self.send(json.dumps({"op": op, "d": d, "s": None, "t": None}))

    def close(self, code: int) -> None:
        self.queue.put_nowait(_Close(code))

    async def _write(self) -> None:
        # One writer per socket keeps frames in the order their sequence numbers were given.
        try:
            while True:
                item = await self.queue.get()
                try:
                    if item is None:
                        return
                    if isinstance(item, _Close):
                        await self.ws.close(code=item.code)
                        return
                    if self.ws.closed:
                        continue
                    await self.ws.send_str(item)
                finally:
                    self.queue.task_done()
        except (ConnectionError, RuntimeError) as exc:
            log.debug("gateway writer stopped: %r", exc)
        finally:
            # Unblock flush() waiters for anything left behind.
            while not self.queue.empty():
                self.queue.get_nowait()
                self.queue.task_done()


def _guild_of(event: str, payload: Any) -> int | None:
    """The guild an event belongs to (None: not a guild's event, sent on shard 0 only)."""
    if not isinstance(payload, dict):
        return None
    # A guild's own events carry it as "id"; every other guild event names it in "guild_id".
    raw = payload.get("id") if event in ("GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE") else payload.get("guild_id")
    try:
        return int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None


@dataclass(eq=False)
class Session:
    id: str
    intents: int
    shard: list[int]
    seq: int = 0
    backlog: deque[tuple[int, str]] = field(default_factory=lambda: deque(maxlen=BACKLOG_SIZE))
    conn: Connection | None = None

    def emit(self, event: str, data: Any) -> int:
        self.seq += 1
        frame = json.dumps({"op": 0, "t": event, "s": self.seq, "d": data})
        self.backlog.append((self.seq, frame))
        if self.conn is not None:
            self.conn.send(frame)
        return self.seq


@dataclass
class _Held:
    event: str
    data: Any
    author_id: int | None
    mentions: tuple[int, ...]


class Gateway:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.sessions: dict[str, Session] = {}
        self.connections: set[Connection] = set()
        self.heartbeat_interval_ms = 41_250
        self.ack_heartbeats = True
        self.paused = False
        self.held: list[_Held] = []
        self.log: list[GatewayRecord] = []
        self.heartbeats = 0
        self._handlers: set[asyncio.Task[Any]] = set()

    # -- websocket endpoint -------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(heartbeat=None, max_msg_size=0, autoping=True)
        await ws.prepare(request)
        conn = Connection(ws)
        self.connections.add(conn)
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        conn.send_op(10, {"heartbeat_interval": self.heartbeat_interval_ms})
        self._record("out", 10, None, None)
        client_code: int | None = None
        try:
            while True:
                msg = await ws.receive()
                if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    raw = msg.data if isinstance(msg.data, str) else msg.data.decode()
                    await self._on_frame(conn, json.loads(raw))
                elif msg.type == WSMsgType.CLOSE:
                    client_code = msg.data
                    break
                else:  # CLOSING (we closed), CLOSED, ERROR
                    break
        finally:
            self.connections.discard(conn)
            conn.queue.put_nowait(None)
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(conn.writer, 2)
            session = conn.session
            if session is not None and session.conn is conn:
                session.conn = None
                # A client closing with 1000/1001 ends its session, as on Discord.
                if client_code in (1000, 1001):
                    self.sessions.pop(session.id, None)
            conn.closed.set()
            if task is not None:
                self._handlers.discard(task)
        return ws

    async def _on_frame(self, conn: Connection, frame: dict[str, Any]) -> None:
        op = frame.get("op")
        d = frame.get("d")
        self._record("in", op, None, conn.session.id if conn.session else None)
        if op == 1:
            self.heartbeats += 1
            if self.ack_heartbeats:
                conn.send_op(11, None)
        elif op == 2:
            self._identify(conn, d or {})
        elif op == 6:
            self._resume(conn, d or {})
        elif op == 8:
            self._request_members(conn, d or {})
        elif op in (3, 4):
            return
        else:
            log.warning("fake gateway got unknown op %s", op)

    def _identify(self, conn: Connection, d: dict[str, Any]) -> None:
        if d.get("token") != self.fake.bot_token:
            conn.close(4004)
            return
        intents = int(d.get("intents", 0))
        shard = list(d.get("shard") or [0, 1])
        if len(shard) != 2 or not 0 <= shard[0] < shard[1]:
            conn.close(4010)  # Discord's "invalid shard"
            return
        self.fake.identified_shards.append((shard[0], shard[1]))
        session = Session(id=secrets.token_hex(16), intents=intents, shard=shard, conn=conn)
        self.sessions[session.id] = session
        conn.session = session
        self.fake.identified_intents = intents
        self.fake.identify_count += 1
        guilds = [g for g in self.fake.guilds.values() if g.bot_present and self._in_shard(g.id, shard)]
        ready = {
            "v": 10,
            "user": self.fake.bot_user.to_payload() | {"verified": True, "mfa_enabled": False, "email": None},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.fake.gateway_url,
            "application": {"id": str(self.fake.application_id), "flags": self.fake.application_flags},
            "shard": shard,
            "private_channels": [],
            "relationships": [],
            "presences": [],
        }
        self._emit(session, "READY", ready)
        for guild in guilds:
            self._emit(session, "GUILD_CREATE", self.fake.guild_create_payload(guild, intents))

    @staticmethod
    def _in_shard(guild_id: int | None, shard: list[int]) -> bool:
        # Discord sends a guild's events on shard (guild_id >> 22) % count only, and events of no
        # guild (direct messages) on shard 0.
        shard_id, count = shard
        if count <= 1:
            return True
        if guild_id is None:
            return shard_id == 0
        return (guild_id >> 22) % count == shard_id

    def _resume(self, conn: Connection, d: dict[str, Any]) -> None:
        session = self.sessions.get(str(d.get("session_id")))
        if session is None or d.get("token") != self.fake.bot_token:
            conn.send_op(9, False)
            self._record("out", 9, None, None)
            return
        if session.conn is not None and session.conn is not conn:
            session.conn.close(4000)
        last = int(d.get("seq") or 0)
        session.conn = conn
        conn.session = session
        self.fake.resume_count += 1
        # Replay while holding no awaits: later dispatches queue behind the replayed frames.
        for seq, frame in session.backlog:
            if seq > last:
                conn.send(frame)
        self._emit(session, "RESUMED", {})

    def _request_members(self, conn: Connection, d: dict[str, Any]) -> None:
        session = conn.session
        if session is None:
            return
        guild_ids = d.get("guild_id")
        if not isinstance(guild_ids, list):
            guild_ids = [guild_ids]
        for raw_id in guild_ids:
            guild = self.fake.guilds.get(int(raw_id))
            if guild is None:
                continue
            members = list(guild.members.values())
            user_ids = d.get("user_ids")
            not_found: list[str] = []
            if user_ids:
                wanted = [int(u) for u in (user_ids if isinstance(user_ids, list) else [user_ids])]
                members = [m for m in members if m.id in wanted]
                not_found = [str(u) for u in wanted if u not in guild.members]
            else:
                query = (d.get("query") or "").lower()
                members = [m for m in members if m.name.lower().startswith(query)]
                limit = int(d.get("limit") or 0)
                if limit:
                    members = members[:limit]
            chunks = [members[i : i + 1000] for i in range(0, len(members), 1000)] or [[]]
            for index, chunk in enumerate(chunks):
                payload: dict[str, Any] = {
                    "guild_id": str(guild.id),
                    "members": [m.to_payload() for m in chunk],
                    "chunk_index": index,
                    "chunk_count": len(chunks),
                }
                if d.get("nonce") is not None:
                    payload["nonce"] = d["nonce"]
                if not_found and index == 0:
                    payload["not_found"] = not_found
                self._emit(session, "GUILD_MEMBERS_CHUNK", payload)

    # -- dispatch ---------------------------------------------------------------------------
    def _emit(self, session: Session, event: str, data: Any) -> None:
        session.emit(event, data)
        self._record("out", 0, event, session.id)

    def dispatch(
        self,
        event: str,
        data: Any,
        *,
        author_id: int | None = None,
        mentions: tuple[int, ...] = (),
    ) -> None:
        """Send an event to every live or resumable session whose intents want it and whose shard
        holds the event's guild (as Discord does: a guild's events come only on its shard)."""
        if self.paused:
            self.held.append(_Held(event, data, author_id, mentions))
            return
        intent = EVENT_INTENTS.get(event, 0)
        for session in list(self.sessions.values()):
            if intent and not session.intents & intent:
                continue
            payload = data(session.intents) if callable(data) else data
            if not self._in_shard(_guild_of(event, payload), session.shard):
                continue
            if event in ("MESSAGE_CREATE", "MESSAGE_UPDATE") and not session.intents & MESSAGE_CONTENT:
                payload = self.fake.strip_content(data, author_id, mentions)
            self._emit(session, event, payload)

    def pause(self) -> None:
        self.paused = True

    def resume(self, *, deliver: bool = True) -> None:
        self.paused = False
        held, self.held = self.held, []
        if deliver:
            for item in held:
                self.dispatch(item.event, item.data, author_id=item.author_id, mentions=item.mentions)

    async def flush(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until every queued frame has been written to its socket."""
        for conn in list(self.connections):
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(conn.queue.join(), timeout)

    # -- faults -----------------------------------------------------------------------------
    async def drop(self, code: int = 4000, *, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Close every socket with ``code``; sessions stay resumable."""
        conns = list(self.connections)
        for conn in conns:
            conn.close(code)
        for conn in conns:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(conn.closed.wait(), timeout)

    def invalidate(self, *, resumable: bool = False) -> None:
        for session in list(self.sessions.values()):
            if session.conn is not None:
                session.conn.send_op(9, resumable)
                self._record("out", 9, None, session.id)
            if not resumable:
                self.sessions.pop(session.id, None)

    def request_reconnect(self) -> None:
        for conn in list(self.connections):
            conn.send_op(7, None)
            self._record("out", 7, None, conn.session.id if conn.session else None)

    @property
    def connected(self) -> bool:
        return any(c.session is not None for c in self.connections)

    async def close_all(self) -> None:
        await self.drop(1001, timeout=2.0)
        self.sessions.clear()
        for task in list(self._handlers):
            task.cancel()

    def _record(self, direction: str, op: Any, event: str | None, session_id: str | None) -> None:
        self.log.append(GatewayRecord(time.monotonic(), direction, int(op or 0), event, session_id))
        self.fake.notify()


def events_named(log: list[GatewayRecord], name: str) -> list[GatewayRecord]:
    return [r for r in log if r.event == name]


