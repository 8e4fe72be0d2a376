"""Per-guild settings: moderators' overrides merged over the defaults; leaving and purging a guild."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from bot.review.rules import ReviewRules
from bot.settings import ChecksSettings, ReviewDefaults, WatchSettings, key_rule
from bot.storage.database import Database


class GuildSettingsError(ValueError):
    """An invalid setting; `field` names it and the message says what is allowed."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class GuildSettings:
    guild_id: int
    review_channel_id: int | None
    moderator_role_id: int | None
    min_votes: int
    deadline_hours: float
    min_member_age_hours: float
    min_account_age_days: float
    requester_may_vote: bool
    check_cooldown_seconds: float
    review_cooldown_seconds: float
    left_at: float | None
    updated_at: float | None  # None: nothing stored yet, all defaults
    # The fields the guild set itself (the rest come from the defaults), for a settings display.
    overridden: frozenset[str] = frozenset()
    # Link watch: where alerts go (None: the review channel) and hours between re-checks.
    watch_channel_id: int | None = None
    watch_interval_hours: float = WatchSettings.interval_hours

    def review_rules(self, defaults: ReviewDefaults | None = None) -> ReviewRules:
        """The defaults' rules with this guild's values for the ones a guild sets."""
        return dataclasses.replace(
            ReviewRules.from_defaults(defaults or ReviewDefaults()),
            min_votes=self.min_votes,
            deadline_hours=self.deadline_hours,
            min_member_age_hours=self.min_member_age_hours,
            min_account_age_days=self.min_account_age_days,
            requester_may_vote=self.requester_may_vote,
            review_cooldown_seconds=self.review_cooldown_seconds,
        )


# field -> (kind, low, high): a guild's override keeps the bounds of the config key it overrides.
_RULES: dict[str, tuple[Any, ...]] = {
    "review_channel_id": ("snowflake",),
    "moderator_role_id": ("snowflake",),
    "min_votes": key_rule("review", "min_votes"),
    "deadline_hours": key_rule("review", "deadline_hours"),
    "min_member_age_hours": key_rule("review", "min_member_age_hours"),
    "min_account_age_days": key_rule("review", "min_account_age_days"),
    "requester_may_vote": key_rule("review", "requester_may_vote"),
    "check_cooldown_seconds": key_rule("checks", "cooldown_seconds"),
    "review_cooldown_seconds": key_rule("review", "review_cooldown_seconds"),
    "watch_channel_id": ("snowflake",),
    "watch_interval_hours": key_rule("watch", "interval_hours"),
}
SETTING_FIELDS: tuple[str, ...] = tuple(_RULES)


def validate_setting(field: str, value: Any) -> Any:
    """The stored form of one setting, or GuildSettingsError naming the field. None clears it."""
    if field not in _RULES:
        raise GuildSettingsError(field, f"unknown setting (known: {', '.join(SETTING_FIELDS)})")
    if value is None:
        return None
    kind = _RULES[field][0]
    if kind == "snowflake":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**64:
            raise GuildSettingsError(field, "must be a Discord id")
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise GuildSettingsError(field, f"must be true or false, got {value!r}")
        return int(value)
    low, high = _RULES[field][1], _RULES[field][2]
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise GuildSettingsError(field, f"must be a whole number, got {value!r}")
        if not low <= value <= high:
            raise GuildSettingsError(field, f"must be between {low} and {high}, got {value}")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise GuildSettingsError(field, f"must be a number, got {value!r}")
    if not low <= value <= high:
        raise GuildSettingsError(field, f"must be between {low:g} and {high:g}, got {value:g}")
    return float(value)


_STORED = ", ".join(SETTING_FIELDS)
# Tables holding a guild's data, children first. checks is another repository's table, but a
# purge must leave nothing of the guild behind.
_PURGE_TABLES = (
    "watch_observations", "watches",
    "votes", "vote_resets", "review_factor_messages", "audit_log", "reviews", "checks",
    "bulk_audit_rows", "bulk_audits", "audit_access",
)


