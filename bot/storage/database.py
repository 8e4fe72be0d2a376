"""The storage engine behind every repository: SQLite (one file, WAL) or PostgreSQL (a shared server).

Repositories take a Database and call execute / executemany / fetchone / fetchall / transaction
with `?` placeholders; the engine adapts the statement (bot.storage.dialect) and turns its own
errors into the ones below. `Database.open` picks the engine from what it is given: a path is an
SQLite file, a `postgresql://` URL a PostgreSQL database.

Migrations are one numbered history, `migrations/NNNN_name.sql`; where PostgreSQL needs different
SQL, `NNNN_name.postgresql.sql` beside it replaces that file for PostgreSQL only.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiosqlite

from bot.storage.dialect import SQLITE, Dialect

log = logging.getLogger(__name__)

POSTGRESQL_SCHEMES = ("postgresql://", "postgres://")
# Where a PostgreSQL password comes from when the URL has none (else asyncpg reads ~/.pgpass).
PASSWORD_VARIABLE = "SECOND_OPINION_DB_PASSWORD"


class StorageBusyError(RuntimeError):
    """The database stayed locked past the busy timeout; nothing was written."""


class StorageUnavailableError(StorageBusyError):
    """The connection to the database server was lost; the statement (or the whole transaction)
    did not happen and may be tried again. A StorageBusyError, so callers that retry a busy
    database (the vote writer) retry this too."""


class StorageOpenError(RuntimeError):
    """The database cannot be opened at all; the message is one line for the owner, naming the
    file or the server and the reason (never a password)."""


class IntegrityError(Exception):
    """A constraint refused the write (a unique index, a foreign key, a CHECK), on either engine."""


@dataclass(frozen=True)
class Result:
    """What a write statement reports. There is no lastrowid: PostgreSQL has none, so a new id
    comes back with `INSERT … RETURNING id` and fetchone, which both engines answer."""

    rowcount: int


@dataclass(frozen=True)
class TableShape:
    """A table as the copy between engines sees it: columns in order, primary key columns."""

    name: str
    columns: tuple[str, ...]
    primary_key: tuple[str, ...]


def is_postgresql_url(target: object) -> bool:
    return isinstance(target, str) and target.startswith(POSTGRESQL_SCHEMES)


@dataclass(frozen=True)
class Migration:
    number: int
    name: str  # the base file's name, the same for both engines
    sql: str


def migrations_for(engine: str = "sqlite") -> list[Migration]:
    """The numbered history for one engine: each NNNN_name.sql, or its NNNN_name.<engine>.sql."""
    base: dict[int, tuple[str, str]] = {}
    variants: dict[str, str] = {}
    for entry in resources.files("bot.storage.migrations").iterdir():
        name = entry.name
        if not (name.endswith(".sql") and name[:4].isdigit()):
            continue
        stem, _, _ = name[: -len(".sql")].partition(".")
        if stem + ".sql" == name:
            number = int(name[:4])
            if number in base:
                raise RuntimeError(f"two migrations numbered {number:04d}: {base[number][0]} and {name}")
            base[number] = (name, entry.read_text(encoding="utf-8"))
        else:
            variants[name] = entry.read_text(encoding="utf-8")
    numbers = sorted(base)
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migrations must be numbered 0001.. without gaps, found {numbers}")
    known = {name[: -len(".sql")] for name, _ in base.values()}
    for variant in variants:
        stem, _, suffix = variant[: -len(".sql")].partition(".")
        if stem not in known or suffix not in ("sqlite", "postgresql"):
            raise RuntimeError(f"migration variant {variant} has no base file {stem}.sql or names no engine")
    out = []
    for number in numbers:
        name, sql = base[number]
        out.append(Migration(number, name, variants.get(f"{name[:-len('.sql')]}.{engine}.sql", sql)))
    return out


LATEST_VERSION = len(migrations_for())


def refuse_newer(version: int) -> None:
    if version > LATEST_VERSION:
        raise RuntimeError(
            f"database schema version {version} is newer than this bot ({LATEST_VERSION}); upgrade the bot"
        )


class Database(ABC):
    """One database, either engine. Repositories take a Database; they never open connections of
    their own, so a test or the CLI can hand them any database. Writes that belong together go
    through `transaction()`; inside it, the owning task's statements join the transaction and
    other tasks' statements wait for it (SQLite) or use another connection (PostgreSQL)."""

    dialect: Dialect = SQLITE

    @property
    def engine(self) -> str:
        return self.dialect.name

    @property
    @abstractmethod
    def description(self) -> str:
        """Where the data lives, for messages: a file path, or host:port/database (no password)."""

    @classmethod
    async def open(
        cls,
        target: Path | str,
        *,
        busy_timeout_ms: int = 5000,
        migrate: bool = True,
        read_only: bool = False,
        password: str | None = None,
    ) -> Database:
        """Open (and create, migrate) the database: an SQLite path or a postgresql:// URL.

        read_only (SQLite): an existing file, opened so that nothing is written to it.
        password (PostgreSQL): used when the URL carries none; else asyncpg reads ~/.pgpass."""
        if is_postgresql_url(target):
            from bot.storage.postgres import PostgresDatabase  # asyncpg is loaded only when used

            return await PostgresDatabase.connect(str(target), password=password, migrate=migrate)
        return await SqliteDatabase.connect(
            Path(target), busy_timeout_ms=busy_timeout_ms, migrate=migrate, read_only=read_only
        )

    @abstractmethod
    async def open_another(self) -> Database:
        """A second handle on the same database, with connections of its own (the vote writer's
        long transactions must not hold up everyone else's statements)."""

    @abstractmethod
    async def close(self) -> None: ...

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @abstractmethod
    async def user_version(self) -> int:
        """The schema version: the number of the last migration applied."""

    @abstractmethod
    async def migrate(self) -> int: ...

    @abstractmethod
    async def execute(self, sql: str, params: Iterable[Any] = ()) -> Result:
        """One statement; outside a transaction it commits by itself."""

    @abstractmethod
    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None: ...

    @abstractmethod
    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Any | None:
        """The first row (indexable by position and by column name, iterable), or None."""

    @abstractmethod
    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Any]: ...

    @abstractmethod
    def transaction(self) -> Any:
        """`async with db.transaction() as db:` all or nothing; nested use in one task is an error."""

    @abstractmethod
    async def tables(self) -> list[TableShape]:
        """The application's tables (not the engine's own, nor the schema version's), by name."""


