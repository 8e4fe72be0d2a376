"""A PostgreSQL server for the benches, durable by default (unlike the tests' throwaway server).

    python -m bench._pg start [--fast] [--dir /tmp/so-bench-pg]   prints the admin URL
    python -m bench._pg create NAME                               a database, prints its URL
    python -m bench._pg stop [--dir ...]

It reuses tests/pg.py (the binaries, initdb and pg_ctl run as the `postgres` user when we are
root) but with its own settings: fsync, synchronous_commit and full_page_writes stay ON (the
PostgreSQL defaults) unless --fast, and a few sizes are raised for a 1,000,000-review history
(SETTINGS below; `settings()` reads them back from the server for the benches' output).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

import asyncpg

from tests.pg import PostgresServer, PostgresUnavailableError, ensure_bin_dir, free_port

DEFAULT_DIR = Path("/tmp/so-bench-pg")
SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "max_connections": "200",
    "shared_buffers": "1GB",
    "work_mem": "16MB",
    "maintenance_work_mem": "512MB",
    "max_wal_size": "4GB",
    "checkpoint_timeout": "15min",
    "effective_cache_size": "8GB",
}
FAST = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
REPORTED = ("server_version", "fsync", "synchronous_commit", "full_page_writes", "wal_level", "shared_buffers",
            "work_mem", "maintenance_work_mem", "max_wal_size", "effective_cache_size", "random_page_cost", "jit")


def start(root: Path, fast: bool) -> str:
    root.mkdir(parents=True, exist_ok=True)
    server = PostgresServer(ensure_bin_dir(), root=root)
    if server.data_dir.exists():
        raise SystemExit(f"{server.data_dir} exists: stop it first (python -m bench._pg stop)")
    import os
    import pwd

    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        os.chown(root, entry.pw_uid, entry.pw_gid)
    server._run(str(server.bin_dir / "initdb"), "-D", str(server.data_dir), "-U", "postgres",
                "--auth=trust", "--encoding=UTF8", "--locale=C")
    options = {**SETTINGS, **(FAST if fast else {})}
    for _ in range(5):
        server.port = free_port()
        opts = f"-p {server.port} -k {root} " + " ".join(f"-c {k}={v}" for k, v in options.items())
        try:
            server._run(str(server.bin_dir / "pg_ctl"), "-D", str(server.data_dir), "-l", str(server.log_file),
                        "-o", opts, "-w", "-t", "60", "start")
        except PostgresUnavailableError:
            continue
        (root / "bench.json").write_text(json.dumps({"port": server.port}))
        return server.dsn()
    raise SystemExit("the server did not start")


def stop(root: Path) -> None:
    server = PostgresServer(ensure_bin_dir(), root=root)
    server.started = True
    server.stop()  # pg_ctl stop -m immediate, then the directory is removed


def admin_url(root: Path = DEFAULT_DIR) -> str:
    port = json.loads((root / "bench.json").read_text())["port"]
    return f"postgresql://postgres@127.0.0.1:{port}/postgres"


async def create(name: str, root: Path) -> str:
    url = admin_url(root)
    conn = await asyncpg.connect(url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return url.rpartition("/")[0] + "/" + name


async def settings(url: str) -> str:
    """The server settings that matter to the figures, one line."""
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1::text[])",
                                list(REPORTED))
        version = await conn.fetchval("SHOW server_version")
    finally:
        await conn.close()
    values = {r["name"]: r["setting"] + (f" ({r['unit']})" if r["unit"] else "") for r in rows}
    values["server_version"] = version
    return "PostgreSQL " + ", ".join(f"{k}={values[k]}" for k in REPORTED if k in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("start", "stop", "create", "settings"))
    parser.add_argument("name", nargs="?")
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--fast", action="store_true", help="fsync, synchronous_commit, full_page_writes off")
    args = parser.parse_args()
    if args.action == "start":
        print(start(args.dir, args.fast))
    elif args.action == "stop":
        stop(args.dir)
    elif args.action == "create":
        if not args.name:
            sys.exit("create NAME")
        print(asyncio.run(create(args.name, args.dir)))
    else:
        print(asyncio.run(settings(args.name or admin_url(args.dir))))


if __name__ == "__main__":
    main()
