from __future__ import annotations

from bot.review.factors import CHOICE_EMOJI, Choice
from bot.review.reconcile import pick_choice, reconcile
from bot.review.votes import VoteEvent, VoteKey, VoteRow, collapse_events
from bot.storage.database import Database
from bot.storage.votes import VotesRepo
from tests.unit.review.test_collapse import model_apply_ops
from tests.unit.storage.helpers import NOW, apply_votes, open_review

G, U, B = Choice.GOOD, Choice.UNSURE, Choice.BAD
E = CHOICE_EMOJI
BOT_ID = 999


def row(member: int, choice: Choice, factor: str = "overall") -> VoteRow:
    return VoteRow(1, 1, factor, member, choice, 0.0)


def run(stored, observed, ineligible=(), changed_live=(), reset_members=()):
    ops = reconcile(
        guild_id=1,
        review_id=1,
        stored=stored,
        observed=observed,
        is_eligible=lambda m: m != BOT_ID and m not in ineligible,
        now=NOW,
        changed_live=changed_live,
        reset_members=reset_members,
    )
    state = {r.key: r.choice for r in stored}
    model_apply_ops(state, ops)
    return ops, {(k.factor, k.member_id): c for k, c in state.items()}


def test_pick_choice_is_the_most_cautious() -> None:
    assert pick_choice({G, B}) == B
    assert pick_choice({G, U}) == U
    assert pick_choice({G}) == G


def test_pairs_a_live_event_changed_during_the_reads_are_left_to_the_live_path() -> None:
    # Member 1 reacted while the bot was offline, then took it back while the other messages were
    # read: the reactions read still show it, but the live removal is the newer word.
    observed = {"overall": {E[G]: [1, 2]}, "relevance": {E[B]: [1]}}
    ops, after = run([], observed, changed_live={("overall", 1)})
    assert after == {("overall", 2): G, ("relevance", 1): B}
    # A vote stored before the reads and changed live meanwhile is not overwritten either.
    ops, after = run([row(3, G)], {"overall": {E[B]: [3]}}, changed_live={("overall", 3)})
    assert not ops
    assert after == {("overall", 3): G}


def test_reactions_of_a_reset_member_do_not_come_back_as_votes() -> None:
    observed = {"overall": {E[G]: [1, 2], E[B]: [4]}, "relevance": {E[U]: [1]}}
    # 1's votes were reset and nothing was stored since; 4 was reset too, then voted live (stored).
    _, after = run([row(4, G)], observed, reset_members={1, 4})
    assert after == {("overall", 2): G, ("overall", 4): B}
    # A reset member who takes the reaction back loses the vote cast after the reset.
    _, after = run([row(4, G)], {"overall": {}}, reset_members={4})
    assert after == {}


def test_reconcile_cases() -> None:
    stored = [row(1, G), row(2, B), row(3, U), row(4, G), row(5, G)]
    observed = {
        "overall": {
            E[G]: [BOT_ID, 1, 4, 6, 8],
            E[U]: [BOT_ID, 4],
            E[B]: [BOT_ID, 1, 3, 7, 8],
            "\N{THUMBS UP SIGN}": [5, 9],  # other emoji are ignored
        }
    }
    ops, after = run(stored, observed, ineligible={8})
    assert after == {
        ("overall", 1): G,  # stored choice still among the reactions: kept although 🔴 is there too
        # 2: stored 🔴, no reaction any more: withdrawn
        ("overall", 3): B,  # stored 🟡 gone, 🔴 present: replaced
        ("overall", 4): G,  # kept
        # 5: only a 👍: vote withdrawn
        ("overall", 6): G,  # missed add: inserted
        ("overall", 7): B,
        # 8: ineligible: nothing stored; BOT_ID's seed reactions never count
    }
    assert {r.member_id for r in ops.inserts_if_absent} == {6, 7}
    assert [(r.member_id, r.choice, old) for r, old in ops.replaces] == [(3, B, U)]
    assert {(g.key.member_id, c) for g, c in ops.deletes_if} == {(2, B), (5, G)}


def test_several_reactions_without_a_stored_vote_pick_the_most_cautious() -> None:
    _, after = run([], {"placement": {E[G]: [1], E[U]: [1, 2], E[B]: []}})
    assert after == {("placement", 1): U, ("placement", 2): U}


def test_ineligible_members_stored_votes_are_removed() -> None:
    _, after = run([row(1, G), row(2, G)], {"overall": {E[G]: [1, 2]}}, ineligible={2})
    assert after == {("overall", 1): G}


def test_unread_factor_messages_are_left_alone() -> None:
    stored = [row(1, G, "overall"), row(1, B, "relevance")]
    ops, after = run(stored, {"overall": {E[G]: [1]}})
    assert not ops
    assert after == {("overall", 1): G, ("relevance", 1): B}


def test_matching_state_needs_no_writes() -> None:
    ops, _ = run([row(1, G), row(2, B)], {"overall": {E[G]: [1], E[B]: [2]}})
    assert not ops


async def test_reconcile_applied_in_sqlite_does_not_overwrite_a_newer_vote(db: Database) -> None:
    repo = VotesRepo(db)
    review = await open_review(db)
    await apply_votes(db, collapse_events([VoteEvent("add", 1, review.id, "overall", m, G, NOW) for m in (1, 2)]))
    snapshot = await repo.votes_for_review(review.id, 1)
    ops = reconcile(
        guild_id=1,
        review_id=review.id,
        stored=snapshot,
        observed={"overall": {E[B]: [1, 3], E[G]: []}},
        is_eligible=lambda m: True,
        now=NOW,
    )
    # Between the read and the write, member 1 voted 🟡 live and member 3's vote arrived too.
    await apply_votes(
        db,
        collapse_events([VoteEvent("add", 1, review.id, "overall", m, U, NOW) for m in (1, 3)])
    )
    await apply_votes(db, ops)
    after = {v.member_id: v.choice for v in await repo.votes_for_review(review.id, 1)}
    assert after == {1: U, 3: U}  # live votes kept; member 2's stale 🟢 (no reaction) withdrawn
    assert VoteKey(review.id, "overall", 2) not in {v.key for v in await repo.votes_for_review(review.id, 1)}
