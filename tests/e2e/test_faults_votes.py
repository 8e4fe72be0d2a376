"""Faults while members vote: the bot process killed with SIGKILL during a reaction storm, the
gateway dropping or invalidating the session mid-vote, and Discord answering 429/5xx to the
review flow's REST calls. Each test asserts that no vote was lost: the stored votes end up
exactly what the reactions on the fake's factor messages say."""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.review.factors import CHOICE_EMOJI, Choice
from bot.review.votes import VoteOps
from tests.e2e.process_helpers import (
    BotSubprocess,
    expected_from_reactions,
    file_votes,
    integrity,
    multi_reaction_keys,
    open_review_in_process,
    reactions_on_fake,
)
from tests.e2e.review_helpers import (
    OpenedReview,
    eventually,
    open_review,
    reconciliation_done,
    stored_votes,
    wait_votes,
)
from tests.fakediscord import FakeDiscord, rate_limited, server_error

EMOJI = list(CHOICE_EMOJI.values())


@dataclass(frozen=True)
class Op:
    kind: str  # "add" | "remove"
    factor: str
    member_id: int
    emoji: str


def storm_ops(factors: list[str], member_ids: list[int], *, seed: int, leave_to_bot: float) -> list[Op]:
    """Per (member, factor): a vote; often a switch (the member takes the old reaction back,
    or leaves that to the bot's clean-up with probability `leave_to_bot`); sometimes a
    withdrawal and a vote again. Keys interleave at random; each key keeps its own order."""
    rng = random.Random(seed)
    scripts: list[list[Op]] = []
    for member_id in member_ids:
        for factor in factors:
            script: list[Op] = []
            current = rng.choice(EMOJI)
            script.append(Op("add", factor, member_id, current))
            if rng.random() < 0.5:
                new = rng.choice([e for e in EMOJI if e != current])
                script.append(Op("add", factor, member_id, new))
                if rng.random() >= leave_to_bot:
                    script.append(Op("remove", factor, member_id, current))
                current = new
            if rng.random() < 0.25:
                script.append(Op("remove", factor, member_id, current))
                if rng.random() < 0.5:
                    script.append(Op("add", factor, member_id, rng.choice(EMOJI)))
            scripts.append(script)
    ops: list[Op] = []
    while scripts:
        i = rng.randrange(len(scripts))
        ops.append(scripts[i].pop(0))
        if not scripts[i]:
            scripts.pop(i)
    return ops


def apply_ops(fake: FakeDiscord, review: OpenedReview, ops: list[Op]) -> int:
    """Play member reactions on the fake (it dispatches each over the gateway); returns how many happened."""
    happened = 0
    for op in ops:
        message = review.factors[op.factor]
        if op.kind == "add":
            happened += fake.add_reaction(message, op.member_id, op.emoji)
        else:
            happened += fake.remove_reaction(message, op.member_id, op.emoji)
    return happened


async def play(fake: FakeDiscord, review: OpenedReview, ops: list[Op], *, chunk: int = 25) -> int:
    happened = 0
    for start in range(0, len(ops), chunk):
        happened += apply_ops(fake, review, ops[start:start + chunk])
        await fake.flush()
    return happened


def add_voters(guild: Any, count: int) -> list[Any]:
    old = datetime.now(UTC) - timedelta(days=400)
    return [guild.add_member(f"voter{i}", account_created=old, joined_at=old) for i in range(count)]


def no_multi_reactions(fake: FakeDiscord, review: OpenedReview, voters: set[int]) -> bool:
    return multi_reaction_keys(reactions_on_fake(fake, review, voters)) == 0


async def settled(read: Any, *, polls: int = 4, every: float = 0.15) -> Any:
    """The value once `polls` reads in a row agree (bounded: gives up after 40 tries)."""
    last = await read()
    same = 1
    for _ in range(40):
        await asyncio.sleep(every)
        value = await read()
        same = same + 1 if value == last else 1
        last = value
        if same >= polls:
            return value
    raise AssertionError("the database did not stop changing")


# -- 1. SIGKILL during a reaction storm ------------------------------------------------------------

@pytest.fixture
async def subprocess_bot(tmp_path, fake_discord, page_site):
    bot = BotSubprocess(tmp_path, fake_discord, page_site.port)
    try:
        yield bot
    finally:
        if bot.proc is not None and bot.proc.returncode is None:
            await bot.stop()


