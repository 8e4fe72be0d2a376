"""`python -m bot doctor`: is this installation able to run, and what must the owner fix?

Checks, in order: the config (already loaded by the caller), the files it names, the database
(opens, schema at the latest migration, integrity), then, unless offline, the token (a real
login), the application's privileged intents, and in every guild the bot is in the permissions
it needs at server level and in the guild's review channel. Every problem is one `Finding`
with a sentence that says what to do; nothing here raises for a problem it can name.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from bot.settings import Settings

log = logging.getLogger(__name__)

Severity = Literal["ok", "warn", "fail"]

# Labels as Discord's role and channel settings spell them, so the owner finds the switch.
PERMISSION_LABELS: dict[str, str] = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "send_messages_in_threads": "Send Messages in Threads",
    "create_public_threads": "Create Public Threads",
    "manage_threads": "Manage Threads",
    "embed_links": "Embed Links",
    "attach_files": "Attach Files",
    "add_reactions": "Add Reactions",
    "read_message_history": "Read Message History",
    "manage_messages": "Manage Messages",
}

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Finding:
    severity: Severity
    area: str  # config | database | token | discord | guild <name>
    message: str

    def line(self) -> str:
        label = {"ok": "ok  ", "warn": "WARN", "fail": "FIX "}[self.severity]
        return f"{label} {self.area}: {self.message}"


@dataclass
class DoctorReport:
    findings: list[Finding] = field(default_factory=list)
    guilds_checked: int = 0
    offline: bool = False

    def add(self, severity: Severity, area: str, message: str) -> None:
        self.findings.append(Finding(severity, area, message))

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "fail"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warn"]

    @property
    def healthy(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        scope = "config and database (offline)" if self.offline else (
            f"config, database, token and {self.guilds_checked} server{'s' if self.guilds_checked != 1 else ''}"
        )
        if self.healthy:
            verdict = "healthy"
        else:
            n = len(self.problems)
            verdict = f"{n} problem{'s' if n != 1 else ''} to fix"
        if self.warnings:
            w = len(self.warnings)
            verdict += f", {w} warning{'s' if w != 1 else ''}"
        return f"doctor: {verdict} (checked {scope})"

    def lines(self, *, verbose: bool = False) -> list[str]:
        shown = [f for f in self.findings if verbose or f.severity != "ok"]
        return [f.line() for f in shown] + [self.summary()]


def printable(text: str, limit: int = 80) -> str:
    """A guild or channel name made safe for a terminal line (no control or direction characters)."""
    text = _CONTROL.sub("", text).strip() or "?"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def missing_permissions(granted: object, required: object) -> list[str]:
    """Labels of the required permissions not granted (both are discord.Permissions)."""
    return [label for name, label in PERMISSION_LABELS.items()
            if getattr(required, name) and not getattr(granted, name)]


# -- config and files ------------------------------------------------------------------------


def _writable_dir(path: Path) -> bool:
    """Whether `path` exists as a writable directory or could be created (its nearest parent is)."""
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            return False
        probe = probe.parent
    return probe.is_dir() and os.access(probe, os.W_OK | os.X_OK)


def check_config(settings: Settings, report: DoctorReport, *, offline: bool) -> None:
    if not offline and not settings.discord.token:
        report.add("fail", "config", "no Discord token: set DISCORD_TOKEN or [discord] token in the config")
    storage = settings.storage.path
    if settings.storage.url is None and not _writable_dir(storage.parent):
        report.add("fail", "config", f"[storage] path: cannot create or write the folder {storage.parent}")
    rank = settings.analysis.rank_list_path
    if rank is not None and not rank.is_file():
        report.add("fail", "config", f"[analysis] rank_list_path: no file at {rank}")
    log_file = settings.logging.file
    if log_file is not None and not _writable_dir(log_file.parent):
        report.add("fail", "config", f"[logging] file: cannot create or write the folder {log_file.parent}")
    if settings.fetch.allow_private_networks:
        report.add("warn", "config", "[fetch] allow_private_networks is true: members could make the bot fetch "
                                     "your internal network; set it to false outside tests")
    if not report.problems:
        report.add("ok", "config", "settings load and the files they name are usable")


# -- database --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DatabaseState:
    exists: bool
    version: int | None = None
    integrity: str | None = None
    error: str | None = None


def inspect_database(path: Path, busy_timeout_ms: int, *, quick: bool = False) -> DatabaseState:
    """Blocking: open read-only (never create or migrate), read the schema version, check integrity
    (quick: PRAGMA quick_check, which skips the index cross-checks and stays fast on a large file)."""
    from bot.storage.database import read_only_uri

    if not path.exists():
        return DatabaseState(exists=False)
    try:
        conn = sqlite3.connect(read_only_uri(path), uri=True,
                               timeout=busy_timeout_ms / 1000, isolation_level=None)
    except sqlite3.Error as exc:
        return DatabaseState(exists=True, error=f"cannot open: {exc}")
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        rows = conn.execute("PRAGMA quick_check" if quick else "PRAGMA integrity_check").fetchall()
        integrity = "ok" if [tuple(r) for r in rows] == [("ok",)] else "; ".join(str(r[0]) for r in rows[:3])
        return DatabaseState(exists=True, version=version, integrity=integrity)
    except sqlite3.DatabaseError as exc:
        return DatabaseState(exists=True, error=str(exc))
    finally:
        conn.close()


async def inspect_postgres(url: str) -> DatabaseState:
    """Connect (never migrate) and read the schema version. PostgreSQL checks its own pages;
    pg_amcheck is the deep check, outside what a healthcheck should run."""
    from bot.storage.database import PASSWORD_VARIABLE, Database, StorageOpenError

    try:
        db = await Database.open(url, password=os.environ.get(PASSWORD_VARIABLE) or None, migrate=False)
    except StorageOpenError as exc:
        return DatabaseState(exists=True, error=str(exc))
    try:
        version = await db.user_version()
        row = await db.fetchone("SELECT 1")
        return DatabaseState(exists=True, version=version, integrity="ok" if row is not None else "no answer")
    finally:
        await db.close()


async def check_database(settings: Settings, report: DoctorReport, *, quick: bool = False) -> DatabaseState:
    from bot.storage.database import LATEST_VERSION

    area = "database"
    if settings.storage.url is not None:
        from bot.storage.postgres import describe_url

        where = describe_url(settings.storage.url)
        state = await inspect_postgres(settings.storage.url)
        if state.error is not None:
            report.add("fail", area, f"[storage] url: {state.error}")
        elif state.version is not None and state.version != LATEST_VERSION:
            if state.version < LATEST_VERSION:
                report.add("fail", area, f"PostgreSQL {where}: schema version {state.version}, this bot needs "
                                         f"{LATEST_VERSION}: start the bot once to apply the migrations (pg_dump first)")
            else:
                report.add("fail", area, f"PostgreSQL {where}: schema version {state.version} is newer than this bot "
                                         f"({LATEST_VERSION}): upgrade the bot")
        else:
            report.add("ok", area, f"PostgreSQL {where} answers, schema version {state.version}")
        return state
    path = settings.storage.path
    state = await asyncio.to_thread(inspect_database, path, settings.storage.busy_timeout_ms, quick=quick)
    if not state.exists:
        report.add("warn", area, f"no database at {path} yet; the bot creates it on first start")
    elif state.error is not None:
        text = state.error
        if "locked" in text or "busy" in text:
            report.add("fail", area, f"{path} stayed locked for {settings.storage.busy_timeout_ms} ms: {text}")
        else:
            report.add("fail", area, f"{path} is not a usable SQLite database ({text}); restore a backup")
    else:
        assert state.version is not None
        if state.version < LATEST_VERSION:
            report.add("fail", area, f"schema version {state.version}, this bot needs {LATEST_VERSION}: "
                                     "start the bot once to apply the migrations (back up first)")
        elif state.version > LATEST_VERSION:
            report.add("fail", area, f"schema version {state.version} is newer than this bot ({LATEST_VERSION}): "
                                     "upgrade the bot")
        if state.integrity != "ok":
            report.add("fail", area, f"integrity check failed ({state.integrity}); restore a backup")
        if state.version == LATEST_VERSION and state.integrity == "ok":
            report.add("ok", area, f"{path} opens, schema version {state.version}, integrity ok")
    return state


# -- Discord ---------------------------------------------------------------------------------


async def _review_channels(settings: Settings, state: DatabaseState, guild_ids: Iterable[int]) -> dict[int, int | None]:
    """Each guild's configured review channel (None: not set); empty when the DB is unusable."""
    from bot.storage.database import LATEST_VERSION, Database
    from bot.storage.guild_settings import GuildSettingsRepo

    if not state.exists or state.error or state.version != LATEST_VERSION:
        return {}
    from bot.storage.database import PASSWORD_VARIABLE

    if settings.storage.url is not None:
        db = await Database.open(settings.storage.url, password=os.environ.get(PASSWORD_VARIABLE) or None, migrate=False)
    else:
        db = await Database.open(settings.storage.path, busy_timeout_ms=settings.storage.busy_timeout_ms, migrate=False)
    try:
        repo = GuildSettingsRepo(db, settings.review, settings.checks)
        return {gid: (await repo.get(gid)).review_channel_id for gid in guild_ids}
    finally:
        await db.close()


