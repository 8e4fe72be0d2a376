"""Shared fixtures: a fake Discord on 127.0.0.1 and real discord.py clients logged in to it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest
from hypothesis import settings

from bot.endpoints import apply_endpoints
from tests.fakediscord import FakeDiscord
from tests.fakediscord.harness import ClientRunner, fake_problems
from tests.fuzz.profiles import PROFILE
from tests.pg import EXTERNAL_DSN_VARIABLE, fresh_database, start_server

# Property tests outside tests/fuzz draw the same examples on every run too (Hypothesis does this
# by itself only where it detects a CI); `HYPOTHESIS_PROFILE=long` lets them draw new ones.
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("exploring", derandomize=False)
settings.load_profile("exploring" if PROFILE == "long" else "repeatable")


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """A started FakeDiscord; fails the test if it crashed or the bot called unknown routes
    (set ``fake_discord.allow_unknown_routes = True`` to opt out)."""
    fake = FakeDiscord()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
        apply_endpoints(None, None)
    problems = fake_problems(fake, allow_unknown_routes=getattr(fake, "allow_unknown_routes", False))
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
async def make_client(fake_discord: FakeDiscord) -> AsyncIterator[ClientRunner]:
    """``client = await make_client(factory)`` starts a real client against the fake and waits
    until it is ready; ``make_client.restart(client)``/``close(client)``; every client is closed
    at teardown and any exception the bot raised (even if only logged) fails the test."""
    runner = ClientRunner(fake_discord)
    try:
        yield runner
    finally:
        await runner.close_all()
    if runner.errors:
        pytest.fail("the bot raised errors:\n\n" + "\n\n".join(runner.errors), pytrace=False)


@pytest.fixture(scope="session")
def pg_admin_dsn() -> Iterator[str]:
    """A PostgreSQL server for this test session (started on first use, deleted at the end):
    the DSN of its maintenance database, from which each test gets a database of its own."""
    external = os.environ.get(EXTERNAL_DSN_VARIABLE)
    if external:
        yield external
        return
    server = start_server()
    # This server has no TLS. With asyncpg's default sslmode (prefer) every new connection first
    # asks for it, and one still in that exchange when a test stops the bot right after its start
    # leaves a future whose "connection lost" nobody reads: an asyncio error the e2e fixtures turn
    # into a failure. The bot processes the tests start inherit the variable.
    previous = os.environ.get("PGSSLMODE")
    os.environ["PGSSLMODE"] = "disable"
    try:
        yield server.dsn()
    finally:
        server.stop()
        if previous is None:
            os.environ.pop("PGSSLMODE", None)
        else:
            os.environ["PGSSLMODE"] = previous


@pytest.fixture
async def pg_url(pg_admin_dsn: str) -> AsyncIterator[str]:
    """postgresql://… of a new, empty database, dropped after the test."""
    async with fresh_database(pg_admin_dsn) as url:
        yield url
