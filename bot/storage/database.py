"""One SQLite database per process: WAL, foreign keys, a busy timeout, numbered migrations."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiosqlite

log = logging.getLogger(__name__)


class StorageBusyError(RuntimeError):
    """The database stayed locked past the busy timeout; nothing was written."""


def _migrations() -> list[tuple[int, str, str]]:
    found = []
    for entry in resources.files("bot.storage.migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    found.sort()
    numbers = [n for n, _, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migrations must be numbered 0001.. without gaps, found {numbers}")
    return found


LATEST_VERSION = len(_migrations())


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


class Database:
    """A thin wrapper over one aiosqlite connection.

    Repositories take a Database; they never open connections of their own, so a test or the
    CLI can hand them any file. Writes that belong together go through `transaction()`.
    """

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        # One connection is shared by every task: a statement of another task must neither join
        # an open transaction (and be rolled back with it) nor start one inside it.
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None

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
    async def open(
        cls, path: Path | str, *, busy_timeout_ms: int = 5000, migrate: bool = True, read_only: bool = False
    ) -> Database:
        """Open (and create, migrate) the database. read_only: an existing file, opened so that
        nothing is written to it, not even the switch to WAL (an export from a backup copy)."""
        path = Path(path)
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
        db = cls(conn, path)
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

    async def close(self) -> None:
        await self.conn.close()

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def user_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0])

    async def migrate(self) -> int:
        """Apply every migration newer than PRAGMA user_version, each in its own transaction.

        The version is read again inside each migration's write lock: a second process opening
        the same fresh file at the same moment (the bot and `python -m bot backup`) then finds the
        migration applied instead of applying it twice.
        """
        self._refuse_newer(await self.user_version())
        for number, name, sql in _migrations():
            async with self.transaction():
                current = await self.user_version()
                self._refuse_newer(current)
                if number <= current:
                    continue
                log.info("applying migration %s", name)
                for statement in _statements(sql):
                    await self.conn.execute(statement)
                await self.conn.execute(f"PRAGMA user_version = {number}")
        return await self.user_version()

    @staticmethod
    def _refuse_newer(version: int) -> None:
        if version > LATEST_VERSION:
            raise RuntimeError(
                f"database schema version {version} is newer than this bot ({LATEST_VERSION}); upgrade the bot"
            )

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Cursor:
        """One statement; outside a transaction it commits by itself (autocommit mode)."""
        async with self._turn():
            try:
                return await self.conn.execute(sql, tuple(params))
            except sqlite3.OperationalError as exc:
                raise _busy_or(exc) from exc

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        async with self._turn():
            try:
                await self.conn.executemany(sql, rows)
            except sqlite3.OperationalError as exc:
                raise _busy_or(exc) from exc

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        async with self._turn():
            try:
                cursor = await self.conn.execute(sql, tuple(params))
                try:
                    return await cursor.fetchone()
                finally:
                    await cursor.close()
            except sqlite3.OperationalError as exc:
                raise _busy_or(exc) from exc

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        async with self._turn():
            try:
                cursor = await self.conn.execute(sql, tuple(params))
                try:
                    return list(await cursor.fetchall())
                finally:
                    await cursor.close()
            except sqlite3.OperationalError as exc:
                raise _busy_or(exc) from exc

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Database]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any error so nothing is half-written.

        Transactions of different tasks run one after another; statements of the owning task
        inside the block pass straight through.
        """
        if self._owner is not None and self._owner is asyncio.current_task():
            raise RuntimeError("nested transaction on the same connection")
        async with self._lock:
            self._owner = asyncio.current_task()
            try:
                try:
                    await self.conn.execute("BEGIN IMMEDIATE")
                except sqlite3.OperationalError as exc:
                    raise _busy_or(exc) from exc
                try:
                    yield self
                except BaseException:
                    await self.conn.rollback()
                    raise
                try:
                    await self.conn.commit()
                except sqlite3.OperationalError as exc:
                    await self.conn.rollback()
                    raise _busy_or(exc) from exc
            finally:
                self._owner = None

    async def integrity_check(self) -> str:
        row = await self.fetchone("PRAGMA integrity_check")
        return str(row[0])


def _busy_or(exc: sqlite3.OperationalError) -> Exception:
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return StorageBusyError("the database is busy; try again in a moment")
    return exc
