"""Settings: TOML (and the environment) into frozen, validated dataclasses.

Every key and its default lives here; `config.example.toml` documents them. Errors name the
bad key (``[fetch] max_bytes: must be an integer between 1024 and 2097152``) so an owner can
fix the file without reading code.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

DEFAULT_USER_AGENT = "SecondOpinionBot/0.1 (+https://github.com/second-opinion/bot; backlink checker)"


class SettingsError(ValueError):
    """A config file that cannot be used; the message names the key."""


@dataclass(frozen=True)
class DiscordSettings:
    token: str | None = None
    dev_guild_id: int | None = None
    # Any Discord-compatible API: a rate-limit proxy, or the tests' fake server.
    api_base_url: str | None = None
    gateway_url: str | None = None
    # Shards: how many in all, and which this process runs (unset: one process runs every shard).
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None


@dataclass(frozen=True)
class StorageSettings:
    path: Path = Path("data/second-opinion.sqlite3")
    # postgresql://user@host:port/database: a PostgreSQL server instead of the SQLite file (wins
    # over path). The password comes from SECOND_OPINION_DB_PASSWORD or ~/.pgpass, not from here.
    url: str | None = None
    busy_timeout_ms: int = 5000
    # How long a guild's data is kept after the bot leaves it.
    retention_days_after_leave: int = 30


@dataclass(frozen=True)
class FetchSettings:
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    total_timeout: float = 15.0
    max_bytes: int = 2 * 1024 * 1024
    max_redirects: int = 5
    max_url_length: int = 2048
    max_header_bytes: int = 16 * 1024
    allowed_ports: tuple[int, ...] = (80, 443)
    per_host_concurrency: int = 2
    robots_cache_seconds: int = 3600
    user_agent: str = DEFAULT_USER_AGENT
    # Only tests set this: it lets the fetcher reach loopback and private addresses.
    allow_private_networks: bool = False


@dataclass(frozen=True)
class AnalysisSettings:
    # Optional offline rank list in Tranco CSV format ("rank,domain" lines).
    rank_list_path: Path | None = None
    # Parsing a page runs in a worker thread so a large page never stalls the bot.
    workers: int = 2
    time_limit_seconds: float = 10.0


@dataclass(frozen=True)
class ChecksSettings:
    cooldown_seconds: float = 20.0
    max_concurrent_per_guild: int = 3
    # A stored analysis younger than this is reused when a review is opened.
    reuse_seconds: int = 6 * 3600


@dataclass(frozen=True)
class ReviewDefaults:
    """Defaults for every guild; moderators override them per guild."""

    min_votes: int = 3
    deadline_hours: float = 72.0
    min_member_age_hours: float = 24.0
    min_account_age_days: float = 7.0
    requester_may_vote: bool = False
    review_cooldown_seconds: float = 60.0
    # Seconds between two edits of one review's tally message (edits are coalesced).
    tally_edit_interval: float = 2.0


@dataclass(frozen=True)
class AuditSettings:
    """Bulk audits of a backlink export (`python -m bot audit`, /audit)."""

    # Unique source pages one audit may hold; more is refused before any fetch.
    max_rows: int = 2000
    # Pages in flight at once (fetching or being analysed); the CLI's --concurrency overrides it.
    concurrency: int = 16
    # Analysis worker processes; 0 means one per core.
    workers: int = 0
    # Seconds between two edits of an audit's progress message in Discord; at least 5 (Discord allows 5
    # edits per 5 s in a channel, and the reviews share it). Tests set less through the dataclass.
    progress_interval_seconds: float = 5.0
    # Largest export file /audit accepts, in bytes.
    max_file_bytes: int = 10 * 1024 * 1024


@dataclass(frozen=True)
class WatchSettings:
    """Link watch: re-checks of links the community accepted."""

    # Hours between two re-checks of one watch; a guild may choose 24..720 for itself.
    interval_hours: float = 168.0
    # Re-checks running at once in this process (the fetcher's per-host limit applies too).
    concurrency: int = 4
    # Watches one guild may hold, so one server cannot make the bot crawl for everyone.
    max_per_guild: int = 500
    # Seconds between two looks for due watches.
    tick_seconds: float = 300.0


@dataclass(frozen=True)
class LoggingSettings:
    level: str = "INFO"
    format: str = "text"  # text | json
    file: Path | None = None
    max_bytes: int = 5 * 1024 * 1024
    backups: int = 5


@dataclass(frozen=True)
class Settings:
    discord: DiscordSettings = field(default_factory=DiscordSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    fetch: FetchSettings = field(default_factory=FetchSettings)
    analysis: AnalysisSettings = field(default_factory=AnalysisSettings)
    checks: ChecksSettings = field(default_factory=ChecksSettings)
    review: ReviewDefaults = field(default_factory=ReviewDefaults)
    audit: AuditSettings = field(default_factory=AuditSettings)
    watch: WatchSettings = field(default_factory=WatchSettings)
    logging: LoggingSettings = field(default_factory=LoggingSettings)

    def with_token(self, token: str | None) -> Settings:
        return replace(self, discord=replace(self.discord, token=token))


# Validation rules per key: (kind, low, high). Kinds: int, float, bool, str, path, ports, level, choice.
_RULES: dict[str, dict[str, tuple[Any, ...]]] = {
    "discord": {
        "token": ("token",),
        "dev_guild_id": ("snowflake",),
        "api_base_url": ("url",),
        "gateway_url": ("wsurl",),
        "shard_count": ("int", 1, 65536),
        "shard_ids": ("shards",),
    },
    "storage": {
        "path": ("path",),
        "url": ("pgurl",),
        "busy_timeout_ms": ("int", 0, 600_000),
        "retention_days_after_leave": ("int", 0, 3650),
    },
    "fetch": {
        "connect_timeout": ("float", 0.1, 15.0),
        "read_timeout": ("float", 0.1, 15.0),
        "total_timeout": ("float", 0.1, 15.0),
        "max_bytes": ("int", 1024, 2 * 1024 * 1024),
        "max_redirects": ("int", 0, 5),
        "max_url_length": ("int", 64, 8192),
        "max_header_bytes": ("int", 1024, 65536),
        "allowed_ports": ("ports",),
        "per_host_concurrency": ("int", 1, 32),
        "robots_cache_seconds": ("int", 0, 7 * 86400),
        "user_agent": ("str",),
        "allow_private_networks": ("bool",),
    },
    "analysis": {
        "rank_list_path": ("path",),
        "workers": ("int", 1, 32),
        "time_limit_seconds": ("float", 0.5, 120.0),
    },
    "checks": {
        "cooldown_seconds": ("float", 0.0, 86400.0),
        "max_concurrent_per_guild": ("int", 1, 100),
        "reuse_seconds": ("int", 0, 30 * 86400),
    },
    "review": {
        "min_votes": ("int", 1, 100),
        "deadline_hours": ("float", 0.01, 24 * 30),
        "min_member_age_hours": ("float", 0.0, 24 * 365),
        "min_account_age_days": ("float", 0.0, 3650),
        "requester_may_vote": ("bool",),
        "review_cooldown_seconds": ("float", 0.0, 86400.0),
        "tally_edit_interval": ("float", 0.05, 60.0),
    },
    "audit": {
        "max_rows": ("int", 1, 1_000_000),
        "concurrency": ("int", 1, 256),
        "workers": ("int", 0, 64),
        "progress_interval_seconds": ("float", 5.0, 3600.0),
        "max_file_bytes": ("int", 1024, 100 * 1024 * 1024),
    },
    "watch": {
        "interval_hours": ("float", 24.0, 720.0),
        "concurrency": ("int", 1, 64),
        "max_per_guild": ("int", 1, 100_000),
        "tick_seconds": ("float", 1.0, 86400.0),
    },
    "logging": {
        "level": ("choice", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"),
        "format": ("choice", "text", "json"),
        "file": ("path",),
        "max_bytes": ("int", 1024, 1024**3),
        "backups": ("int", 1, 100),  # 0 would make the handler never rotate: one endless file
    },
}


_SECTION_TYPES = {
    "discord": DiscordSettings,
    "storage": StorageSettings,
    "fetch": FetchSettings,
    "analysis": AnalysisSettings,
    "checks": ChecksSettings,
    "review": ReviewDefaults,
    "audit": AuditSettings,
    "watch": WatchSettings,
    "logging": LoggingSettings,
}


def _convert(section: str, key: str, value: Any, rule: tuple[Any, ...], base: Path) -> Any:
    where = f"[{section}] {key}"
    kind = rule[0]
    if kind in ("int", "snowflake"):
        if isinstance(value, bool) or not isinstance(value, int):
            if kind == "snowflake" and isinstance(value, str) and value.isascii() and value.isdigit():
                value = int(value)
            else:
                raise SettingsError(f"{where}: must be an integer, got {value!r}")
        if kind == "snowflake":
            if not 0 < value < 2**64:
                raise SettingsError(f"{where}: must be a Discord id (a positive 64-bit integer)")
            return value
        low, high = rule[1], rule[2]
        if not low <= value <= high:
            raise SettingsError(f"{where}: must be an integer between {low} and {high}, got {value}")
        return value
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SettingsError(f"{where}: must be a number, got {value!r}")
        low, high = rule[1], rule[2]
        if not low <= value <= high:
            raise SettingsError(f"{where}: must be a number between {low} and {high}, got {value}")
        return float(value)
    if kind == "bool":
        if not isinstance(value, bool):
            raise SettingsError(f"{where}: must be true or false, got {value!r}")
        return value
    if kind == "str":
        if not isinstance(value, str) or not value.strip():
            raise SettingsError(f"{where}: must be a non-empty string")
        return value
    if kind == "token":
        if not isinstance(value, str) or not value.strip():
            raise SettingsError(f"{where}: must be a non-empty string")
        return _checked_token(where, value.strip())
    if kind == "path":
        if not isinstance(value, str) or not value:
            raise SettingsError(f"{where}: must be a path string")
        path = Path(value).expanduser()
        return path if path.is_absolute() else (base / path)
    if kind in ("url", "wsurl"):
        schemes = ("http://", "https://") if kind == "url" else ("ws://", "wss://")
        if not isinstance(value, str) or not value.startswith(schemes):
            raise SettingsError(f"{where}: must be a URL starting with {' or '.join(schemes)}")
        return value.rstrip("/")
    if kind == "shards":
        from bot.sharding import ShardSpecError, parse_shard_ids

        if isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value):
            return tuple(sorted(set(value)))
        if isinstance(value, str):
            try:
                return parse_shard_ids(value)
            except ShardSpecError as exc:
                raise SettingsError(f"{where}: {exc}") from None
        raise SettingsError(f"{where}: must be a list of shard ids or a range like \"0-3\"")
    if kind == "pgurl":
        if not isinstance(value, str) or not value.startswith(("postgresql://", "postgres://")):
            raise SettingsError(f"{where}: must be a URL starting with postgresql://")
        return value
    if kind == "ports":
        if not isinstance(value, list) or not value or not all(
            isinstance(p, int) and not isinstance(p, bool) and 1 <= p <= 65535 for p in value
        ):
            raise SettingsError(f"{where}: must be a non-empty list of port numbers (1-65535)")
        return tuple(value)
    if kind == "choice":
        choices = rule[1:]
        if isinstance(value, str):
            for choice in choices:  # "debug" and "JSON" mean DEBUG and json
                if value.lower() == choice.lower():
                    return choice
        raise SettingsError(f"{where}: must be one of {', '.join(choices)}, got {value!r}")
    raise AssertionError(kind)  # pragma: no cover


def check_shards(shard_count: int | None, shard_ids: tuple[int, ...] | None, *, where: str) -> None:
    from bot.sharding import ShardPlan, ShardSpecError

    try:
        ShardPlan(shard_count, shard_ids)
    except ShardSpecError as exc:
        raise SettingsError(f"{where}: {exc}") from None


def _checked_token(where: str, token: str) -> str:
    # A token is sent in a header: a space or control character inside it is a paste mistake
    # that would otherwise surface as an HTTP library error.
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in token):
        raise SettingsError(f"{where}: the token contains spaces or control characters")
    return token


def settings_from_mapping(data: Mapping[str, Any], *, base: Path | None = None) -> Settings:
    """Validate a parsed TOML document into Settings; relative paths resolve against `base`."""
    base = base or Path.cwd()
    sections: dict[str, Any] = {}
    for section, values in data.items():
        if not isinstance(values, Mapping):
            if section in _SECTION_TYPES:
                raise SettingsError(f"[{section}]: must be a table")
            # `token = "…"` above every [section] header: a key, not a section.
            raise SettingsError(f"{section}: a key outside any [section]; put it under its section")
        if section not in _SECTION_TYPES:
            known = ", ".join(f"[{s}]" for s in _SECTION_TYPES)
            raise SettingsError(f"[{section}]: unknown section (known: {known})")
        rules = _RULES[section]
        converted: dict[str, Any] = {}
        for key, value in values.items():
            if key not in rules:
                raise SettingsError(f"[{section}] {key}: unknown key")
            converted[key] = _convert(section, key, value, rules[key], base)
        sections[section] = _SECTION_TYPES[section](**converted)
    settings = Settings(**sections)
    check_shards(settings.discord.shard_count, settings.discord.shard_ids, where="[discord] shard_ids")
    fetch = settings.fetch
    if fetch.connect_timeout > fetch.total_timeout or fetch.read_timeout > fetch.total_timeout:
        raise SettingsError("[fetch] total_timeout: must be at least connect_timeout and read_timeout")
    return settings


def load_settings(path: Path | None = None, *, environ: Mapping[str, str] | None = None) -> Settings:
    """Read the TOML file (when given) and the environment; the env token wins over the file."""
    environ = os.environ if environ is None else environ
    if path is None:
        settings = Settings()
    else:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise SettingsError(f"config file not found: {path}") from None
        except OSError as exc:
            raise SettingsError(f"config file unreadable: {path}: {exc.strerror}") from None
        try:
            data = tomllib.loads(raw.decode("utf-8-sig"))  # Notepad's byte-order mark is not an error
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"config file {path}: not valid TOML: {exc}") from None
        settings = settings_from_mapping(data, base=path.resolve().parent)
    token = environ.get("DISCORD_TOKEN", "").strip()
    if token:
        settings = settings.with_token(_checked_token("DISCORD_TOKEN", token))
    return settings


def documented_keys() -> dict[str, list[str]]:
    """Every key by section, for the doc test that keeps config.example.toml complete."""
    return {section: [f.name for f in fields(cls)] for section, cls in _SECTION_TYPES.items()}


def key_rule(section: str, key: str) -> tuple[Any, ...]:
    """The validation rule (kind, low, high) of one key: the bounds a per-guild override of it
    must keep too (bot/storage/guild_settings.py)."""
    return _RULES[section][key]
