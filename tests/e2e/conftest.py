from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.e2e.botharness import BotProcess, settings_for_tests
from tests.e2e.pages import PageSite
from tests.pg import fresh_database


@pytest.fixture
async def page_site() -> AsyncIterator[PageSite]:
    site = PageSite()
    await site.start()
    try:
        yield site
    finally:
        await site.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
async def e2e_storage_url(request: pytest.FixtureRequest) -> AsyncIterator[str | None]:
    """Every end-to-end test that runs the bot runs it on both engines: an SQLite file (None) and
    a fresh database on the session's PostgreSQL server."""
    if request.param == "sqlite":
        yield None
        return
    async with fresh_database(request.getfixturevalue("pg_admin_dsn")) as url:
        yield url


@pytest.fixture
def bot_settings(tmp_path, fake_discord, page_site, e2e_storage_url):
    overrides = {"storage": {"url": e2e_storage_url}} if e2e_storage_url else {}
    return settings_for_tests(tmp_path, fake_discord, page_site.port, **overrides)


@pytest.fixture
async def bot_process(make_client, bot_settings) -> AsyncIterator[BotProcess]:
    process = BotProcess(make_client, bot_settings)
    try:
        yield process
    finally:
        await process.stop()


@pytest.fixture
def world(fake_discord):
    """A guild with a channel and members old enough to vote."""
    from datetime import UTC, datetime, timedelta

    guild = fake_discord.add_guild("SEO Lab")
    channel = guild.add_text_channel("link-offers")
    old = datetime.now(UTC) - timedelta(days=400)
    joined = datetime.now(UTC) - timedelta(days=30)
    members = [guild.add_member(f"member{i}", account_created=old, joined_at=joined) for i in range(6)]
    return guild, channel, members