async def test_sigkill_after_a_storm_keeps_every_committed_vote(fake_discord, subprocess_bot, world, page_site):
    guild, channel, members = world
    voters = add_voters(guild, 40)
    voter_ids = {v.id for v in voters}
    bot = subprocess_bot
    await bot.start()
    review = await open_review_in_process(fake_discord, bot.db_path, members[0], channel,
                                          page_site.url("/in-content", host="127.0.0.1"))
    ops = storm_ops(list(review.factors), [v.id for v in voters], seed=7, leave_to_bot=0.1)
    events = await play(fake_discord, review, ops)
    # Reacting stops; the live bot tidies superseded reactions and stores every vote.
    await fake_discord.wait_for(lambda: no_multi_reactions(fake_discord, review, voter_ids), timeout=20,
                                what="superseded reactions tidied")
    expected = expected_from_reactions(reactions_on_fake(fake_discord, review, voter_ids))
    await eventually(lambda: _equals(file_votes(bot.db_path, review.id), expected), timeout=15,
                     what="the stored votes to match the reactions")
    snapshot = await settled(lambda: file_votes(bot.db_path, review.id))
    assert snapshot == expected
    await bot.kill()
    assert await integrity(bot.db_path) == "ok"
    after = await file_votes(bot.db_path, review.id)
    print(f"\nsigkill-after-storm: {events} reaction events, {len(snapshot)} votes stored before the kill, "
          f"{len(after)} after")
    assert after == snapshot
    assert not bot.problems(), bot.output()


async def test_sigkill_mid_storm_then_restart_reconciles_to_the_reactions(
    fake_discord, subprocess_bot, world, page_site
):
    guild, channel, members = world
    voters = add_voters(guild, 50)
    voter_ids = {v.id for v in voters}
    bot = subprocess_bot
    await bot.start()
    review = await open_review_in_process(fake_discord, bot.db_path, members[0], channel,
                                          page_site.url("/in-content", host="127.0.0.1"))
    ops = storm_ops(list(review.factors), [v.id for v in voters], seed=11, leave_to_bot=0.3)
    half = len(ops) // 2
    before_kill = await play(fake_discord, review, ops[:half])
    await eventually(lambda: _at_least(file_votes(bot.db_path, review.id), 60), timeout=15,
                     what="votes being stored")
    # A burst goes to the bot and the process dies under it: as soon as its first votes are
    # committed, while the rest is being read and stored.
    burst = ops[half:half + 150]
    before_burst = await file_votes(bot.db_path, review.id)
    in_flight = apply_ops(fake_discord, review, burst)
    await eventually(lambda: _differs(file_votes(bot.db_path, review.id), before_burst), timeout=10,
                     what="the burst's first votes stored")
    await bot.kill()
    # The storm goes on while the bot is gone: "Discord" keeps every reaction.
    after_kill = await play(fake_discord, review, ops[half + len(burst):])
    assert await integrity(bot.db_path) == "ok"
    stored_at_kill = await file_votes(bot.db_path, review.id)
    seen = reactions_on_fake(fake_discord, review, voter_ids)
    expected = expected_from_reactions(seen, stored_at_kill)
    kept = sum(expected_from_reactions({k: v}, stored_at_kill) != expected_from_reactions({k: v})
               for k, v in seen.items())
    assert stored_at_kill != expected  # the kill and the gap really lost events for the restart to recover
    await bot.start()
    started = bot.started_at
    await eventually(lambda: _equals(file_votes(bot.db_path, review.id), expected), timeout=20,
                     what="the restart's reconciliation")
    reconciled_in = time.monotonic() - started
    reads = [c.time for c in fake_discord.calls("GET", f"/channels/{review.thread.id}/messages/*") if c.time > started]
    assert reads, "the restart read the reactions back"
    assert await settled(lambda: file_votes(bot.db_path, review.id)) == expected
    # The tally the members see follows.
    overall = [v for (f, _), v in expected.items() if f == "overall"]
    line = f"**Overall risk** — 🟢 {overall.count('good')} 🟡 {overall.count('unsure')} 🔴 {overall.count('bad')}"
    await fake_discord.wait_for(lambda: line in str(review.summary.embeds[0]), timeout=10, what="the tally refreshed")
    print(f"\nsigkill-mid-storm: {before_kill + in_flight + after_kill} reaction events "
          f"({before_kill} before the burst, {in_flight} in the burst killed under, {after_kill} while down), "
          f"{len(before_burst)} votes stored before the burst, {len(stored_at_kill)} at the kill "
          f"({_changes(before_burst, stored_at_kill)} changed by the burst), "
          f"{len(expected)} after reconciliation "
          f"({multi_reaction_keys(seen)} members with several reactions on a factor, {kept} of them keeping "
          f"their stored, less cautious choice); "
          f"restart to reconciled {reconciled_in:.2f} s (first reaction read-back {reads[0] - started:.2f} s "
          f"after the spawn)")
    assert not bot.problems(), bot.output()


