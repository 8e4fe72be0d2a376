"""Reconciliation: make the stored votes say exactly what the reactions on the messages say.

Run when the bot starts (or reconnects) and may have missed reaction events. The cog reads the
reactions on each factor message and passes them in; this returns the writes, which are applied
in one transaction. Every write is conditional on what was read (insert only if absent, replace
or delete only if the stored choice is still the one seen), so a live vote that lands between
the read and the write is never overwritten.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping

from bot.review.factors import CAUTION_ORDER, Choice, choice_for_emoji
from bot.review.votes import GuildKey, VoteKey, VoteOps, VoteRow


def pick_choice(choices: set[Choice]) -> Choice:
    """Of several reactions by one member, the most cautious: bad > unsure > good.

    Discord does not say in which order a member added reactions, so the latest cannot be
    known; the member left a warning sign standing, and missing a real risk costs a community
    more than passing on one link, so the warning wins. Being a fixed order it is deterministic.
    """
    for choice in CAUTION_ORDER:
        if choice in choices:
            return choice
    raise ValueError("no choice to pick from")


def reconcile(
    *,
    guild_id: int,
    review_id: int,
    stored: Iterable[VoteRow],
    observed: Mapping[str, Mapping[str, Iterable[int]]],
    is_eligible: Callable[[int], bool],
    now: float,
    changed_live: Collection[tuple[str, int]] = (),
    reset_members: Collection[int] = (),
) -> VoteOps:
    """Writes that make stored votes match the reactions seen now.

    observed: factor id -> emoji -> ids of the users who reacted with it. A factor missing from
    `observed` (its message could not be read) is left alone: an unread message is no evidence
    that votes were withdrawn. Other emoji are ignored. `is_eligible(member_id)` must say False
    for the bot itself and for anyone whose vote does not count; their stored votes are removed.

    changed_live: (factor, member) pairs a live reaction event touched after the stored votes
    were read. The live event is at least as new as the reactions read, which may predate it
    (a reaction taken back while the other messages were being read), so those pairs are left
    as the live path wrote them.

    reset_members: members whose votes on this review a moderator reset. A reaction of theirs
    with no stored vote behind it dates from before the reset (or from a time the bot was
    offline, which it cannot tell apart): it is not stored again. Votes they cast live after the
    reset are stored, and reconciled like any other.
    """
    stored_by_key: dict[VoteKey, Choice] = {}
    for row in stored:
        if row.review_id == review_id and row.factor in observed:
            stored_by_key[row.key] = row.choice

    seen: dict[VoteKey, set[Choice]] = {}
    for factor_id, by_emoji in observed.items():
        for emoji, user_ids in by_emoji.items():
            choice = choice_for_emoji(emoji)
            if choice is None:
                continue
            for user_id in user_ids:
                seen.setdefault(VoteKey(review_id, factor_id, user_id), set()).add(choice)

    inserts: list[VoteRow] = []
    replaces: list[tuple[VoteRow, Choice]] = []
    deletes_if: list[tuple[GuildKey, Choice]] = []
    eligible_cache: dict[int, bool] = {}

    def eligible(member_id: int) -> bool:
        if member_id not in eligible_cache:
            eligible_cache[member_id] = is_eligible(member_id)
        return eligible_cache[member_id]

    for key in sorted(set(seen) | set(stored_by_key), key=lambda k: (k.factor, k.member_id)):
        if (key.factor, key.member_id) in changed_live:
            continue
        current = stored_by_key.get(key)
        reacted = seen.get(key, set())
        if not eligible(key.member_id) or not reacted:
            if current is not None:
                deletes_if.append((GuildKey(guild_id, key), current))
            continue
        if current in reacted:
            continue
        row = VoteRow(guild_id, review_id, key.factor, key.member_id, pick_choice(reacted), now)
        if current is None:
            if key.member_id not in reset_members:
                inserts.append(row)
        else:
            replaces.append((row, current))
    return VoteOps(inserts_if_absent=tuple(inserts), replaces=tuple(replaces), deletes_if=tuple(deletes_if))
