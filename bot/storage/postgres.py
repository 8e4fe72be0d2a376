"""PostgreSQL behind the Database interface: an asyncpg pool shared by many processes.

Statements arrive with `?` placeholders and are sent with `$n` (bot.storage.dialect). A
transaction holds one pooled connection for the task that opened it; statements of that task
inside it use that connection, every other task's statements use other connections, so no task
waits on another's open transaction as it must with SQLite's single connection.

A lost connection (the server restarted, an administrator ended our sessions) is retried with
backoff for a statement on its own; inside a transaction it raises StorageUnavailableError, a
StorageBusyError, so the caller that owns the transaction retries it whole (the vote writer does).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any
from urllib.parse import unquote, urlsplit

import asyncpg

from bot.storage.database import (
    Database,
    IntegrityError,
    Result,
    StorageBusyError,
    StorageOpenError,
    StorageUnavailableError,
    TableShape,
    migrations_for,
    refuse_newer,
)
from bot.storage.dialect import POSTGRESQL, to_numbered

log = logging.getLogger(__name__)

# Held (transaction-scoped) while migrating, so that processes starting together migrate once.
MIGRATION_LOCK_KEY = 0x5EC0_0D0F
# The lock class of the IDENTIFY buckets (pg_advisory_xact_lock(class, bucket)).
IDENTIFY_LOCK_CLASS = 0x5EC0
CONNECT_TIMEOUT_SECONDS = 10.0
# A statement outside a transaction whose connection was lost is tried again after each delay
# (the first at once: the usual cause is one dropped connection, and the pool opens a new one).
RETRY_DELAYS: tuple[float, ...] = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
# Set on every connection of the pool. asyncpg prepares each statement once per connection, and
# after five runs PostgreSQL may switch a prepared statement to a generic plan made without its
# parameters: /history search then plans for an unknown word, and one that most reviews hold
# (0.3 ms with its own plan) goes through the trigram indexes instead (41 ms at 1,000,000
# reviews, bench/history_scale.py --postgres). A custom plan each time costs a few hundredths of
# a millisecond of planning.
SERVER_SETTINGS = {"plan_cache_mode": "force_custom_plan"}

_CONNECTION_LOST: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,  # 08xxx: the connection does not exist / failed
    asyncpg.exceptions.OperatorInterventionError,  # 57xxx: admin shutdown, crash, cannot connect now
    asyncpg.exceptions.TooManyConnectionsError,
    ConnectionError,
    OSError,
    TimeoutError,
)
_RETRY_TRANSACTION: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.DeadlockDetectedError,
)


def _lost(exc: BaseException) -> bool:
    if isinstance(exc, _CONNECTION_LOST):
        return True
    # A statement sent before asyncpg read the server's goodbye finds the protocol in a state it
    # cannot leave: the connection is as good as lost.
    if isinstance(exc, asyncpg.exceptions.InternalClientError):
        return True
    # asyncpg reports a pooled connection closed under it as an InterfaceError: "connection is
    # closed", or, once the pool has taken the dead connection back, "released back to the pool".
    return isinstance(exc, asyncpg.InterfaceError) and ("closed" in str(exc) or "released back" in str(exc))


def _discard(conn: asyncpg.Connection) -> None:
    """Close a connection that lost its session, so the pool opens a new one instead of reusing it."""
    try:
        conn.terminate()
    except asyncpg.InterfaceError:  # a pool proxy whose dead connection the pool took back already
        pass


@contextmanager
def _pg_errors() -> Iterator[None]:
    try:
        yield
    except asyncpg.IntegrityConstraintViolationError as exc:
        raise IntegrityError(str(exc)) from exc
    except _RETRY_TRANSACTION as exc:
        raise StorageBusyError(f"the database is busy ({exc.__class__.__name__}); try again in a moment") from exc
    except Exception as exc:
        if _lost(exc):
            raise StorageUnavailableError(f"the database connection was lost: {exc}") from exc
        raise


def _rowcount(status: str | None) -> int:
    # "UPDATE 3", "DELETE 0", "INSERT 0 1": the count is the last word.
    last = (status or "").rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


def describe_url(url: str) -> str:
    """host:port/database of a postgresql:// URL, without user or password (for messages)."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    try:
        port = parts.port or 5432
    except ValueError:
        port = 5432
    database = unquote(parts.path.lstrip("/")) or (unquote(parts.username or "") or "postgres")
    return f"{host}:{port}/{database}"


def _open_reason(exc: BaseException, secrets: Sequence[str]) -> str:
    if isinstance(exc, ConnectionRefusedError):
        reason = "connection refused (is the server running and listening there?)"
    elif isinstance(exc, TimeoutError):
        reason = f"no answer within {CONNECT_TIMEOUT_SECONDS:g} s"
    elif isinstance(exc, OSError) and exc.strerror:
        reason = exc.strerror
    else:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    for secret in secrets:
        if secret:
            reason = reason.replace(secret, "***")
    return reason