async def check_discord(settings: Settings, report: DoctorReport, db_state: DatabaseState) -> None:
    import aiohttp
    import discord

    from bot.client import REQUIRED_PERMISSIONS
    from bot.endpoints import apply_endpoints

    token = settings.discord.token
    if not token:
        return  # already reported by check_config
    apply_endpoints(settings.discord.api_base_url, settings.discord.gateway_url)
    where = settings.discord.api_base_url or "Discord"
    # Never connects to the gateway; the guilds intent only keeps discord.py from warning about state.
    client = discord.Client(intents=discord.Intents(guilds=True))
    try:
        try:
            await client.login(token)
        except discord.LoginFailure:
            report.add("fail", "token", "Discord rejected the token (401 Unauthorized): copy a fresh one from the "
                                        "developer portal into DISCORD_TOKEN or [discord] token")
            return
        except discord.HTTPException as exc:
            report.add("fail", "token", f"{where} answered HTTP {exc.status} when logging in; try again later")
            return
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            report.add("fail", "token", f"could not reach {where}: {exc.__class__.__name__}")
            return
        assert client.user is not None and client.application is not None
        report.add("ok", "token", f"logs in as {printable(str(client.user))}")
        flags = client.application.flags
        if not (flags.gateway_guild_members or flags.gateway_guild_members_limited):
            report.add("fail", "discord", "the Server Members intent is off: enable it under Bot > Privileged "
                                          "Gateway Intents in the developer portal")
        guilds = [g async for g in client.fetch_guilds(limit=None)]
        if not guilds:
            report.add("warn", "discord", "the bot is in no server yet: invite it with "
                       + discord.utils.oauth_url(client.application.id, permissions=REQUIRED_PERMISSIONS,
                                                 scopes=("bot", "applications.commands")))
            return
        review_channels = await _review_channels(settings, db_state, [g.id for g in guilds])
        for partial in guilds:
            await _check_guild(client, partial.id, review_channels.get(partial.id), report)
            report.guilds_checked += 1
    except discord.HTTPException as exc:
        report.add("fail", "discord", f"{where} answered HTTP {exc.status} while checking the servers: {exc.text[:120]}")
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        report.add("fail", "discord", f"lost the connection to {where}: {exc.__class__.__name__}")
    finally:
        await client.close()


