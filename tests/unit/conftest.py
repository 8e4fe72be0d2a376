from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from bot.storage.database import Database
from tests.pg import fresh_database


@pytest.fixture(params=["sqlite", "postgresql"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """Every test that takes `db` runs on both engines: a fresh SQLite file, and a fresh database
    on the session's PostgreSQL server (tests/pg.py), both migrated by Database.open."""
    async with AsyncExitStack() as stack:
        if request.param == "sqlite":
            target = str(tmp_path / "test.sqlite3")
        else:
            # A sync fixture may be fetched here; the server starts only when this runs.
            target = await stack.enter_async_context(fresh_database(request.getfixturevalue("pg_admin_dsn")))
        database = await Database.open(target)
        stack.push_async_callback(database.close)
        yield database
