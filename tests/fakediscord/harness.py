"""Run real discord.py clients against a FakeDiscord: start, wait for ready, restart, close,
and turn every exception the bot only logs into a test failure."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import traceback
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import discord
from discord import app_commands

from bot.endpoints import apply_endpoints

from .server import FakeDiscord

ClientT = TypeVar("ClientT", bound=discord.Client)

# Errors a bot answers to the user itself; they are not bugs in the bot.
DEFAULT_IGNORED: tuple[type[BaseException], ...] = (app_commands.CheckFailure,)


class _ErrorLog(logging.Handler):
    """Collects ERROR records (with tracebacks) from every logger while clients run: discord.py
    reports view, task and event errors only through logging."""

    def __init__(self, sink: ClientRunner) -> None:
        super().__init__(level=logging.ERROR)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("fakediscord"):
            return
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and isinstance(exc, self.sink.ignored):
            return
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + "".join(traceback.format_exception(*record.exc_info))
        self.sink.record(f"[log {record.name}] {text}", exc)


class ClientRunner:
    """Starts clients from factories so the project's own bot class plugs in unchanged."""

    def __init__(self, fake: FakeDiscord, *, ignored: tuple[type[BaseException], ...] = DEFAULT_IGNORED) -> None:
        self.fake = fake
        self.ignored = ignored
        self.errors: list[str] = []
        self._seen: set[int] = set()
        self._tasks: dict[discord.Client, asyncio.Task[None]] = {}
        self._factories: dict[discord.Client, Callable[[], discord.Client]] = {}
        self._log_handler: _ErrorLog | None = None

    def record(self, text: str, exc: BaseException | None = None) -> None:
        if exc is not None:
            if id(exc) in self._seen:
                return
            self._seen.add(id(exc))
        self.errors.append(text)

    def take_errors(self) -> list[str]:
        """Hand over (and forget) the errors so far, for tests that provoke errors on purpose."""
        errors, self.errors = self.errors, []
        return errors

    async def __call__(
        self,
        factory: Callable[[], ClientT],
        *,
        token: str | None = None,
        wait: str = "ready",
        ready_timeout: float = 10.0,
        guild_ready_timeout: float = 0.05,
    ) -> ClientT:
        return await self.start(
            factory, token=token, wait=wait, ready_timeout=ready_timeout, guild_ready_timeout=guild_ready_timeout
        )

    async def start(
        self,
        factory: Callable[[], ClientT],
        *,
        token: str | None = None,
        wait: str = "ready",
        ready_timeout: float = 10.0,
        guild_ready_timeout: float = 0.05,
    ) -> ClientT:
        """Create a client with ``factory`` and run it in a background task.

        ``wait`` is "ready" (on_ready has fired), "login" (setup_hook has finished) or "none".
        """
        apply_endpoints(self.fake.api_base_url, self.fake.gateway_url)
        self._install_log_capture()
        client = factory()
        state = client._connection
        if state.guild_ready_timeout == 2.0:  # the library default: 2 s of waiting per start
            state.guild_ready_timeout = guild_ready_timeout
        self._hook_errors(client)
        if type(client).before_identify_hook is discord.Client.before_identify_hook:
            # The library waits 5 s before every re-IDENTIFY to respect Discord's identify limit;
            # the fake has none, and invalid-session tests would otherwise crawl.
            async def no_identify_delay(shard_id: int | None, *, initial: bool = False) -> None:
                return None

            client.before_identify_hook = no_identify_delay  # type: ignore[method-assign]
        logged_in = asyncio.Event()

        async def run() -> None:
            await client.login(token or self.fake.bot_token)
            logged_in.set()
            await client.connect(reconnect=True)

        task = asyncio.create_task(run(), name=f"discord-client-{type(client).__name__}")
        self._tasks[client] = task
        self._factories[client] = factory
        if wait in ("login", "ready"):
            await self._race(logged_in.wait(), task, ready_timeout, "login")
        if wait == "ready":
            await self._race(client.wait_until_ready(), task, ready_timeout, "ready")
        return client

    async def _race(self, aw: Awaitable[Any], task: asyncio.Task[None], limit: float, what: str) -> None:
        waiter = asyncio.ensure_future(aw)
        try:
            done, _ = await asyncio.wait({waiter, task}, timeout=limit, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not waiter.done():
                waiter.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await waiter
        if waiter in done:
            waiter.result()
            return
        if task in done:
            exc = task.exception()
            raise AssertionError(f"client stopped before {what}: {exc!r}") from exc
        raise AssertionError(f"client not {what} after {limit}s")

    async def close(self, client: discord.Client, *, close_timeout: float = 10.0) -> None:
        task = self._tasks.pop(client, None)
        self._factories.pop(client, None)
        await client.close()
        if task is None:
            return
        try:
            await asyncio.wait_for(task, close_timeout)
        except asyncio.CancelledError:
            pass
        except Exception as exc:
            self.record(f"client task ended with {exc!r}:\n{traceback.format_exc()}", exc)

    async def restart(
        self,
        client: discord.Client,
        factory: Callable[[], ClientT] | None = None,
        **kwargs: Any,
    ) -> ClientT:
        """Close ``client`` and start a fresh instance (same factory unless given), as a process
        restart would: nothing survives in memory."""
        factory = factory or self._factories.get(client)  # type: ignore[assignment]
        if factory is None:
            raise ValueError("unknown client; pass the factory")
        await self.close(client)
        return await self.start(factory, **kwargs)

    async def close_all(self) -> None:
        for client in list(self._tasks):
            await self.close(client)
        if self._log_handler is not None:
            logging.getLogger().removeHandler(self._log_handler)
            self._log_handler = None

    def _install_log_capture(self) -> None:
        if self._log_handler is None:
            self._log_handler = _ErrorLog(self)
            logging.getLogger().addHandler(self._log_handler)

    def _hook_errors(self, client: discord.Client) -> None:
        original_on_error = client.on_error

        async def on_error(event: str, *args: Any, **kwargs: Any) -> None:
            exc = sys.exc_info()[1]
            if exc is None or not isinstance(exc, self.ignored):
                self.record(f"[on_error {event}] {traceback.format_exc()}", exc)
            await original_on_error(event, *args, **kwargs)

        client.on_error = on_error  # type: ignore[method-assign]

        tree = getattr(client, "tree", None)
        if isinstance(tree, app_commands.CommandTree):
            original_tree_error = tree.on_error

            async def on_tree_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
                cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
                self._seen.add(id(error))  # discord.py also logs the wrapper; count it once
                if not isinstance(error, self.ignored):
                    text = "".join(traceback.format_exception(type(cause), cause, cause.__traceback__))
                    self.record(f"[tree.on_error {interaction.command and interaction.command.name}] {text}", cause)
                await original_tree_error(interaction, error)

            tree.on_error = on_tree_error  # type: ignore[method-assign]


def fake_problems(fake: FakeDiscord, *, allow_unknown_routes: bool = False) -> list[str]:
    problems = [f"fake crashed: {e}" for e in fake.server_errors]
    if not allow_unknown_routes:
        problems += [f"bot called a route the fake does not know: {r}" for r in fake.unknown_routes]
    return problems