async def _check_guild(client: object, guild_id: int, review_channel_id: int | None, report: DoctorReport) -> None:
    import discord

    from bot.client import REQUIRED_PERMISSIONS

    assert isinstance(client, discord.Client) and client.user is not None
    guild = await client.fetch_guild(guild_id)  # the full guild: its roles come with it
    area = f"server {printable(guild.name, 40)} ({guild.id})"
    channels = await guild.fetch_channels()
    member = await guild.fetch_member(client.user.id)
    problems_before = len(report.problems)
    missing = missing_permissions(member.guild_permissions, REQUIRED_PERMISSIONS)
    if missing:
        report.add("fail", area, f"the bot's role lacks {', '.join(missing)}: grant them in Server Settings > Roles")
    if review_channel_id is None:
        report.add("warn", area, "no review channel set: a moderator can choose one with /settings")
    else:
        channel = next((c for c in channels if c.id == review_channel_id), None)
        if channel is None:
            report.add("fail", area, f"the review channel ({review_channel_id}) no longer exists: "
                                     "choose another with /settings")
        elif not isinstance(channel, discord.TextChannel | discord.ForumChannel):
            report.add("fail", area, f"the review channel #{printable(channel.name, 40)} is not a text or forum "
                                     "channel: choose another with /settings")
        else:
            in_channel = missing_permissions(channel.permissions_for(member), REQUIRED_PERMISSIONS)
            if in_channel:
                report.add("fail", area, f"in the review channel #{printable(channel.name, 40)} the bot lacks "
                                         f"{', '.join(in_channel)}: allow them for the bot's role in the channel's "
                                         "permission settings")
    if len(report.problems) == problems_before:
        report.add("ok", area, "permissions in place")


async def run_doctor(settings: Settings, *, offline: bool = False, quick: bool = False) -> DoctorReport:
    """Every check; the report says what to fix. Never raises for a problem it can describe."""
    report = DoctorReport(offline=offline)
    check_config(settings, report, offline=offline)
    db_state = await check_database(settings, report, quick=quick)
    if not offline:
        await check_discord(settings, report, db_state)
    return report


__all__ = [
    "PERMISSION_LABELS",
    "DatabaseState",
    "DoctorReport",
    "Finding",
    "check_config",
    "check_database",
    "check_discord",
    "inspect_database",
    "missing_permissions",
    "printable",
    "run_doctor",
]
