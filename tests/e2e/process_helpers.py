"""Run `python -m bot run` as a real OS process against the in-test FakeDiscord, and read its
SQLite file from the test: the kill -9 tests need a process the kernel can take away mid-write."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import aiosqlite

from bot.review.factors import CHOICE_EMOJI, FACTOR_IDS, Choice, choice_for_emoji
from bot.review.reconcile import pick_choice
from tests.e2e.review_helpers import OpenedReview, eventually
from tests.fakediscord import FakeDiscord

ROOT = Path(__file__).resolve().parents[2]

VoteMap = dict[tuple[str, int], str]


def write_config(tmp_path: Path, fake: FakeDiscord, page_port: int) -> Path:
    """A config for the fake: its endpoints, a temp DB, loopback pages allowed, quick tally edits."""
    cfg = tmp_path / "bot.toml"
    cfg.write_text("\n".join([
        "[discord]",
        f'api_base_url = "{fake.api_base_url}"',
        f'gateway_url = "{fake.gateway_url}"',
        f'token = "{fake.bot_token}"',
        "[storage]",
        'path = "bot.sqlite3"',
        "[fetch]",
        "allow_private_networks = true",
        f"allowed_ports = [80, 443, {page_port}]",
        "[checks]",
        "cooldown_seconds = 0.0",
        "[review]",
        "tally_edit_interval = 0.2",
        "review_cooldown_seconds = 0.0",
        "[logging]",
        'level = "WARNING"',
        'file = "bot.log"',
    ]) + "\n")
    return cfg


class BotSubprocess:
    """One `python -m bot run` process; start() again after kill() is a restart on the same DB."""

    def __init__(self, tmp_path: Path, fake: FakeDiscord, page_port: int) -> None:
        self.tmp_path = tmp_path
        self.fake = fake
        self.config = write_config(tmp_path, fake, page_port)
        self.db_path = tmp_path / "bot.sqlite3"
        self.log_path = tmp_path / "bot.log"
        self.proc: asyncio.subprocess.Process | None = None
        self.started_at = 0.0
        self._stderr: Any = None

    async def start(self) -> None:
        """Spawn the process and wait until its new session has been sent its guilds.

        Frames reach the bot in order on one socket, so a member action after this is seen
        after the guild is in the bot's cache."""
        assert self.proc is None or self.proc.returncode is not None
        log_from = len(self.fake.gateway.log)
        env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
        self._stderr = open(self.tmp_path / "stderr.txt", "ab")  # noqa: SIM115, ASYNC230 - a local file
        self.started_at = time.monotonic()  # the fake stamps its REST log with monotonic()
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--config", str(self.config), cwd=ROOT, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=self._stderr, stderr=self._stderr,
        )

        def connected() -> bool:
            if self.proc is not None and self.proc.returncode is not None:
                raise AssertionError(f"the bot exited with {self.proc.returncode}: {self.output()}")
            return any(r.direction == "out" and r.event == "GUILD_CREATE" for r in self.fake.gateway.log[log_from:])

        await self.fake.wait_for(connected, timeout=30, what="the bot process to connect")

    async def kill(self) -> None:
        """SIGKILL: no shutdown code runs, whatever was in flight is lost as in a crash."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await asyncio.wait_for(self.proc.wait(), 10)
        assert self.proc.returncode == -signal.SIGKILL
        self._close_stderr()

    async def stop(self) -> int:
        """SIGTERM and wait for a clean exit; returns the exit code."""
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 20)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        self._close_stderr()
        return self.proc.returncode or 0

    def _close_stderr(self) -> None:
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def output(self) -> str:
        """What the process wrote to stderr/stdout and its log file."""
        parts = []
        for path in (self.tmp_path / "stderr.txt", self.log_path):
            if path.exists():
                parts.append(path.read_text(errors="replace"))
        return "\n".join(parts)

    def problems(self) -> list[str]:
        """Logged errors and tracebacks (the process cannot fail the test by itself)."""
        return [line for line in self.output().splitlines()
                if "Traceback" in line or " ERROR " in line or line.startswith("ERROR")]


async def read_only(path: Path) -> aiosqlite.Connection:
    """A read-only connection: the test looks at the bot's file without ever writing to it."""
    conn = await aiosqlite.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    await conn.execute("PRAGMA busy_timeout = 5000")
    return conn


async def query(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    conn = await read_only(path)
    try:
        async with conn.execute(sql, params) as cursor:
            return [tuple(r) for r in await cursor.fetchall()]
    finally:
        await conn.close()


async def file_votes(path: Path, review_id: int) -> VoteMap:
    rows = await query(path, "SELECT factor, member_id, choice FROM votes WHERE review_id = ?", (review_id,))
    return {(r[0], r[1]): r[2] for r in rows}


async def integrity(path: Path) -> str:
    """PRAGMA integrity_check on a normal connection (it may recover the WAL, as the next start would)."""
    async with aiosqlite.connect(path) as conn:
        async with conn.execute("PRAGMA integrity_check") as cursor:
            rows = await cursor.fetchall()
    return "; ".join(str(r[0]) for r in rows)


async def open_review_in_process(fake: FakeDiscord, db_path: Path, member: Any, channel: Any,
                                 url: str) -> OpenedReview:
    """Run /secondopinion against the process and wait for the thread, the messages and the seed reactions."""
    rec = await fake.invoke_slash(member, channel, "secondopinion", {"url": url})
    reply = await rec.wait_reply(timeout=20)
    assert not reply.ephemeral, reply.content

    async def probe() -> list[tuple[Any, ...]]:
        return await query(db_path, "SELECT id, thread_id, summary_message_id FROM reviews "
                                    "WHERE url = ? AND status = 'open' AND thread_id IS NOT NULL", (url,))

    row = (await eventually(probe, timeout=15, what="the review to open"))[0]
    rows = await query(db_path, "SELECT factor, message_id FROM review_factor_messages WHERE review_id = ?",
                       (row[0],))
    opened = OpenedReview(fake, row[0], row[1], row[2], {r[0]: r[1] for r in rows})
    assert set(opened.factors) == set(FACTOR_IDS)
    await fake.wait_for(
        lambda: all(fake.bot_user.id in m.reactors(e) for m in opened.factors.values() for e in CHOICE_EMOJI.values()),
        timeout=15, what="the bot's vote reactions",
    )
    return opened


def reactions_on_fake(fake: FakeDiscord, review: OpenedReview, voters: set[int]) -> dict[tuple[str, int], set[Choice]]:
    """What the factor messages say on "Discord": (factor, member) -> the vote emoji they left."""
    seen: dict[tuple[str, int], set[Choice]] = {}
    for factor_id, message in review.factors.items():
        for emoji, users in message.reactions.items():
            choice = choice_for_emoji(emoji)
            if choice is None:
                continue
            for user_id in users:
                if user_id in voters:
                    seen.setdefault((factor_id, user_id), set()).add(choice)
    return seen


def expected_from_reactions(seen: dict[tuple[str, int], set[Choice]], stored: VoteMap | None = None) -> VoteMap:
    """The votes a reconciliation must leave: one reaction is the vote; of several, the stored
    choice if it is still among them (bot/review/reconcile.py keeps it), else the most cautious."""
    stored = stored or {}
    expected: VoteMap = {}
    for key, choices in seen.items():
        kept = stored.get(key)
        if kept is not None and Choice(kept) in choices:
            expected[key] = kept
        else:
            expected[key] = pick_choice(choices).value
    return expected


def multi_reaction_keys(seen: dict[tuple[str, int], set[Choice]]) -> int:
    return sum(1 for choices in seen.values() if len(choices) > 1)