async def _equals(awaitable: Any, expected: Any) -> bool:
    return await awaitable == expected


async def _differs(awaitable: Any, other: Any) -> bool:
    return await awaitable != other


def _changes(before: dict[Any, Any], after: dict[Any, Any]) -> int:
    return sum(before.get(k) != after.get(k) for k in before.keys() | after.keys())


async def _at_least(awaitable: Any, n: int) -> bool:
    return len(await awaitable) >= n


# -- 2. The gateway drops while members vote -----------------------------------------------------

async def _settled_cog(bot_process: Any) -> bool:
    cog = bot_process.bot.get_cog("Reviews").runtime
    return not cog.tasks and not any(cog.coalescer.is_pending(r) for r in (cog.desk.reviews or {}))


async def test_resumable_drop_mid_vote_loses_nothing(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    voters = add_voters(guild, 24)
    voter_ids = {v.id for v in voters}
    await bot_process.start()
    review, _ = await open_review(fake_discord, bot_process, members[0], channel, page_site.url("/in-content"))
    ops = storm_ops(list(review.factors), [v.id for v in voters], seed=3, leave_to_bot=0.05)
    identifies, resumes = fake_discord.identify_count, fake_discord.resume_count
    third = len(ops) // 3
    await play(fake_discord, review, ops[:third])
    await fake_discord.drop_gateway()
    apply_ops(fake_discord, review, ops[third:2 * third])  # while the socket is down: kept for the resume
    await fake_discord.wait_for(lambda: fake_discord.resume_count > resumes, timeout=15, what="the resume")
    await play(fake_discord, review, ops[2 * third:])
    assert fake_discord.identify_count == identifies  # resumed, not a new session
    await fake_discord.wait_for(lambda: no_multi_reactions(fake_discord, review, voter_ids), timeout=20,
                                what="superseded reactions tidied")
    expected = expected_from_reactions(reactions_on_fake(fake_discord, review, voter_ids))
    await wait_votes(bot_process, review.id, expected, timeout=15)


async def test_invalid_session_mid_vote_reconciles_the_gap(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    voters = add_voters(guild, 24)
    voter_ids = {v.id for v in voters}
    bot = await bot_process.start()
    review, _ = await open_review(fake_discord, bot_process, members[0], channel, page_site.url("/in-content"))
    cog = bot.get_cog("Reviews").runtime
    ops = storm_ops(list(review.factors), [v.id for v in voters], seed=5, leave_to_bot=0.0)
    half = len(ops) // 2
    await play(fake_discord, review, ops[:half])
    await fake_discord.wait_for(lambda: no_multi_reactions(fake_discord, review, voter_ids), timeout=20,
                                what="superseded reactions tidied")
    before = expected_from_reactions(reactions_on_fake(fake_discord, review, voter_ids))
    await wait_votes(bot_process, review.id, before, timeout=15)
    runs, identifies = cog.reconcile_runs, fake_discord.identify_count
    # Non-resumable: the session is gone at once; everything until the new IDENTIFY is never sent.
    fake_discord.invalidate_session(resumable=False)
    gap = ops[half:]
    in_gap = apply_ops(fake_discord, review, gap)
    # In the gap too: a member withdraws a vote, another switches without taking the old reaction back.
    single = sorted(k for k, v in reactions_on_fake(fake_discord, review, voter_ids).items() if len(v) == 1)
    (factor, withdrawn), (switched_factor, switcher) = single[0], single[1]
    for emoji in EMOJI:
        in_gap += fake_discord.remove_reaction(review.factors[factor], withdrawn, emoji)
    in_gap += fake_discord.add_reaction(review.factors[switched_factor], switcher, CHOICE_EMOJI[Choice.UNSURE])
    in_gap += fake_discord.add_reaction(review.factors[switched_factor], switcher, CHOICE_EMOJI[Choice.GOOD])
    await fake_discord.wait_for(lambda: fake_discord.identify_count > identifies, timeout=15, what="re-identify")
    await eventually(lambda: _true(cog.reconcile_runs > runs), timeout=15, what="reconciliation after re-identify")
    assert in_gap > 0
    stored = await stored_votes(bot_process, review.id)
    # Reconciliation keeps a stored choice that is still among a member's reactions.
    expected = expected_from_reactions(reactions_on_fake(fake_discord, review, voter_ids), before)
    assert stored == expected
    assert (factor, withdrawn) not in stored
    # Live votes flow again on the new session.
    voter = voters[0]
    message = review.factors["relevance"]
    for emoji in EMOJI:
        fake_discord.remove_reaction(message, voter.id, emoji)
    await fake_discord.react(voter, message, CHOICE_EMOJI[Choice.BAD])
    expected.pop(("relevance", voter.id), None)
    expected[("relevance", voter.id)] = "bad"
    await wait_votes(bot_process, review.id, expected)


async def _true(value: bool) -> bool:
    return value


# -- 3. Discord answers 429 and 5xx on the review flow's REST calls --------------------------------

async def test_rate_limits_and_server_errors_on_the_review_flow(fake_discord, bot_process, world, page_site):
    guild, channel, members = world
    await bot_process.start()
    await bot_process.services.guild_settings.update(guild.id, 0.0, min_votes=2)
    thread_create = fake_discord.inject_rest_faults(
        f"POST /channels/{channel.id}/threads", [rate_limited(0.05)])
    posts = fake_discord.inject_rest_faults(
        "POST /channels/*/messages", [server_error(500), rate_limited(0.1), rate_limited(0.05, is_global=True)])
    seeds = fake_discord.inject_rest_faults(
        "PUT /channels/*/messages/*/reactions/*/@me",
        [server_error(502), rate_limited(0.05), rate_limited(0.05, is_global=True)])
    review, _ = await open_review(fake_discord, bot_process, members[0], channel, page_site.url("/in-content"))
    assert thread_create.remaining == posts.remaining == seeds.remaining == 0
    # Opened fully and exactly once: the summary and one message per factor, each seed reaction once.
    in_thread = fake_discord.messages_in(review.thread)
    assert len(in_thread) == 1 + len(review.factors)
    assert all(m.reactors(e) == [fake_discord.bot_user.id] for m in review.factors.values() for e in EMOJI)
    assert len(fake_discord.threads_of(channel)) == 1

    # Votes while the summary edits and the clean-up of a superseded reaction meet 429s.
    # (A 5xx first, then a 429: discord.py waits 1 s before the first retry of a 5xx, 3 s after.)
    summary_path = f"PATCH /channels/{review.thread.id}/messages/{review.summary.id}"
    edits = fake_discord.inject_rest_faults(summary_path, [rate_limited(0.1), rate_limited(0.05, is_global=True)])
    tidies = fake_discord.inject_rest_faults("DELETE /channels/*/messages/*/reactions/*/*",
                                             [rate_limited(0.05, is_global=True)])
    a, b, c = members[1], members[2], members[3]
    overall, placement = review.factors["overall"], review.factors["placement"]
    for voter in (a, b, c):
        await fake_discord.react(voter, overall, CHOICE_EMOJI[Choice.BAD])
    await fake_discord.react(a, placement, CHOICE_EMOJI[Choice.GOOD])
    await fake_discord.react(b, placement, CHOICE_EMOJI[Choice.GOOD])
    await fake_discord.react(c, placement, CHOICE_EMOJI[Choice.UNSURE])
    await fake_discord.react(c, placement, CHOICE_EMOJI[Choice.GOOD])  # a switch: the bot removes 🟡
    expected = {("overall", a.id): "bad", ("overall", b.id): "bad", ("overall", c.id): "bad",
                ("placement", a.id): "good", ("placement", b.id): "good", ("placement", c.id): "good"}
    await wait_votes(bot_process, review.id, expected, timeout=15)
    await fake_discord.wait_for(lambda: c.id not in placement.reactors(CHOICE_EMOJI[Choice.UNSURE]), timeout=10,
                                what="the superseded reaction removed")
    await fake_discord.wait_for(lambda: "🟢 0 🟡 0 🔴 3" in str(review.summary.embeds[0]), timeout=15,
                                what="the tally shown despite the faults")
    assert edits.remaining == 0 and tidies.remaining == 0
    await eventually(lambda: _settled_cog(bot_process), what="the cog to settle")

    # The deadline passes; posting the verdict, editing the summary, archiving and telling the
    # requester all meet faults first.
    verdict_post = fake_discord.inject_rest_faults(
        f"POST /channels/{review.thread.id}/messages", [server_error(500), rate_limited(0.05, is_global=True)])
    final_edit = fake_discord.inject_rest_faults(summary_path, [rate_limited(0.05)])
    archive = fake_discord.inject_rest_faults(f"PATCH /channels/{review.thread.id}",
                                              [server_error(502), rate_limited(0.05)])
    notice = fake_discord.inject_rest_faults(f"POST /channels/{channel.id}/messages", [rate_limited(0.05)])
    db = bot_process.services.db
    await db.execute("UPDATE reviews SET deadline_at = ? WHERE id = ?", (time.time() + 0.2, review.id))
    bot_process.bot.get_cog("Reviews").runtime.wake()
    await fake_discord.wait_for(lambda: review.thread.archived and review.thread.locked, timeout=20,
                                what="the thread archived after the verdict")
    await fake_discord.wait_for(lambda: notice.remaining == 0 and _notices(fake_discord, channel), timeout=10,
                                what="the requester's notice")
    assert verdict_post.remaining == final_edit.remaining == archive.remaining == 0
    row = await db.fetchone("SELECT status, close_reason, community_risk, verdict_json FROM reviews WHERE id = ?",
                            (review.id,))
    assert tuple(row[:3]) == ("closed", "deadline", "high")
    by_factor = {f["factor"]: f for f in json.loads(row[3])["factors"]}
    # No vote dropped: the verdict counted every stored vote.
    assert (by_factor["overall"]["bad"], by_factor["overall"]["good"]) == (3, 0)
    assert (by_factor["placement"]["good"], by_factor["placement"]["unsure"]) == (3, 0)
    assert sum(f["good"] + f["unsure"] + f["bad"] for f in by_factor.values()) == len(expected)
    assert await stored_votes(bot_process, review.id) == expected
    verdicts = [m for m in fake_discord.messages_in(review.thread)
                if m.embeds and m.embeds[0].get("title", "").startswith("Community verdict")]
    assert len(verdicts) == 1  # posted once, despite the retries
    assert len(_notices(fake_discord, channel)) == 1
    assert "closed" in str(review.summary.embeds[0]).lower() or "verdict" in str(review.summary.embeds[0]).lower()


def _notices(fake: FakeDiscord, channel: Any) -> list[Any]:
    return [m for m in fake.messages_in(channel) if m.author.id == fake.bot_user.id and "high" in (m.content or "")]


# -- Reconciliation racing live votes (found by the storms above) ----------------------------------

async def test_a_reconciliation_during_a_switch_still_tidies_the_superseded_reaction(
    fake_discord, bot_process, world, page_site
):
    guild, channel, members = world
    bot = await bot_process.start()
    review, _ = await open_review(fake_discord, bot_process, members[0], channel, page_site.url("/in-content"))
    cog = bot.get_cog("Reviews").runtime
    cog.tidier.defer = 2.0  # the reconciliation below surely runs before the clean-up
    voter, message = members[1], review.factors["relevance"]
    bad, good = CHOICE_EMOJI[Choice.BAD], CHOICE_EMOJI[Choice.GOOD]
    await fake_discord.react(voter, message, bad)
    await wait_votes(bot_process, review.id, {("relevance", voter.id): "bad"})
    await fake_discord.react(voter, message, good)  # switching without taking 🔴 back
    await wait_votes(bot_process, review.id, {("relevance", voter.id): "good"})
    assert voter.id in message.reactors(bad)
    # A resume (or a moderator's clear) reconciles while 🔴 waits to be tidied. It must not make
    # the older, more cautious reaction the member's "current" one again.
    await cog.service.reconcile(await bot_process.services.reviews.get(review.id, guild.id))
    await fake_discord.wait_for(lambda: voter.id not in message.reactors(bad), timeout=10,
                                what="the superseded reaction tidied")
    assert voter.id in message.reactors(good)
    assert await stored_votes(bot_process, review.id) == {("relevance", voter.id): "good"}


@pytest.mark.parametrize("seen_live", [True, False], ids=["stored", "missed"])
async def test_a_vote_withdrawn_while_reconciling_is_not_brought_back(
    fake_discord, bot_process, world, page_site, monkeypatch, seen_live
):
    guild, channel, members = world
    bot = await bot_process.start()
    review, _ = await open_review(fake_discord, bot_process, members[0], channel, page_site.url("/in-content"))
    cog = bot.get_cog("Reviews").runtime
    voter, message, good = members[1], review.factors["overall"], CHOICE_EMOJI[Choice.GOOD]
    if seen_live:
        await fake_discord.react(voter, message, good)
        await wait_votes(bot_process, review.id, {("overall", voter.id): "good"})
    else:
        # The 🟢 reaches Discord but not the bot (a gateway event lost in a gap): nothing stored,
        # so only the reactions read by the reconciliation speak for it.
        await reconciliation_done(bot_process)
        missed: list[Any] = []
        monkeypatch.setattr(cog.desk, "on_add", missed.append)
        await fake_discord.react(voter, message, good)
        await fake_discord.wait_for(lambda: missed, timeout=5, what="the add event")
        monkeypatch.undo()
        assert await stored_votes(bot_process, review.id) == {}
    original = cog.board.read_reactions

    calls = []

    async def withdrawn_right_after_the_read(*args: Any) -> Any:
        calls.append(args)
        observed = await original(*args)
        # The member takes the vote back live, after the reactions were read.
        await fake_discord.unreact(voter, message, good)
        await wait_votes(bot_process, review.id, {})
        return observed

    monkeypatch.setattr(cog.board, "read_reactions", withdrawn_right_after_the_read)
    await cog.service.reconcile(await bot_process.services.reviews.get(review.id, guild.id))
    monkeypatch.undo()
    await cog.ingestor.submit_ops(VoteOps())  # whatever the pass queued is stored
    assert calls, "the reconciliation read the reactions"
    assert await stored_votes(bot_process, review.id) == {}
    assert voter.id not in message.reactors(good)


async def test_a_503_on_posting_the_verdict_and_archiving_is_retried(fake_discord, bot_process, world, page_site):
    """discord.py retries 500/502/504 by itself but raises on a 503 at once."""
    guild, channel, members = world
    await bot_process.start()
    review, _ = await open_review(fake_discord, bot_process, members[0], channel, page_site.url("/in-content"))
    await fake_discord.react(members[1], review.factors["overall"], CHOICE_EMOJI[Choice.GOOD])
    await wait_votes(bot_process, review.id, {("overall", members[1].id): "good"})
    verdict_post = fake_discord.inject_rest_faults(f"POST /channels/{review.thread.id}/messages", [server_error(503)])
    archive = fake_discord.inject_rest_faults(f"PATCH /channels/{review.thread.id}", [server_error(503)])
    await bot_process.services.db.execute("UPDATE reviews SET deadline_at = ? WHERE id = ?",
                                          (time.time() + 0.1, review.id))
    bot_process.bot.get_cog("Reviews").runtime.wake()
    await fake_discord.wait_for(lambda: review.thread.archived and review.thread.locked, timeout=15,
                                what="the thread archived")
    assert verdict_post.remaining == archive.remaining == 0
    verdicts = [m for m in fake_discord.messages_in(review.thread)
                if m.embeds and m.embeds[0].get("title", "").startswith("Community verdict")]
    assert len(verdicts) == 1
    row = await bot_process.services.db.fetchone("SELECT status, verdict_json FROM reviews WHERE id = ?",
                                                 (review.id,))
    assert row[0] == "closed"
    overall = next(f for f in json.loads(row[1])["factors"] if f["factor"] == "overall")
    assert overall["good"] == 1
