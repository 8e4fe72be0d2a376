"""IDENTIFY turns for shard processes that share an SQLite database (so one machine).

Discord allows one IDENTIFY per bucket (``shard_id % max_concurrency``) every 5 seconds, counted
over the whole bot, not per process; discord.py only spaces the shards of one process. Processes
sharing PostgreSQL take their turns through the database (PostgresDatabase.identify_turn: an
advisory lock and the server's clock). Processes sharing an SQLite file run on its machine, so a
lock file per bucket beside the database does the same: `flock` queues them, the file holds the
time of the bucket's last IDENTIFY (the machine's clock, the same for all of them), and the kernel
frees the lock of a holder that dies, even by kill -9, so a crashed process never blocks a start.
"""

from __future__ import annotations

import asyncio
import errno
import fcntl
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Protocol

# How often a process waiting for a lock file held by another process tries again: another
# process's unlock cannot wake this one, and a blocking flock in a thread could not be cancelled.
LOCK_FILE_POLL_SECONDS = 0.05


class IdentifyTurns(Protocol):
    async def identify_turn(self, bucket: int, interval: float) -> float:
        """Wait until this process may IDENTIFY a shard of `bucket`; the seconds waited."""
        ...


class FileIdentifyTurns:
    """IDENTIFY turns per bucket through lock files in `directory` (beside the SQLite database)."""

    def __init__(
        self,
        directory: Path,
        *,
        prefix: str = "identify",
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.directory = directory
        self.prefix = prefix
        self.clock = clock
        self.sleep = sleep
        # flock is per open file: the shards of this process queue on a local lock first instead
        # of polling the file against each other.
        self._local: dict[int, asyncio.Lock] = {}

    def path(self, bucket: int) -> Path:
        return self.directory / f".{self.prefix}-identify-{bucket}.lock"

    def try_lock(self, bucket: int) -> int | None:
        """The open, locked file of `bucket`, or None while another holder has it."""
        self.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path(bucket), os.O_RDWR | os.O_CREAT, 0o600)
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

    async def identify_turn(self, bucket: int, interval: float) -> float:
        """As PostgresDatabase.identify_turn: at most one IDENTIFY per bucket per `interval`
        seconds across the processes sharing the directory. Returns the seconds waited."""
        async with self._local.setdefault(bucket, asyncio.Lock()):
            fd = self.try_lock(bucket)
            while fd is None:
                await asyncio.sleep(LOCK_FILE_POLL_SECONDS)
                fd = self.try_lock(bucket)
            try:
                last = _read_time(fd)
                wait = 0.0 if last is None else max(0.0, last + interval - self.clock())
                if wait:
                    await self.sleep(wait)  # holding the lock: the next process waits behind this one
                _write_time(fd, self.clock())
            finally:
                self.unlock(fd)
        return wait


def _read_time(fd: int) -> float | None:
    raw = os.pread(fd, 64, 0)
    try:
        return float(raw.decode("ascii").strip()) if raw.strip() else None
    except (UnicodeDecodeError, ValueError):
        return None  # a torn or foreign file: no IDENTIFY to wait for


def _write_time(fd: int, when: float) -> None:
    os.ftruncate(fd, 0)
    os.pwrite(fd, repr(when).encode("ascii"), 0)
