from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.storage.database import Database


@pytest.fixture
async def db(tmp_path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "history.sqlite3")
    try:
        yield database
    finally:
        await database.close()
