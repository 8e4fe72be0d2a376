"""The review service's rules for each transition, with in-memory repositories and board."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from bot.review.factors import CHOICE_EMOJI, Choice
from bot.review.ports import Observed
from bot.review.review import Review
from bot.review.service import AlreadyOpenError, NoSuchReviewError, OpenRequest, ReviewRefused, TooSoonError
from bot.review.votes import VoteOps

from .memory import GUILD, NOW, World, world

REQUESTER, MEMBER, OTHER, MODERATOR = 10, 20, 30, 40
HOUR = 3600.0


@dataclass(frozen=True)
class Check:
    id: int = 5
    url: str = "https://blog.example/post"
    domain: str = "blog.example"
    target: str | None = "shop.example"
    keyword: str | None = None
    risk_level: str = "low"
    risk_score: int = 12


async def opened(w: World, check: Check | None = None) -> Review:
    result = await w.service.open(OpenRequest(GUILD, REQUESTER, 99, check or Check(), None, None, place=None))
    return result.review


@pytest.fixture
def w() -> World:
    return world(min_votes=1, deadline_hours=48.0)


# -- opening ----------------------------------------------------------------------------------------

async def test_opening_posts_records_tracks_and_audits(w: World) -> None:
    review = await opened(w)
    assert review.is_open and review.thread_id in w.board.threads
    assert review.deadline_at == NOW + 48 * HOUR
    assert w.live.tracked(review.id) is not None
    assert w.audit.actions(review.id) == ["opened"]
    assert w.alarm.wakes == 1


async def test_a_refused_post_opens_nothing_and_frees_the_url(w: World) -> None:
    w.board.refuse_posting = "403 Missing Permissions"
    with pytest.raises(ReviewRefused, match="I could not open the review thread: Discord refused"):
        await opened(w)
    (review,) = w.reviews.rows.values()
    assert review.status == "deleted" and review.deleted_reason == "posting the thread failed: 403 Missing Permissions"
    w.board.refuse_posting = None
    assert (await opened(w)).is_open  # the URL is free again


@pytest.mark.parametrize("failure", [RuntimeError("database is locked"), asyncio.CancelledError()])
async def test_an_interrupted_opening_does_not_block_the_url(w: World, failure: BaseException) -> None:
    w.board.fail_posting = failure
    with pytest.raises(type(failure)):
        await opened(w)
    (review,) = w.reviews.rows.values()
    assert review.status == "deleted" and review.deleted_reason == "opening was interrupted"


async def test_one_open_review_per_page_and_target(w: World) -> None:
    first = await opened(w)
    with pytest.raises(AlreadyOpenError) as refused:
        await w.service.admit(GUILD, MEMBER, first.url, first.target, 0.0)
    assert f"review #{first.id}" in str(refused.value) and f"<#{first.thread_id}>" in str(refused.value)


async def test_asking_again_too_soon_is_refused_until_forgiven(w: World) -> None:
    await w.service.admit(GUILD, MEMBER, "https://a.example/", None, 60.0)
    with pytest.raises(TooSoonError):
        await w.service.admit(GUILD, MEMBER, "https://b.example/", None, 60.0)
    w.service.forgive(GUILD, MEMBER)
    await w.service.admit(GUILD, MEMBER, "https://b.example/", None, 60.0)


# -- closing ----------------------------------------------------------------------------------------

async def test_closing_stores_the_verdict_from_the_stored_votes_and_publishes_it(w: World) -> None:
    review = await opened(w)
    w.votes.add(review.id, "overall", MEMBER, Choice.BAD)
    closed = await w.service.close(review, actor_id=REQUESTER, reason="requester")
    assert closed is not None and closed.verdict.community_risk == "high"
    assert w.queue.submitted[-1] == VoteOps()  # the barrier: votes queued before the close are in
    stored = w.reviews.rows[review.id]
    assert (stored.status, stored.close_reason, stored.closed_by) == ("closed", "requester", REQUESTER)
    assert w.board.verdicts[review.id] == closed.verdict
    assert w.live.tracked(review.id) is None and review.id in w.display.forgotten
    assert w.audit.entries[-1].detail == "requester; community risk high"


async def test_only_one_of_two_closers_wins(w: World) -> None:
    review = await opened(w)
    assert await w.service.close(review, actor_id=REQUESTER, reason="requester") is not None
    assert await w.service.close(review, actor_id=MODERATOR, reason="moderator") is None
    assert w.audit.actions(review.id).count("closed") == 1


async def test_who_may_close(w: World) -> None:
    review = await opened(w)
    close_reason = w.service.close_reason
    assert close_reason(review, actor_id=REQUESTER, is_moderator=False) == "requester"
    assert close_reason(review, actor_id=MODERATOR, is_moderator=True) == "moderator"
    with pytest.raises(ReviewRefused, match="Only the member who asked"):
        close_reason(review, actor_id=OTHER, is_moderator=False)
    await w.service.close(review, actor_id=REQUESTER, reason="requester")
    with pytest.raises(ReviewRefused, match="already closed"):
        close_reason(w.reviews.rows[review.id], actor_id=REQUESTER, is_moderator=True)


# -- deadlines --------------------------------------------------------------------------------------

async def test_the_sweep_closes_due_reviews_only_and_says_when_to_look_again(w: World) -> None:
    due = await opened(w)
    w.clock.now += HOUR
    later = await opened(w, Check(url="https://blog.example/other"))
    w.clock.now = due.deadline_at
    next_at = await w.service.sweep_deadlines()
    assert w.reviews.rows[due.id].status == "closed" and w.reviews.rows[due.id].close_reason == "deadline"
    assert w.reviews.rows[due.id].closed_by is None
    assert w.reviews.rows[later.id].is_open and next_at == later.deadline_at
    assert await w.service.sweep_deadlines() == later.deadline_at  # nothing more is due
    assert w.audit.actions(due.id).count("closed") == 1 and w.audit.actions(later.id) == ["opened"]


async def test_a_due_review_is_not_reconciled(w: World) -> None:
    review = await opened(w)
    w.board.reactions[review.thread_id or 0] = Observed({"overall": {CHOICE_EMOJI[Choice.GOOD]: [MEMBER]}}, {MEMBER})
    w.clock.now = review.deadline_at
    await w.service.reconcile(review)
    assert await w.votes.votes_for_review(review.id, GUILD) == []


# -- reopening --------------------------------------------------------------------------------------

async def test_reopening_gives_a_full_voting_period_and_keeps_the_votes(w: World) -> None:
    review = await opened(w)
    w.votes.add(review.id, "overall", MEMBER, Choice.GOOD)
    await w.service.close(review, actor_id=REQUESTER, reason="requester")
    w.clock.now += 100 * HOUR
    reopened = await w.service.reopen(w.reviews.rows[review.id], MODERATOR)
    assert reopened.is_open and reopened.deadline_at == w.clock.now + 48 * HOUR
    assert reopened.verdict_json is None and reopened.closed_at is None
    assert len(await w.votes.votes_for_review(review.id, GUILD)) == 1
    messages = w.reviews.messages[review.id]
    assert w.live.tracked(review.id) is not None
    assert w.live.current[(messages["overall"], MEMBER)] == Choice.GOOD
    thread = w.board.threads[review.thread_id or 0]
    assert not thread.archived and not thread.locked and thread.messages[-1] == f"reopened by {MODERATOR}"
    assert w.audit.actions(review.id)[-1] == "reopened" and review.id in w.display.dirty


@pytest.mark.parametrize("state", ["open", "broken", "deleted"])
async def test_only_a_closed_review_that_can_take_votes_reopens(w: World, state: str) -> None:
    review = await opened(w)
    if state != "open":
        await w.service.close(review, actor_id=REQUESTER, reason="requester")
    if state == "broken":
        await w.reviews.mark_broken(review.id, GUILD, "the review thread was deleted")
    if state == "deleted":
        await w.reviews.soft_delete(review.id, GUILD, "spam")
    with pytest.raises(ReviewRefused, match="This review cannot be reopened"):
        await w.service.reopen(w.reviews.rows[review.id], MODERATOR)
    assert w.audit.actions(review.id)[-1] != "reopened"


async def test_a_closed_review_whose_thread_is_gone_is_marked_broken_not_reopened(w: World) -> None:
    review = await opened(w)
    await w.service.close(review, actor_id=REQUESTER, reason="requester")
    w.board.gone.add(review.thread_id or 0)
    with pytest.raises(ReviewRefused, match="its thread was deleted"):
        await w.service.reopen(w.reviews.rows[review.id], MODERATOR)
    assert w.reviews.rows[review.id].status == "closed"
    assert w.reviews.rows[review.id].broken == "the review thread was deleted"


async def test_reopening_while_another_review_of_the_page_is_open_is_refused(w: World) -> None:
    review = await opened(w)
    await w.service.close(review, actor_id=REQUESTER, reason="requester")
    other = await opened(w)
    with pytest.raises(ReviewRefused, match=f"open \\(#{other.id}\\); close it first"):
        await w.service.reopen(w.reviews.rows[review.id], MODERATOR)


async def test_a_thread_discord_does_not_answer_for_does_not_stop_a_reopen(w: World) -> None:
    review = await opened(w)
    await w.service.close(review, actor_id=REQUESTER, reason="requester")
    w.board.unreachable.add(review.thread_id or 0)
    assert (await w.service.reopen(w.reviews.rows[review.id], MODERATOR)).is_open


# -- breaking ---------------------------------------------------------------------------------------

async def test_a_broken_review_stops_taking_votes_but_stays_open(w: World) -> None:
    review = await opened(w)
    await w.service.break_review(review.id, GUILD, "a vote message of this review was deleted")
    stored = w.reviews.rows[review.id]
    assert stored.is_open and stored.broken == "a vote message of this review was deleted"
    assert w.live.tracked(review.id) is None
    assert w.board.threads[review.thread_id or 0].messages == ["voting stopped: a vote message of this review "
                                                               "was deleted"]
    assert w.audit.actions(review.id) == ["opened", "broken"] and review.id in w.display.dirty
    await w.service.break_review(review.id, GUILD, "the review thread was deleted")  # once is enough
    assert w.audit.actions(review.id) == ["opened", "broken"]
    assert w.reviews.rows[review.id].broken == "a vote message of this review was deleted"


async def test_a_review_whose_thread_is_gone_closes_at_once_with_its_votes(w: World) -> None:
    review = await opened(w)
    w.votes.add(review.id, "overall", MEMBER, Choice.GOOD)
    w.board.gone.add(review.thread_id or 0)
    await w.service.break_review(review.id, GUILD, "the review thread was deleted")
    stored = w.reviews.rows[review.id]
    assert (stored.status, stored.close_reason, stored.closed_by) == ("closed", "moderator", None)
    assert w.board.verdicts[review.id].factor("overall").good == 1


async def test_a_deleted_summary_breaks_the_review_when_refreshing(w: World) -> None:
    review = await opened(w)
    w.board.gone.add(review.thread_id or 0)
    await w.service.refresh_summary(review.id)
    assert w.reviews.rows[review.id].status == "closed"
    assert w.audit.entries[1].detail == "the summary message or thread was deleted"


async def test_reconciling_a_review_whose_thread_is_gone_breaks_it(w: World) -> None:
    review = await opened(w)
    w.board.gone.add(review.thread_id or 0)
    await w.service.reconcile(review)
    assert w.reviews.rows[review.id].broken == "the review thread was deleted"


# -- deleting and resetting -----------------------------------------------------------------------------

async def test_deleting_forgets_the_review_and_retires_its_thread_in_the_background(w: World) -> None:
    review = await opened(w)
    await w.service.refresh_summary(review.id)
    deleted = await w.service.delete(GUILD, review.id, actor_id=MODERATOR, reason="spam")
    assert deleted.id == review.id and w.reviews.rows[review.id].status == "deleted"
    assert w.live.tracked(review.id) is None and not w.service.remembers(review.id)
    assert review.id in w.board.forgotten and review.id in w.display.forgotten
    assert w.board.retired == []  # not yet: the moderator is answered first
    assert await w.background.run_all() == [f"review-{review.id}-deleted"]
    assert w.board.retired == [review.id] and w.board.threads[review.thread_id or 0].locked
    with pytest.raises(NoSuchReviewError):
        await w.service.delete(GUILD, review.id, actor_id=MODERATOR, reason="again")


async def test_resetting_a_members_votes_withdraws_them_on_open_reviews_only(w: World) -> None:
    review = await opened(w)
    closed = await opened(w, Check(url="https://blog.example/closed"))
    w.votes.add(review.id, "overall", MEMBER, Choice.BAD)
    w.votes.add(closed.id, "overall", MEMBER, Choice.BAD)
    await w.service.close(closed, actor_id=REQUESTER, reason="requester")
    changed = await w.service.reset_votes(GUILD, MEMBER, None, actor_id=MODERATOR)
    assert changed == {review.id}
    assert await w.votes.votes_for_review(review.id, GUILD) == []
    assert len(await w.votes.votes_for_review(closed.id, GUILD)) == 1  # its verdict was computed from it
    assert (GUILD, MEMBER, None) in w.live.forgotten_members
    assert w.audit.actions(review.id)[-1] == "votes_reset"


# -- reconciliation ---------------------------------------------------------------------------------

async def test_reconciling_stores_what_the_reactions_say(w: World) -> None:
    review = await opened(w)
    w.votes.add(review.id, "relevance", OTHER, Choice.GOOD)  # its reaction was taken back while away
    good, bad = CHOICE_EMOJI[Choice.GOOD], CHOICE_EMOJI[Choice.BAD]
    w.board.reactions[review.thread_id or 0] = Observed(
        {"overall": {good: [MEMBER], bad: [MODERATOR]}, "relevance": {}}, {MEMBER, MODERATOR})
    w.live.ineligible.add(MODERATOR)
    await w.service.reconcile(review)
    stored = {(v.factor, v.member_id): v.choice for v in await w.votes.votes_for_review(review.id, GUILD)}
    assert stored == {("overall", MEMBER): Choice.GOOD}
    assert review.id in w.display.dirty


async def test_the_start_up_sweep_abandons_half_opened_reviews(w: World) -> None:
    await w.reviews.create(guild_id=GUILD, requester_id=REQUESTER, origin_channel_id=99, url="https://x.example/",
                           domain="x.example", now=NOW, deadline_at=NOW + HOUR)
    await w.service.reconcile_all()
    assert [r.status for r in w.reviews.rows.values()] == ["deleted"]


# -- shards -----------------------------------------------------------------------------------------

async def test_a_process_running_some_shards_does_the_background_work_of_their_guilds_only() -> None:
    # This process runs shard 1 of 2: GUILD is on shard 0, another process's.
    from bot.sharding import ShardPlan, shard_of

    w = world(shards=ShardPlan(2, (1,)), min_votes=1, deadline_hours=48.0)
    ours = 1 << 22
    assert shard_of(GUILD, 2) == 0 and shard_of(ours, 2) == 1
    theirs = (await w.service.open(OpenRequest(GUILD, REQUESTER, 99, Check(), None, None, place=None))).review
    mine = (await w.service.open(OpenRequest(ours, REQUESTER, 99, Check(), None, None, place=None))).review
    # Left 'opening' by the other process, which may be finishing it right now.
    await w.reviews.create(guild_id=GUILD, requester_id=REQUESTER, origin_channel_id=99, url="https://x.example/",
                           domain="x.example", now=NOW, deadline_at=NOW + HOUR)
    await w.service.reconcile_all()
    assert sorted(r.status for r in w.reviews.rows.values()) == ["open", "open", "opening"]

    w.clock.now = max(theirs.deadline_at, mine.deadline_at)
    assert await w.service.sweep_deadlines() is None  # the other shard's deadline is not ours to watch
    assert w.reviews.rows[mine.id].status == "closed" and w.reviews.rows[theirs.id].is_open