class GuildSettingsRepo:
    def __init__(
        self,
        db: Database,
        defaults: ReviewDefaults | None = None,
        checks: ChecksSettings | None = None,
        watch: WatchSettings | None = None,
    ) -> None:
        self.db = db
        self.defaults = defaults or ReviewDefaults()
        self.checks = checks or ChecksSettings()
        self.watch = watch or WatchSettings()

    def _default(self, field: str) -> Any:
        if field == "check_cooldown_seconds":
            return self.checks.cooldown_seconds
        if field in ("review_channel_id", "moderator_role_id", "watch_channel_id"):
            return None
        if field == "watch_interval_hours":
            return self.watch.interval_hours
        return getattr(self.defaults, field)

    async def get(self, guild_id: int) -> GuildSettings:
        row = await self.db.fetchone(
            f"SELECT {_STORED}, left_at, updated_at FROM guild_settings WHERE guild_id = ?",  # noqa: S608
            (guild_id,),
        )
        values: dict[str, Any] = {}
        overridden = set()
        for i, name in enumerate(SETTING_FIELDS):
            stored = row[i] if row is not None else None
            if stored is None:
                values[name] = self._default(name)
            else:
                overridden.add(name)
                values[name] = bool(stored) if name == "requester_may_vote" else stored
        return GuildSettings(
            guild_id=guild_id,
            left_at=row[len(SETTING_FIELDS)] if row else None,
            updated_at=row[len(SETTING_FIELDS) + 1] if row else None,
            overridden=frozenset(overridden),
            **values,
        )

    async def watch_interval_hours(self, guild_id: int) -> float:
        return float((await self.get(guild_id)).watch_interval_hours)

    async def rules(self, guild_id: int) -> ReviewRules:
        return (await self.get(guild_id)).review_rules(self.defaults)

    async def update(self, guild_id: int, now: float, **changes: Any) -> GuildSettings:
        """Set some settings (None puts a setting back to its default). All are validated first,
        so an error changes nothing; the error names the field."""
        if not changes:
            return await self.get(guild_id)
        stored = {name: validate_setting(name, value) for name, value in changes.items()}
        names = list(stored)
        # Column names come from the validated whitelist above, never from the caller's text.
        columns = ", ".join(names)
        marks = ", ".join("?" for _ in names)
        updates = ", ".join(f"{n} = excluded.{n}" for n in names)
        await self.db.execute(
            f"INSERT INTO guild_settings (guild_id, {columns}, updated_at) VALUES (?, {marks}, ?) "  # noqa: S608
            f"ON CONFLICT (guild_id) DO UPDATE SET {updates}, updated_at = excluded.updated_at",
            (guild_id, *stored.values(), now),
        )
        return await self.get(guild_id)

    async def mark_left(self, guild_id: int, now: float) -> None:
        await self.db.execute(
            "INSERT INTO guild_settings (guild_id, left_at, updated_at) VALUES (?, ?, ?) "
            # The first departure counts: marking again (at every start) must not restart the clock.
            "ON CONFLICT (guild_id) DO UPDATE SET left_at = COALESCE(guild_settings.left_at, excluded.left_at), "
            "updated_at = excluded.updated_at",
            (guild_id, now, now),
        )

    async def guilds_with_data(self) -> set[int]:
        """Every guild the database holds anything for and has not marked as left (cross-guild)."""
        rows = await self.db.fetchall(
            "SELECT guild_id FROM guild_settings WHERE left_at IS NULL "
            "UNION SELECT DISTINCT guild_id FROM checks UNION SELECT DISTINCT guild_id FROM reviews "
            "UNION SELECT DISTINCT guild_id FROM watches UNION SELECT DISTINCT guild_id FROM bulk_audits "
            "EXCEPT SELECT guild_id FROM guild_settings WHERE left_at IS NOT NULL"
        )
        return {int(r[0]) for r in rows}

    async def mark_rejoined(self, guild_id: int, now: float) -> None:
        await self.db.execute(
            "UPDATE guild_settings SET left_at = NULL, updated_at = ? WHERE guild_id = ? AND left_at IS NOT NULL",
            (now, guild_id),
        )

    async def guilds_to_purge(self, now: float, retention_days: float) -> list[int]:
        """Guilds the bot left more than `retention_days` ago (cross-guild, for the purge job)."""
        rows = await self.db.fetchall(
            "SELECT guild_id FROM guild_settings WHERE left_at IS NOT NULL AND left_at <= ? ORDER BY left_at",
            (now - retention_days * 86400.0,),
        )
        return [int(r[0]) for r in rows]

    async def purge_guild(self, guild_id: int, *, left_before: float) -> bool:
        """Delete everything stored for a guild, in one transaction, if it is still gone.

        The left_at check runs inside the transaction, so a guild that re-added the bot after the
        purge list was made keeps its data. Returns whether anything was purged.
        """
        async with self.db.transaction() as db:
            # The row stays locked until the purge commits: a rejoin meanwhile waits and then
            # finds nothing to mark (PostgreSQL; SQLite's write transaction excludes it anyway).
            row = await db.fetchone(
                "SELECT 1 FROM guild_settings WHERE guild_id = ? AND left_at IS NOT NULL AND left_at <= ?"  # noqa: S608
                + db.dialect.for_update,  # a constant of the engine, no user input
                (guild_id, left_before),
            )
            if row is None:
                return False
            for table in _PURGE_TABLES:
                await db.execute(f"DELETE FROM {table} WHERE guild_id = ?", (guild_id,))  # noqa: S608
            await db.execute("DELETE FROM guild_settings WHERE guild_id = ?", (guild_id,))
        return True

