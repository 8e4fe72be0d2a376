"""Shared steps for the review e2e tests: open a review, find its messages, wait for stored votes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bot.review.factors import FACTOR_IDS, Choice
from tests.fakediscord import FakeDiscord

T = TypeVar("T")

TARGET = "compost-supplies.test"
GOOD, UNSURE, BAD = "🟢", "🟡", "🔴"


async def eventually(probe: Callable[[], Awaitable[T]], *, timeout: float = 8.0, what: str = "condition") -> T:  # noqa: ASYNC109
    """Poll an async probe until it returns something truthy (no timing is asserted)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        value = await probe()
        if value:
            return value
        if loop.time() > end:
            raise AssertionError(f"timed out waiting for {what}; last value {value!r}")
        await asyncio.sleep(0.03)


class OpenedReview:
    """A review as the fake sees it: thread, summary message and one message per factor."""

    def __init__(self, fake: FakeDiscord, review_id: int, thread_id: int, summary_id: int,
                 factor_ids: dict[str, int]) -> None:
        self.fake = fake
        self.id = review_id
        self.thread = fake.channels[thread_id]
        self.summary = fake.messages[summary_id]
        self.factors = {f: fake.messages[m] for f, m in factor_ids.items()}


async def open_review(fake: FakeDiscord, bot_process: Any, member: Any, channel: Any, url: str,
                      **options: Any) -> tuple[OpenedReview, Any]:
    """Run /secondopinion and wait until the review is open with every vote reaction in place."""
    rec = await fake.invoke_slash(member, channel, "secondopinion", {"url": url, **options})
    reply = await rec.wait_reply(timeout=10)
    assert not reply.ephemeral, reply.content
    return await opened_from_db(fake, bot_process, url), reply


async def opened_from_db(fake: FakeDiscord, bot_process: Any, url: str) -> OpenedReview:
    db = bot_process.services.db

    async def probe() -> Any:
        return await db.fetchone(
            "SELECT id, thread_id, summary_message_id FROM reviews WHERE url = ? AND status = 'open'", (url,))

    row = await eventually(probe, what="the review to open")
    rows = await db.fetchall("SELECT factor, message_id FROM review_factor_messages WHERE review_id = ?", (row[0],))
    opened = OpenedReview(fake, row[0], row[1], row[2], {r[0]: r[1] for r in rows})
    assert set(opened.factors) == set(FACTOR_IDS)
    await fake.wait_for(
        lambda: all(fake.bot_user.id in m.reactors(e) for m in opened.factors.values() for e in (GOOD, UNSURE, BAD)),
        timeout=10, what="the bot's vote reactions",
    )
    return opened


async def stored_votes(bot_process: Any, review_id: int) -> dict[tuple[str, int], str]:
    rows = await bot_process.services.db.fetchall(
        "SELECT factor, member_id, choice FROM votes WHERE review_id = ?", (review_id,))
    return {(r[0], r[1]): r[2] for r in rows}


async def wait_votes(bot_process: Any, review_id: int, expected: dict[tuple[str, int], str],
                     timeout: float = 8.0) -> None:  # noqa: ASYNC109
    async def probe() -> bool:
        return await stored_votes(bot_process, review_id) == expected

    try:
        await eventually(probe, timeout=timeout, what="the stored votes")
    except AssertionError:
        got = await stored_votes(bot_process, review_id)
        raise AssertionError(f"stored votes {got} != expected {expected}") from None


async def reconciliation_done(bot_process: Any) -> None:
    """Wait until the bot has run a reconciliation pass and none is running (the start-up pass
    must not land in the middle of what a test stages)."""
    cog = bot_process.bot.get_cog("Reviews").runtime

    async def done() -> bool:
        return cog.reconcile_runs >= 1 and not cog.reconciling

    await eventually(done, what="the reconciliation pass")


def choice_value(emoji: str) -> str:
    return {GOOD: Choice.GOOD, UNSURE: Choice.UNSURE, BAD: Choice.BAD}[emoji].value