class PostgresDatabase(Database):
    dialect = POSTGRESQL

    def __init__(self, pool: asyncpg.Pool, url: str, password: str | None) -> None:
        self._pool = pool
        self._url = url
        self._password = password
        # (task, connection) of the transaction open in this context. The task is compared too:
        # a task started inside a transaction inherits the context but must not use its connection.
        self._held: contextvars.ContextVar[tuple[asyncio.Task[Any] | None, asyncpg.Connection] | None] = (
            contextvars.ContextVar(f"pg-transaction-{id(self)}", default=None)
        )

    @property
    def description(self) -> str:
        return describe_url(self._url)

    @classmethod
    async def connect(
        cls, url: str, *, password: str | None = None, migrate: bool = True, max_size: int = 10
    ) -> PostgresDatabase:
        """Connect (and migrate). A server that is down or refuses us is a StorageOpenError with
        one line naming the server and the reason."""
        secrets = [password or "", urlsplit(url).password or ""]
        try:
            pool = await asyncpg.create_pool(
                url,
                password=password,
                min_size=1,
                max_size=max_size,
                timeout=CONNECT_TIMEOUT_SECONDS,
                server_settings=SERVER_SETTINGS,
            )
        except Exception as exc:
            raise StorageOpenError(f"PostgreSQL {describe_url(url)}: {_open_reason(exc, secrets)}") from None
        db = cls(pool, url, password)
        if migrate:
            try:
                await db.migrate()
            except BaseException:
                await db.close()
                raise
        return db

    async def open_another(self) -> PostgresDatabase:
        return await PostgresDatabase.connect(self._url, password=self._password, migrate=False, max_size=2)

    async def close(self) -> None:
        await self._pool.close()

    def _mine(self) -> asyncpg.Connection | None:
        held = self._held.get()
        if held is not None and held[0] is asyncio.current_task():
            return held[1]
        return None

    async def _run(self, method: str, sql: str, args: Sequence[Any]) -> Any:
        """One statement: on the transaction's connection, or on a pooled one with retries."""
        query = to_numbered(sql)
        conn = self._mine()
        if conn is not None:
            with _pg_errors():
                return await getattr(conn, method)(query, *args)
        for attempt, delay in enumerate((*RETRY_DELAYS, None)):
            try:
                with _pg_errors():
                    async with self._pool.acquire() as pooled:
                        try:
                            return await getattr(pooled, method)(query, *args)
                        except Exception as exc:
                            if _lost(exc):
                                _discard(pooled)
                            raise
            except StorageUnavailableError as exc:
                if delay is None:
                    raise
                log.warning("database connection lost (%s); retry %d in %.2fs", exc.__cause__, attempt + 1, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _acquire(self) -> asyncpg.Connection:
        """A pooled connection for a transaction; while the server cannot be reached, wait for it
        with the same backoff as a single statement (a restart, a fail-over)."""
        for attempt, delay in enumerate((*RETRY_DELAYS, None)):
            try:
                with _pg_errors():
                    return await self._pool.acquire()
            except StorageUnavailableError as exc:
                if delay is None:
                    raise
                log.warning("database unreachable (%s); retry %d in %.2fs", exc.__cause__, attempt + 1, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> Result:
        return Result(_rowcount(await self._run("execute", sql, tuple(params))))

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        batch = [tuple(r) for r in rows]
        if batch:
            await self._run("executemany", sql, (batch,))

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> asyncpg.Record | None:
        return await self._run("fetchrow", sql, tuple(params))

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[asyncpg.Record]:
        return list(await self._run("fetch", sql, tuple(params)))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresDatabase]:
        if self._mine() is not None:
            raise RuntimeError("nested transaction on the same connection")
        conn = await self._acquire()
        try:
            token = self._held.set((asyncio.current_task(), conn))
            try:
                tx = conn.transaction()
                with _pg_errors():
                    await tx.start()
                try:
                    yield self
                except BaseException as exc:
                    if isinstance(exc, StorageUnavailableError):
                        _discard(conn)
                    try:
                        await tx.rollback()
                    except Exception as exc:  # a lost connection rolled back by itself; the original error matters
                        log.debug("rollback failed: %r", exc)
                    raise
                with _pg_errors():
                    await tx.commit()
            finally:
                self._held.reset(token)
        finally:
            try:
                await self._pool.release(conn)
            except Exception as exc:
                # Releasing resets the session; on a lost connection that fails, and the pool has
                # then closed it and will open a new one. The transaction's outcome stands.
                log.debug("release after a lost connection: %r", exc)

    async def tables(self) -> list[TableShape]:
        names = [r[0] for r in await self.fetchall(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE' AND table_name != 'schema_version' ORDER BY table_name"
        )]
        shapes = []
        for name in names:
            columns = await self.fetchall(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = ? ORDER BY ordinal_position",
                (name,),
            )
            key = await self.fetchall(
                "SELECT a.attname FROM pg_index AS i "
                "JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) ON true "
                "JOIN pg_attribute AS a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
                "WHERE i.indrelid = CAST(? AS regclass) AND i.indisprimary ORDER BY k.n",
                (name,),
            )
            shapes.append(TableShape(name, tuple(r[0] for r in columns), tuple(r[0] for r in key)))
        return shapes

    async def reset_id_sequences(self) -> None:
        """After rows were copied in with their ids, start each identity column after the largest."""
        for table in await self.tables():
            row = await self.fetchone("SELECT pg_get_serial_sequence(?, 'id')", (table.name,)) if "id" in table.columns else None
            if row is not None and row[0] is not None:
                # The table name comes from the catalogue above, never from a user.
                await self.execute(
                    f"SELECT setval(?, COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)",  # noqa: S608
                    (row[0],),
                )

    async def identify_turn(
        self,
        bucket: int,
        interval: float,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> float:
        """Wait for this process's turn to IDENTIFY a shard of `bucket`: at most one IDENTIFY per
        bucket per `interval` seconds across every process sharing this database (Discord's
        max_concurrency rule). The bucket's advisory lock queues the processes; the last
        IDENTIFY's time (the server's clock, the same for every process) says how long to wait.
        Returns the seconds waited."""
        key = f"identify:{bucket}"
        async with self.transaction():
            await self.execute("SELECT pg_advisory_xact_lock(?, ?)", (IDENTIFY_LOCK_CLASS, bucket))
            row = await self.fetchone(
                "SELECT EXTRACT(EPOCH FROM clock_timestamp()), "
                "(SELECT CAST(value AS DOUBLE PRECISION) FROM bot_state WHERE key = ?)",
                (key,),
            )
            assert row is not None
            now, last = float(row[0]), (float(row[1]) if row[1] is not None else None)
            wait = 0.0 if last is None else max(0.0, last + interval - now)
            if wait:
                await sleep(wait)  # holding the lock: the next process waits behind this one
            await self.execute(
                "INSERT INTO bot_state (key, value) VALUES (?, CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS TEXT)) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key,),
            )
        return wait

    async def user_version(self) -> int:
        # Two statements: a query naming a table that does not exist fails when it is parsed.
        exists = await self.fetchone("SELECT to_regclass('schema_version') IS NOT NULL")
        if exists is None or not exists[0]:
            return 0
        row = await self.fetchone("SELECT COALESCE(MAX(version), 0) FROM schema_version")
        return int(row[0]) if row is not None else 0

    async def migrate(self) -> int:
        """Apply every pending migration, each in its own transaction under an advisory lock: a
        second process starting at the same moment waits, then finds the migration applied. DDL is
        transactional in PostgreSQL, so a failing migration leaves nothing half-made."""
        refuse_newer(await self.user_version())
        for migration in migrations_for(self.engine):
            async with self.transaction():
                await self.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK_KEY,))
                await self.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
                current = await self.user_version()
                refuse_newer(current)
                if migration.number <= current:
                    continue
                log.info("applying migration %s (postgresql)", migration.name)
                conn = self._mine()
                assert conn is not None
                with _pg_errors(), self._migration_refused(migration.name):
                    # No parameters: the simple query protocol runs the whole script in this transaction.
                    await conn.execute(migration.sql)
                await self.execute("DELETE FROM schema_version")
                await self.execute("INSERT INTO schema_version (version) VALUES (?)", (migration.number,))
        return await self.user_version()

    @contextmanager
    def _migration_refused(self, name: str) -> Iterator[None]:
        """A migration the server refuses for want of a privilege or a server package (pg_trgm's
        CREATE EXTENSION, 0008) is a StorageOpenError of one line saying what to ask for."""
        try:
            yield
        except asyncpg.InsufficientPrivilegeError as exc:
            extension = _extension_named(exc)
            if extension is None:
                raise StorageOpenError(
                    f"PostgreSQL {self.description}: migration {name}: {_first_line(exc)} "
                    "(run the bot once as the database's owner, or ask the DBA to grant the privilege)"
                ) from None
            raise StorageOpenError(
                f"PostgreSQL {self.description}: migration {name} needs the {extension} extension and this role "
                f"may not create it: ask the DBA to run `CREATE EXTENSION {extension};` in database "
                f"{self._database()} (or make this role the database's owner), then start again"
            ) from None
        except asyncpg.UndefinedFileError as exc:
            extension = _extension_named(exc)
            if extension is None:
                raise
            raise StorageOpenError(
                f"PostgreSQL {self.description}: migration {name} needs the {extension} extension, which this "
                f"server does not have: install the server's contrib package (Debian: postgresql-contrib), then "
                "start again"
            ) from None

    def _database(self) -> str:
        return self.description.rpartition("/")[2]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__


def _extension_named(exc: BaseException) -> str | None:
    """The extension a CREATE EXTENSION error is about: 'permission denied to create extension
    "pg_trgm"', 'could not open extension control file ".../pg_trgm.control"'."""
    found = re.search(r'extension "([A-Za-z0-9_]+)"', str(exc)) or re.search(
        r'/([A-Za-z0-9_]+)\.control"', str(exc))
    return found.group(1) if found else None
