"""The fake Discord of the reaction-storm benchmark, in a process of its own.

Started by bench/reaction_storm.py as  python -m bench._fake_server --members N ; not run by hand.
It builds the world (a guild, a channel, a requester and N voters old enough to vote), serves the
fake REST API + gateway and the local page site on 127.0.0.1, and prints one line
``READY <control port>`` on stdout. The bench then drives it over a tiny JSON control API:

  GET  /info             endpoints, token, ids, the page URL to review
  POST /slash            a member runs /secondopinion {url}; answers when the bot replied
  POST /await_reactions  waits until the bot's vote reactions are on the given factor messages
  POST /storm            replays the storm as member reactions; answers with the dispatch stamps
  GET  /finish           PATCHes of the summary, 429s, reactions left on the factor messages and
                         the log of every reaction dispatched since the storm began
  POST /shutdown

Stamps are time.monotonic() (CLOCK_MONOTONIC on Linux: one clock for every process of the
machine), so the bench compares them with the stored-vote stamps taken in the bot's process.
Keeping the fake here lets it use the other core: its own cost (serialising and writing every
gateway frame) is no longer charged to the bot.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from bench.storm_events import storm_events, switch_removals
from bot.review.factors import CHOICE_EMOJI, Choice
from tests.e2e.pages import PageSite
from tests.fakediscord import FakeDiscord

FIRST_MEMBER_ID = 1_000  # snowflakes from 2015: accounts old enough to vote
VOTE_EMOJI = {CHOICE_EMOJI[c]: c for c in Choice}


class StormServer:
    def __init__(self, members: int) -> None:
        self.members = members
        self.fake = FakeDiscord()
        self.site = PageSite()
        self.stopped = asyncio.Event()
        # While recording: every reaction dispatched, in gateway order, with the storm index of
        # the event that caused it (-1: the bot's own REST calls, e.g. its clean-up).
        self.recording = False
        self.log: list[tuple[int, str, int, int, str]] = []
        self._storm_index = -1
        self._summary_path = ""
        self._patches_before = 0
        self._factor_messages: dict[str, int] = {}

    async def start(self) -> int:
        await self.fake.start()
        await self.site.start()
        fake = self.fake
        self.guild = fake.add_guild("Storm")
        self.channel = self.guild.add_text_channel("link-offers")
        old = datetime.now(UTC) - timedelta(days=400)
        self.requester = self.guild.add_member("requester", account_created=old, joined_at=old)
        for i in range(self.members):
            self.guild.add_member(f"voter{i}", user_id=FIRST_MEMBER_ID + i, joined_at=old)
        self._wrap_reactions()
        app = web.Application()
        app.router.add_get("/info", self.info)
        app.router.add_post("/slash", self.slash)
        app.router.add_post("/await_reactions", self.await_reactions)
        app.router.add_post("/storm", self.storm)
        app.router.add_get("/finish", self.finish)
        app.router.add_post("/shutdown", self.shutdown)
        self.runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        return site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        await self.runner.cleanup()
        await self.site.stop()
        await self.fake.stop()

    def _wrap_reactions(self) -> None:
        """Log reaction dispatches, whoever causes them (the storm or the bot through REST)."""
        fake = self.fake
        add, remove = fake.add_reaction, fake.remove_reaction

        def logged(kind: str, original: Any) -> Any:
            def call(message: Any, user_id: int, emoji: str) -> bool:
                happened = original(message, user_id, emoji)
                if happened and self.recording:
                    self.log.append((self._storm_index, kind, message.id, user_id, emoji))
                return happened

            return call

        fake.add_reaction = logged("add", add)  # type: ignore[method-assign]
        fake.remove_reaction = logged("remove", remove)  # type: ignore[method-assign]

    # -- control endpoints ---------------------------------------------------------------------
    async def info(self, request: web.Request) -> web.Response:
        return web.json_response(self.do_info())

    async def slash(self, request: web.Request) -> web.Response:
        return web.json_response(await self.do_slash(await request.json()))

    async def await_reactions(self, request: web.Request) -> web.Response:
        return web.json_response(await self.do_await_reactions(await request.json()))

    async def storm(self, request: web.Request) -> web.Response:
        return web.json_response(await self.do_storm(await request.json()))

    async def finish(self, request: web.Request) -> web.Response:
        return web.json_response(await self.do_finish({}))

    async def shutdown(self, request: web.Request) -> web.Response:
        self.stopped.set()
        return web.json_response({"ok": True})

    # -- the work (also called directly by the bench's --in-process mode) -------------------------
    def do_info(self) -> dict[str, Any]:
        fake = self.fake
        return {
            "api_base_url": fake.api_base_url, "gateway_url": fake.gateway_url, "bot_token": fake.bot_token,
            "bot_user_id": fake.bot_user.id, "page_port": self.site.port, "page_url": self.site.url("/in-content"),
            "guild_id": self.guild.id, "channel_id": self.channel.id, "first_member_id": FIRST_MEMBER_ID,
            "clock": time.get_clock_info("monotonic").implementation,
        }

    async def do_slash(self, body: dict[str, Any]) -> dict[str, Any]:
        rec = await self.fake.invoke_slash(self.requester, self.channel, "secondopinion", {"url": body["url"]})
        reply = await rec.wait_reply(timeout=15)
        return {"ephemeral": reply.ephemeral, "content": reply.content}

    async def do_await_reactions(self, body: dict[str, Any]) -> dict[str, Any]:
        ids = [int(i) for i in body["message_ids"]]
        fake = self.fake
        await fake.wait_for(
            lambda: all(fake.bot_user.id in fake.messages[m].reactors(e) for m in ids for e in VOTE_EMOJI),
            timeout=15, what="the bot's vote reactions",
        )
        return {"ok": True}

    async def do_storm(self, body: dict[str, Any]) -> dict[str, Any]:
        fake = self.fake
        self._factor_messages = {f: int(m) for f, m in body["factor_messages"].items()}
        self._summary_path = f"/channels/{body['thread_id']}/messages/{body['summary_id']}"
        self._patches_before = len(fake.calls("PATCH", self._summary_path))
        if body.get("rate_limits", True):
            fake.enable_rate_limits()
        events = storm_events(int(body["review_id"]), self.guild.id, members=self.members,
                              first_member_id=FIRST_MEMBER_ID)
        skipped = switch_removals(events) if body.get("bot_cleans") else set()
        chunk = int(body.get("chunk", 50))
        messages = {f: fake.messages[m] for f, m in self._factor_messages.items()}
        stamps: list[tuple[int, float]] = []
        self.log.clear()
        self.recording = True
        for i, event in enumerate(events):
            if i not in skipped:
                self._storm_index = i
                emoji = CHOICE_EMOJI[event.choice]
                stamp = time.monotonic()
                if event.kind == "add":
                    happened = fake.add_reaction(messages[event.factor], event.member_id, emoji)
                else:
                    happened = fake.remove_reaction(messages[event.factor], event.member_id, emoji)
                if happened:
                    stamps.append((i, stamp))
            self._storm_index = -1
            if i % chunk == chunk - 1:
                await asyncio.sleep(0)  # the gateway writer sends between chunks
        dispatched_until = time.monotonic()
        await fake.gateway.flush()
        return {"stamps": stamps, "dispatched_until": dispatched_until, "written_until": time.monotonic(),
                "events": len(events)}

    async def do_finish(self, body: dict[str, Any]) -> dict[str, Any]:
        fake = self.fake
        bot_id = fake.bot_user.id
        tally = {
            f: {c.value: len([u for u in fake.messages[m].reactors(CHOICE_EMOJI[c]) if u != bot_id]) for c in Choice}
            for f, m in self._factor_messages.items()
        }
        self.recording = False
        return {
            "patches": len(fake.calls("PATCH", self._summary_path)) - self._patches_before,
            "rate_limit_hits": len(fake.rate_limit_hits),
            "tally": tally, "log": list(self.log),
            "problems": [*fake.server_errors, *(f"unknown route {r}" for r in fake.unknown_routes)],
        }


async def main(members: int) -> None:
    server = StormServer(members)
    port = await server.start()
    print(f"READY {port}", flush=True)
    stdin_closed = asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    # Stop on /shutdown, or when the bench goes away (its end of our stdin closes).
    await asyncio.wait([asyncio.ensure_future(server.stopped.wait()), stdin_closed],
                       return_when=asyncio.FIRST_COMPLETED)
    await server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=200)
    asyncio.run(main(parser.parse_args().members))