async def _enable_wal(conn: aiosqlite.Connection, wait_seconds: float) -> None:
    """Switch to WAL, waiting while another connection holds the file. Switching needs the file to
    itself, and SQLite answers "locked" at once instead of calling the busy handler: a second
    process opening a fresh file that the first is still migrating retries for up to `wait_seconds`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_seconds
    while True:
        try:
            await conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or loop.time() >= deadline:
                raise
        await asyncio.sleep(0.02)


def read_only_uri(path: Path) -> str:
    """An SQLite URI that opens an existing file read-only: nothing can be created, migrated or
    written. Quoted, so a '?', '#' or '%' in the path stays part of the file name."""
    return f"file:{quote(Path(path).resolve().as_posix())}?mode=ro"


def _statements(script: str) -> list[str]:
    """The statements of a migration script, one by one (a trigger's BEGIN … END stays whole):
    executescript would commit the transaction the version check runs in."""
    out: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            out.append(pending.strip())
            pending = ""
    if pending.strip():
        out.append(pending.strip())
    return out


class SqliteDatabase(Database):
    """One aiosqlite connection to one file (WAL, foreign keys, a busy timeout)."""

    dialect = SQLITE

    def __init__(self, conn: aiosqlite.Connection, path: Path, busy_timeout_ms: int = 5000) -> None:
        self.conn = conn
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms
        # One connection is shared by every task: a statement of another task must neither join
        # an open transaction (and be rolled back with it) nor start one inside it.
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None

    @property
    def description(self) -> str:
        return str(self.path)

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        """This task's turn on the shared connection: the lock, unless the task already holds it
        inside its own transaction() (whose statements must not wait for themselves)."""
        if self._owner is not None and self._owner is asyncio.current_task():
            yield
            return
        async with self._lock:
            yield

    @classmethod
    async def connect(
        cls, path: Path, *, busy_timeout_ms: int = 5000, migrate: bool = True, read_only: bool = False
    ) -> SqliteDatabase:
        if read_only:
            target, uri = read_only_uri(path), True
        else:
            if str(path) != ":memory:":
                path.parent.mkdir(parents=True, exist_ok=True)
            target, uri = str(path), False
        pending = aiosqlite.connect(target, uri=uri, timeout=busy_timeout_ms / 1000, isolation_level=None)
        try:
            conn = await pending
        except BaseException:
            # aiosqlite stops its worker thread without waiting for it: wait while the loop still
            # runs, or the thread reports to a closed loop as the process exits.
            thread = getattr(pending, "_thread", None)
            if thread is not None:
                await asyncio.to_thread(thread.join, 5)
            raise
        conn.row_factory = aiosqlite.Row
        db = cls(conn, path, busy_timeout_ms)
        try:
            await conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            if not read_only:
                await _enable_wal(conn, busy_timeout_ms / 1000)
                await conn.execute("PRAGMA synchronous = NORMAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            if migrate and not read_only:
                await db.migrate()
        except BaseException:
            await conn.close()
            raise
        return db

    async def open_another(self) -> SqliteDatabase:
        return await SqliteDatabase.connect(self.path, busy_timeout_ms=self.busy_timeout_ms, migrate=False)

    async def close(self) -> None:
        await self.conn.close()

    async def user_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0])

    async def migrate(self) -> int:
        """Apply every migration newer than PRAGMA user_version, each in its own transaction.

        The version is read again inside each migration's write lock: a second process opening
        the same fresh file at the same moment (the bot and `python -m bot backup`) then finds the
        migration applied instead of applying it twice.
        """
        refuse_newer(await self.user_version())
        for migration in migrations_for(self.engine):
            async with self.transaction():
                current = await self.user_version()
                refuse_newer(current)
                if migration.number <= current:
                    continue
                log.info("applying migration %s", migration.name)
                for statement in _statements(migration.sql):
                    await self.conn.execute(statement)
                await self.conn.execute(f"PRAGMA user_version = {migration.number}")
        return await self.user_version()

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> Result:
        async with self._turn():
            with _sqlite_errors():
                cursor = await self.conn.execute(sql, tuple(params))
                try:
                    return Result(cursor.rowcount)
                finally:
                    await cursor.close()

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        async with self._turn():
            with _sqlite_errors():
                await self.conn.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        async with self._turn():
            with _sqlite_errors():
                cursor = await self.conn.execute(sql, tuple(params))
                try:
                    return await cursor.fetchone()
                finally:
                    await cursor.close()

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        async with self._turn():
            with _sqlite_errors():
                cursor = await self.conn.execute(sql, tuple(params))
                try:
                    return list(await cursor.fetchall())
                finally:
                    await cursor.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteDatabase]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any error so nothing is half-written.

        Transactions of different tasks run one after another; statements of the owning task
        inside the block pass straight through.
        """
        if self._owner is not None and self._owner is asyncio.current_task():
            raise RuntimeError("nested transaction on the same connection")
        async with self._lock:
            self._owner = asyncio.current_task()
            try:
                with _sqlite_errors():
                    await self.conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self
                except BaseException:
                    await self.conn.rollback()
                    raise
                try:
                    with _sqlite_errors():
                        await self.conn.commit()
                except BaseException:
                    await self.conn.rollback()
                    raise
            finally:
                self._owner = None

    async def integrity_check(self) -> str:
        row = await self.fetchone("PRAGMA integrity_check")
        return str(row[0])

    async def tables(self) -> list[TableShape]:
        names = [r[0] for r in await self.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
        )]
        shapes = []
        for name in names:
            info = await self.fetchall("SELECT name, pk FROM pragma_table_info(?) ORDER BY cid", (name,))
            key = tuple(r[0] for r in sorted((r for r in info if r[1]), key=lambda r: r[1]))
            shapes.append(TableShape(name, tuple(r[0] for r in info), key))
        return shapes


@contextmanager
def _sqlite_errors() -> Iterator[None]:
    try:
        yield
    except sqlite3.IntegrityError as exc:
        raise IntegrityError(str(exc)) from exc
    except sqlite3.OperationalError as exc:
        text = str(exc).lower()
        if "locked" in text or "busy" in text:
            raise StorageBusyError("the database is busy; try again in a moment") from exc
        raise
