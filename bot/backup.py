"""Online backups of the SQLite database, safe while the bot runs.

SQLite's backup API copies the database page by page under short read locks, so the running
bot keeps writing (WAL mode) while the copy is made; the copy is a consistent snapshot of some
moment during the backup. The copy is written next to its destination under a temporary name,
checked with `PRAGMA integrity_check`, and only then renamed over the destination, so a
destination file is either the previous backup or a complete, verified new one. A destination
that is the database or one of its -wal, -shm or -journal files, or whose temporary name is, is
refused (BackupRefused) before anything on disk is touched.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from bot.storage.database import read_only_uri


class BackupError(RuntimeError):
    """The backup could not be made; the message is one line for the owner."""


class BackupRefused(BackupError):
    """The destination was refused before anything was touched (bad input, not a failed copy)."""


@dataclass(frozen=True)
class BackupResult:
    source: Path
    destination: Path
    bytes: int
    pages: int
    seconds: float
    schema_version: int


# The whole copy in one step, i.e. one read transaction. In WAL mode a reader never blocks the
# bot's writers; copying in small steps instead would restart the backup after every write made
# by another connection, and a busy bot could keep it from ever finishing.
PAGES_PER_STEP = -1


def _connect_source(path: Path, busy_timeout_ms: int) -> sqlite3.Connection:
    if not path.exists():
        raise BackupError(f"no database at {path}")
    # Read-only: a backup must never create or migrate the database it copies.
    uri = read_only_uri(path)
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=busy_timeout_ms / 1000, isolation_level=None)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open {path}: {exc}") from None
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    return conn


def _fsync_dir(path: Path) -> None:
    # The rename is durable only once the directory entry is on disk.
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# SQLite keeps a database's uncommitted or not yet checkpointed pages in these files next to it;
# overwriting or deleting one of them loses or corrupts data just like overwriting the database.
_COMPANION_SUFFIXES = ("", "-wal", "-shm", "-journal")


def _same_file(a: Path, b: Path) -> bool:
    # Resolved paths catch symlinks (to the file or to a directory above it); samefile also
    # catches hard links and case-insensitive file systems, where two spellings are one file.
    if a.resolve() == b.resolve():
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet): not the same file
        return False


def _refuse_overlap(source: Path, destination: Path, tmp: Path) -> None:
    """Refuse a destination (or its temporary file, which is deleted first) that is the database or
    one of SQLite's files beside it, checked before anything on disk is touched."""
    # SQLite names the companion files after the database's real path; a symlinked path gets the
    # same check through the names beside the link.
    bases = {str(source.absolute()), str(source.resolve())}
    protected = [(Path(base + suffix), suffix) for base in sorted(bases) for suffix in _COMPANION_SUFFIXES]
    for candidate, role in ((destination, "the backup destination"), (tmp, f"the backup's temporary file {tmp}")):
        for path, suffix in protected:
            if _same_file(candidate, path):
                what = "the database itself" if not suffix else f"the database's {suffix} file"
                raise BackupRefused(f"{role} is {what}; choose another file name")


def postgres_backup_advice(url: str, destination: Path) -> str:
    """What to run instead for a PostgreSQL database: its own pg_dump makes a consistent copy while
    the bot runs, which this command cannot do better. Says whether pg_dump is installed."""
    import shlex
    import shutil
    from urllib.parse import urlsplit, urlunsplit

    from bot.storage.postgres import describe_url

    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    safe_url = urlunsplit((parts.scheme, netloc, parts.path, "", ""))  # no password, ever
    pg_dump = shutil.which("pg_dump")
    where = f"[storage] url is PostgreSQL {describe_url(url)}"
    if pg_dump is None:
        return f"{where}: back it up with pg_dump, which is not installed here (install the postgresql-client package)"
    command = f"pg_dump --format=custom --file {shlex.quote(str(destination))} {shlex.quote(safe_url)}"
    return f"{where}: back it up with pg_dump ({pg_dump}): {command}"


def backup_database(source: Path, destination: Path, *, busy_timeout_ms: int = 5000) -> BackupResult:
    """Copy `source` to `destination` (blocking; run it in a thread). Raises BackupError."""
    started = time.monotonic()
    source = Path(source)
    destination = Path(destination)
    if destination.exists() and destination.is_dir():
        raise BackupRefused(f"{destination} is a directory; give a file name for the backup")
    tmp = destination.with_name(destination.name + ".tmp")
    _refuse_overlap(source, destination, tmp)
    if not destination.parent.is_dir():
        raise BackupRefused(f"no such directory: {destination.parent}")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    src = _connect_source(source, busy_timeout_ms)
    pages = 0
    try:
        try:
            dst = sqlite3.connect(str(tmp), isolation_level=None)
        except sqlite3.Error as exc:
            raise BackupError(f"cannot write {tmp}: {exc}") from None
        try:

            def progress(status: int, remaining: int, total: int) -> None:
                nonlocal pages
                pages = total

            try:
                src.backup(dst, pages=PAGES_PER_STEP, progress=progress)
            except sqlite3.Error as exc:
                raise BackupError(f"backup failed: {exc}") from None
            try:
                # The copy is a standalone file: no WAL to carry around with it.
                dst.execute("PRAGMA journal_mode = DELETE")
                verdict = dst.execute("PRAGMA integrity_check").fetchall()
                version = int(dst.execute("PRAGMA user_version").fetchone()[0])
            except sqlite3.DatabaseError as exc:
                # The backup API copies pages without reading them, so a corrupt source yields a
                # corrupt copy, which SQLite may reject outright instead of listing problems.
                raise BackupError(f"the copy failed its integrity check: {exc}") from None
            if [tuple(row) for row in verdict] != [("ok",)]:
                first = verdict[0][0] if verdict else "no answer"
                raise BackupError(f"the copy failed its integrity check: {first}")
        finally:
            dst.close()
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, destination)
        _fsync_dir(destination.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    finally:
        src.close()
    return BackupResult(
        source=source,
        destination=destination,
        bytes=destination.stat().st_size,
        pages=pages,
        seconds=time.monotonic() - started,
        schema_version=version,
    )


async def backup_database_async(source: Path, destination: Path, *, busy_timeout_ms: int = 5000) -> BackupResult:
    """`backup_database` in a worker thread, so a running event loop keeps serving."""
    return await asyncio.to_thread(backup_database, source, destination, busy_timeout_ms=busy_timeout_ms)


__all__ = ["BackupError", "BackupRefused", "BackupResult", "backup_database", "backup_database_async"]
