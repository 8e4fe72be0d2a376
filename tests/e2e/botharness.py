"""Runs the project's own bot (SecondOpinionBot with its real services) against the fake Discord."""

from __future__ import annotations

import contextlib
import errno
import socket
from dataclasses import replace
from pathlib import Path
from typing import Any

from aiohttp.abc import AbstractResolver, ResolveResult

from bot.app import Services, create_bot, open_services
from bot.client import SecondOpinionBot
from bot.fetch import SafeFetcher
from bot.settings import (
    ChecksSettings,
    DiscordSettings,
    FetchSettings,
    ReviewDefaults,
    Settings,
    StorageSettings,
)
from tests.fakediscord import FakeDiscord
from tests.fakediscord.harness import ClientRunner


def settings_for_tests(tmp_path: Path, fake: FakeDiscord, page_port: int, **overrides: Any) -> Settings:
    """Production settings except what tests must change: endpoints, a temp DB, loopback opt-in."""
    settings = Settings(
        discord=DiscordSettings(token=fake.bot_token, api_base_url=fake.api_base_url, gateway_url=fake.gateway_url),
        storage=StorageSettings(path=tmp_path / "bot.sqlite3"),
        # Only tests opt in to loopback; the page site's random port must be listed explicitly.
        fetch=FetchSettings(allow_private_networks=True, allowed_ports=(80, 443, page_port), total_timeout=5.0,
                            connect_timeout=2.0, read_timeout=3.0),
        checks=ChecksSettings(cooldown_seconds=0.0),
        review=ReviewDefaults(tally_edit_interval=0.2, review_cooldown_seconds=0.0),
    )
    for section, values in overrides.items():
        settings = replace(settings, **{section: replace(getattr(settings, section), **values)})
    return settings


class LoopbackDNS(AbstractResolver):
    """Test DNS: every *.test name is this machine; anything else does not exist (no real lookups)."""

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        if host.endswith(".test"):
            return [ResolveResult(hostname=host, host="127.0.0.1", port=port, family=socket.AF_INET, proto=0, flags=0)]
        raise OSError(errno.ENOENT, "name not known")

    async def close(self) -> None:
        return None


class BotProcess:
    """One "process" of the bot: services opened, client connected; restart() is a real restart."""

    def __init__(self, runner: ClientRunner, settings: Settings) -> None:
        self.runner = runner
        self.settings = settings
        self.bot: SecondOpinionBot | None = None
        self.services: Services | None = None
        self._stack: contextlib.AsyncExitStack | None = None

    async def start(self, *, wait: str = "ready") -> SecondOpinionBot:
        self._stack = contextlib.AsyncExitStack()
        fetcher = await self._stack.enter_async_context(SafeFetcher(self.settings.fetch, resolver=LoopbackDNS()))
        self.services = await self._stack.enter_async_context(open_services(self.settings, fetcher=fetcher))
        services = self.services
        self.bot = await self.runner(lambda: create_bot(self.settings, services), wait=wait)
        return self.bot

    async def stop(self) -> None:
        if self.bot is not None:
            await self.runner.close(self.bot)
            self.bot = None
        if self._stack is not None:
            await self._stack.aclose()
            self._stack = None

    async def restart(self) -> SecondOpinionBot:
        await self.stop()
        return await self.start()
