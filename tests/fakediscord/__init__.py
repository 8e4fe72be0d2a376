"""A fake Discord (REST + gateway on 127.0.0.1) that the real discord.py client logs in to."""

from .gateway import GatewayRecord
from .interactions import CallbackRecord, InteractionRecord
from .limits import Fault, FaultRule, RateLimitHit
from .models import (
    EPHEMERAL,
    FORUM,
    LOADING,
    PUBLIC_THREAD,
    TEXT,
    Attachment,
    Channel,
    Command,
    Guild,
    Member,
    Message,
    Role,
    User,
)
from .permissions import ALL_PERMISSIONS, BOT_DEFAULT, EVERYONE_DEFAULT, Perm
from .rest import RestCall
from .server import CommandSync, FakeDiscord
from .snowflakes import new_snowflake, new_snowflake_on_shard, snowflake_at, snowflake_time


def rate_limited(retry_after: float = 0.05, *, is_global: bool = False) -> Fault:
    """A 429 as Discord sends it (Via header, JSON body with retry_after)."""
    return Fault(status=429, retry_after=retry_after, is_global=is_global)


def server_error(status: int = 500) -> Fault:
    return Fault(status=status)


__all__ = [
    "ALL_PERMISSIONS",
    "BOT_DEFAULT",
    "EPHEMERAL",
    "EVERYONE_DEFAULT",
    "FORUM",
    "LOADING",
    "PUBLIC_THREAD",
    "TEXT",
    "Attachment",
    "CallbackRecord",
    "Channel",
    "Command",
    "CommandSync",
    "FakeDiscord",
    "Fault",
    "FaultRule",
    "GatewayRecord",
    "Guild",
    "InteractionRecord",
    "Member",
    "Message",
    "Perm",
    "RateLimitHit",
    "RestCall",
    "Role",
    "User",
    "new_snowflake",
    "rate_limited",
    "server_error",
    "snowflake_at",
    "new_snowflake_on_shard",
    "snowflake_time",
]
