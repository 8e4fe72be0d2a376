"""Pacing IDENTIFYs across every process of a sharded bot.

Discord allows one IDENTIFY per rate-limit bucket (``shard_id % max_concurrency``) every 5
seconds, counted over the whole bot, not per process. discord.py 2.7.1 only paces within one
process (its default ``before_identify_hook`` sleeps 5 s before every identify but the first, and
ignores max_concurrency), so processes started together would identify at once and trip the
limit. The bot's hook instead takes the bucket from an :class:`IdentifyGate` shared by the
processes, and keeps it for 5 seconds after its IDENTIFY has gone out.

A gate only has to hold one bucket at a time across processes: an in-process lock (one process),
a lock file (processes on one machine, as with SQLite), or a PostgreSQL advisory lock (processes
on several machines sharing one database; wired in with the PostgreSQL engine).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import logging
import os
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Protocol

from bot.shards import identify_bucket

log = logging.getLogger(__name__)

# Discord's window: one IDENTIFY per bucket per this many seconds.
IDENTIFY_INTERVAL = 5.0
# How often a process waiting for a lock file held by another process tries again.
LOCK_FILE_POLL_SECONDS = 0.1


class IdentifyGate(ABC):
    """One holder per identify bucket at a time, across every process that shares the gate."""

    @abstractmethod
    def bucket(self, key: int) -> contextlib.AbstractAsyncContextManager[None]:
        """Wait until bucket ``key`` is free, hold it for the ``async with`` body, then free it."""


class LocalIdentifyGate(IdentifyGate):
    """Buckets held within this process only: right when one process runs every shard."""

    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}

    @asynccontextmanager
    async def bucket(self, key: int) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            yield


class FileIdentifyGate(IdentifyGate):
    """Buckets held with ``flock`` on one lock file per bucket: right for the processes of one
    machine (the SQLite setup, whose database cannot be shared between machines anyway).

    The kernel frees the lock when its holder dies, even by kill -9, so a crashed process never
    blocks the others' start.
    """

    def __init__(self, directory: Path, *, prefix: str = "identify") -> None:
        self.directory = directory
        self.prefix = prefix
        # A local lock first: flock is per open file, so two shards of this process contending
        # for a bucket would otherwise both poll the file.
        self._local = LocalIdentifyGate()

    def path(self, key: int) -> Path:
        return self.directory / f".{self.prefix}-bucket-{key}.lock"

    def try_lock(self, key: int) -> int | None:
        """The open, locked file descriptor of bucket ``key``, or None if another holder has it."""
        self.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path(key), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return None
            raise
        return fd

    @staticmethod
    def unlock(fd: int) -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    @asynccontextmanager
    async def bucket(self, key: int) -> AsyncIterator[None]:
        async with self._local.bucket(key):
            # Polling with a non-blocking flock, not a blocking flock in a thread: a thread blocked
            # in flock cannot be cancelled, and would hold up the process's exit.
            # Another process's lock cannot wake us, hence the poll.
            fd = self.try_lock(key)
            while fd is None:
                await asyncio.sleep(LOCK_FILE_POLL_SECONDS)
                fd = self.try_lock(key)
            try:
                yield
            finally:
                self.unlock(fd)


class AdvisoryLockConnection(Protocol):
    """The part of an asyncpg connection the PostgreSQL gate uses."""

    async def execute(self, query: str, *args: object) -> str: ...

    async def close(self) -> None: ...


class PostgresIdentifyGate(IdentifyGate):
    """Buckets held with PostgreSQL session advisory locks: right for processes on several
    machines sharing one PostgreSQL database.

    Each hold has a connection of its own (a session lock belongs to its connection; a pooled one
    could be handed to someone else while held). The server frees the lock when the connection
    ends, so a process that dies never blocks the others' start.
    """

    # pg_advisory_lock(namespace, bucket): the first key keeps these locks apart from any other
    # advisory lock of the bot (such as the one migrations take).
    LOCK_NAMESPACE = 0x1D3

    def __init__(self, connect: Callable[[], Awaitable[AdvisoryLockConnection]]) -> None:
        self._connect = connect
        self._local = LocalIdentifyGate()

    @asynccontextmanager
    async def bucket(self, key: int) -> AsyncIterator[None]:
        async with self._local.bucket(key):
            conn = await self._connect()
            try:
                # Waits in the server; a cancelled wait is cancelled there too (asyncpg does that).
                await conn.execute("SELECT pg_advisory_lock($1, $2)", self.LOCK_NAMESPACE, key)
                try:
                    yield
                finally:
                    await conn.execute("SELECT pg_advisory_unlock($1, $2)", self.LOCK_NAMESPACE, key)
            finally:
                await conn.close()


class IdentifyPacer:
    """What the bot's ``before_identify_hook`` calls: wait for the shard's bucket, then keep it
    until ``interval`` seconds after the IDENTIFY (which discord.py sends as the hook returns)."""

    def __init__(self, gate: IdentifyGate, *, max_concurrency: int = 1, interval: float = IDENTIFY_INTERVAL) -> None:
        self.gate = gate
        self.max_concurrency = max_concurrency
        self.interval = interval
        # Each held bucket: its exit stack and the task that frees it when the window has passed.
        self._holds: dict[asyncio.Task[None], AsyncExitStack] = {}

    async def before_identify(self, shard_id: int) -> None:
        bucket = identify_bucket(shard_id, self.max_concurrency)
        stack = AsyncExitStack()
        await stack.enter_async_context(self.gate.bucket(bucket))
        log.debug("shard %s identifies (bucket %s of %s)", shard_id, bucket, self.max_concurrency)
        task = asyncio.get_running_loop().create_task(self._release_later(stack), name=f"identify-bucket-{bucket}")
        self._holds[task] = stack
        task.add_done_callback(lambda done: self._holds.pop(done, None))

    async def _release_later(self, stack: AsyncExitStack) -> None:
        await asyncio.sleep(self.interval)
        await stack.aclose()

    async def close(self) -> None:
        """Free every bucket still held (the process is stopping)."""
        holds = list(self._holds.items())
        for task, _ in holds:
            task.cancel()
        for task, stack in holds:
            with contextlib.suppress(asyncio.CancelledError):
                await task
            # A task cancelled before it ran never reached its aclose; a second aclose is a no-op.
            await stack.aclose()
