"""A throwaway PostgreSQL server for the tests: initdb in a temporary directory, on a free port of
127.0.0.1, stopped and deleted at the end of the session.

Why here and not in .ci/run: CI runs exactly the README's test command, so `python -m pytest` alone
must bring up what the PostgreSQL tests need. The server starts only when a test asks for it.

CI runs as root and initdb refuses root, so the server's files belong to the `postgres` system
user and its commands run as that user. The binaries come from the distribution's packages
(`/usr/lib/postgresql/<version>/bin`); when they are missing and we are root, `apt-get install
postgresql` brings them. SECOND_OPINION_TEST_PG_DSN points the tests at a server of your own instead.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

SERVER_USER = "postgres"
EXTERNAL_DSN_VARIABLE = "SECOND_OPINION_TEST_PG_DSN"


class PostgresUnavailableError(RuntimeError):
    """No PostgreSQL server binaries, and they could not be installed."""


def _version_key(path: str) -> tuple[int, ...]:
    # /usr/lib/postgresql/15/bin/initdb → (15,): the newest installed major version wins.
    part = Path(path).parent.parent.name
    return tuple(int(p) for p in part.split(".") if p.isdigit())


def find_bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version_key)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(os.path.realpath(initdb)).parent
    return None


def ensure_bin_dir() -> Path:
    """The directory holding initdb and pg_ctl, installing PostgreSQL when we may."""
    found = find_bin_dir()
    if found is not None:
        return found
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise PostgresUnavailableError(
            "PostgreSQL server binaries (initdb, pg_ctl) are missing: install the `postgresql` package "
            f"or set {EXTERNAL_DSN_VARIABLE}"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "--no-install-recommends", "postgresql"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise PostgresUnavailableError(f"{' '.join(command)} failed: {done.stderr.strip()[-2000:]}")
    found = find_bin_dir()
    if found is None:
        raise PostgresUnavailableError("apt-get installed postgresql but initdb is still not found")
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresServer:
    bin_dir: Path
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="second-opinion-pg-")))
    port: int = 0
    started: bool = False

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://{SERVER_USER}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        # As root the commands run as the postgres user (initdb and postgres refuse root).
        as_user = {"user": SERVER_USER, "group": _group_of(SERVER_USER), "extra_groups": []} if os.geteuid() == 0 else {}
        done = subprocess.run(
            list(args), capture_output=True, text=True, check=False, cwd=self.root, **as_user  # type: ignore[arg-type]
        )
        if done.returncode != 0:
            log = self.log_file.read_text(errors="replace")[-3000:] if self.log_file.exists() else ""
            raise PostgresUnavailableError(
                f"{Path(args[0]).name} failed ({done.returncode}): {done.stdout.strip()} {done.stderr.strip()}\n{log}"
            )
        return done

    def start(self) -> None:
        if os.geteuid() == 0:
            entry = pwd.getpwnam(SERVER_USER)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._run(
            str(self.bin_dir / "initdb"), "-D", str(self.data_dir), "-U", SERVER_USER,
            "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync",
        )
        # A port found free may be taken before the server binds it: try a few.
        last: PostgresUnavailableError | None = None
        for _ in range(5):
            self.port = free_port()
            options = (
                f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
                # Durability is worthless for a test server that is deleted at the end.
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
            )
            try:
                # -w: pg_ctl itself waits until the server accepts connections.
                self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log_file),
                          "-o", options, "-w", "-t", "60", "start")
            except PostgresUnavailableError as exc:
                last = exc
                continue
            self.started = True
            return
        raise last or PostgresUnavailableError("the server did not start")

    def stop(self) -> None:
        try:
            if self.started:
                self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")
                self.started = False
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def _group_of(user: str) -> int:
    return pwd.getpwnam(user).pw_gid


def start_server() -> PostgresServer:
    server = PostgresServer(ensure_bin_dir())
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    return server


_database_numbers = itertools.count(1)


@asynccontextmanager
async def fresh_database(admin_dsn: str) -> AsyncIterator[str]:
    """A new, empty database on the server of `admin_dsn` (its URL), dropped afterwards."""
    name = f"so_test_{os.getpid()}_{next(_database_numbers)}"
    admin = await asyncpg.connect(admin_dsn)
    try:
        # Identifiers cannot be parameters; the name is made above from two integers.
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base, _, _ = admin_dsn.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        admin = await asyncpg.connect(admin_dsn)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
