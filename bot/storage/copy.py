"""`python -m bot storage copy --from SRC --to DST`: a whole history from one database to another
(an SQLite file to PostgreSQL when a community moves up, and back), verified table by table.

The destination is created and migrated like any start of the bot, must hold no rows, and is
written in one transaction: a copy that fails leaves it empty. Each table is read in primary-key
order, in batches (keyset paging, nothing held open between them), and both sides are counted and
checksummed in the same order before the commit, so a difference between engines in how a value comes
back (an integer stored in a REAL column, say) shows up as a mismatch instead of passing unseen.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from bot.storage.database import LATEST_VERSION, Database, TableShape

BATCH_ROWS = 2000

# Parents before children, so every foreign key finds its row. A table missing here is refused
# (a new table must be placed in this order: see test_copy_covers_every_table).
COPY_ORDER: tuple[str, ...] = (
    "bot_state",
    "guild_settings",
    "history_filters",
    "checks",
    "reviews",
    "review_factor_messages",
    "votes",
    "vote_resets",
    "audit_log",
    "bulk_audits",
    "bulk_audit_rows",
    "audit_access",
    "watches",
    "watch_observations",
)


class CopyError(RuntimeError):
    """The copy cannot start or did not verify; the message is one line for the owner."""


@dataclass(frozen=True)
class TableCopy:
    table: str
    rows: int
    checksum: str


def _order(shapes: Sequence[TableShape]) -> list[TableShape]:
    by_name = {t.name: t for t in shapes}
    unknown = sorted(set(by_name) - set(COPY_ORDER))
    if unknown:
        raise CopyError(f"tables this copy does not know: {', '.join(unknown)} (add them to COPY_ORDER)")
    return [by_name[name] for name in COPY_ORDER if name in by_name]


async def _batches(db: Database, table: TableShape) -> AsyncIterator[list[Any]]:
    """Every row of the table in primary-key order, BATCH_ROWS at a time (keyset paging)."""
    if not table.primary_key:
        raise CopyError(f"table {table.name} has no primary key to page by")
    columns = ", ".join(table.columns)
    key = ", ".join(table.primary_key)
    positions = [table.columns.index(k) for k in table.primary_key]
    marks = ", ".join("?" for _ in table.primary_key)
    last: list[Any] | None = None
    while True:
        # Names come from the database's own catalogue (checked against COPY_ORDER), values are parameters.
        if last is None:
            sql = f"SELECT {columns} FROM {table.name} ORDER BY {key} LIMIT ?"  # noqa: S608
            params: list[Any] = [BATCH_ROWS]
        else:
            sql = f"SELECT {columns} FROM {table.name} WHERE ({key}) > ({marks}) ORDER BY {key} LIMIT ?"  # noqa: S608
            params = [*last, BATCH_ROWS]
        rows = [tuple(r) for r in await db.fetchall(sql, params)]
        if not rows:
            return
        yield rows
        last = [rows[-1][p] for p in positions]


def _json_value(value: Any) -> Any:
    # Binary columns (an audit's uploaded export: BLOB / BYTEA) have no JSON form: hex, tagged so
    # that they never equal a text value.
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"bytes": bytes(value).hex()}
    raise TypeError(f"a {type(value).__name__} value cannot be checksummed")


def _canonical(row: Sequence[Any]) -> bytes:
    # JSON of the values as Python sees them: ints stay ints, floats keep every bit (repr), text is text.
    return (json.dumps(list(row), ensure_ascii=False, separators=(",", ":"), default=_json_value) + "\n").encode("utf-8")


async def table_summary(db: Database, table: TableShape) -> TableCopy:
    digest = hashlib.sha256()
    count = 0
    async for rows in _batches(db, table):
        count += len(rows)
        for row in rows:
            digest.update(_canonical(row))
    return TableCopy(table.name, count, digest.hexdigest())


async def copy_database(source: Database, destination: Database) -> list[TableCopy]:
    """Copy every table; returns each table's row count and checksum (equal on both sides)."""
    for db, side in ((source, "source"), (destination, "destination")):
        version = await db.user_version()
        if version != LATEST_VERSION:
            raise CopyError(
                f"the {side} {db.description} has schema version {version}, this bot {LATEST_VERSION}: "
                "start the bot (or doctor) on it first, or use the matching bot version"
            )
    tables = _order(await source.tables())
    dest_tables = {t.name: t for t in _order(await destination.tables())}
    for table in tables:
        theirs = dest_tables.get(table.name)
        if theirs is None or set(theirs.columns) != set(table.columns):
            raise CopyError(f"table {table.name} differs between the source and the destination")
        row = await destination.fetchone(f"SELECT COUNT(*) FROM {table.name}")  # noqa: S608 - catalogue name
        if row is not None and int(row[0]) > 0:
            raise CopyError(
                f"the destination {destination.description} is not empty ({table.name} has {int(row[0])} rows); "
                "copy into a new, empty database"
            )
    async with destination.transaction() as dest:
        for table in tables:
            columns = ", ".join(table.columns)
            marks = ", ".join("?" for _ in table.columns)
            insert = f"INSERT INTO {table.name} ({columns}) VALUES ({marks})"  # noqa: S608 - catalogue names
            async for rows in _batches(source, table):
                await dest.executemany(insert, rows)
        reset = getattr(dest, "reset_id_sequences", None)
        if reset is not None:
            await reset()
        # Verified before the commit (the destination is read inside its own transaction): a
        # mismatch rolls everything back and leaves the destination empty.
        results = []
        for table in tables:
            mine, copied = await table_summary(source, table), await table_summary(dest, table)
            if mine != copied:
                raise CopyError(
                    f"table {table.name} did not verify: source {mine.rows} rows {mine.checksum[:12]}, "
                    f"destination {copied.rows} rows {copied.checksum[:12]}; nothing was written"
                )
            results.append(mine)
    return results
