"""Embeds for /history: a page of reviews, one review in full, a domain dossier, reviewer stats."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import discord

from bot.history import (
    DomainDossier,
    HistoryFilter,
    HistoryPage,
    ReviewDetail,
    ReviewerStats,
    ReviewSummary,
)
from bot.report_text import FACTOR_LABELS
from bot.review.factors import CHOICE_EMOJI, FACTORS_BY_ID, Choice
from cogs.ui.report_embed import RISK_COLOUR, RISK_EMOJI, VERDICT_EMOJI
from cogs.ui.text import clip, safe, safe_url, timestamp

VERDICT_LABEL = {"low": "🟢 low", "medium": "🟡 medium", "high": "🔴 high", "no_consensus": "⚪ no consensus"}
STATUS_LABEL = {"opening": "opening", "open": "open", "closed": "closed", "deleted": "deleted"}
ANSWER_EMOJI = {"good": "🟢", "unsure": "🟡", "bad": "🔴", "no_consensus": "⚪"}
ACTION_LABEL = {
    "opened": "opened",
    "closed": "closed",
    "reopened": "reopened",
    "deleted": "deleted by a moderator",
    "votes_reset": "votes reset by a moderator",
    "reopen": "reopened by a moderator",
}
_FIELD = 1024


def thread_link(guild_id: int, thread_id: int | None) -> str:
    return f"https://discord.com/channels/{guild_id}/{thread_id}" if thread_id else ""


def risk_text(level: str | None) -> str:
    return f"{RISK_EMOJI.get(level, '')} {level}".strip() if level else "—"


def verdict_text(verdict: str | None) -> str:
    return VERDICT_LABEL.get(verdict or "", "pending") if verdict else "pending"


def _user(member_id: int | None) -> str:
    # A mention renders as a name in an embed and never pings (the bot allows no mentions anyway).
    return f"<@{member_id}>" if member_id else "the bot"


def describe_filter(flt: HistoryFilter) -> str:
    parts: list[str] = []
    if flt.domain:
        parts.append(f"domain **{safe(flt.domain, 80)}**")
    if flt.member_id:
        parts.append(f"member {_user(flt.member_id)}")
    if flt.verdict:
        parts.append(f"community {verdict_text(flt.verdict)}")
    if flt.risk:
        parts.append(f"bot risk {risk_text(flt.risk)}")
    if flt.status:
        parts.append(flt.status)
    if flt.since is not None:
        parts.append(f"since {timestamp(flt.since, 'd')}")
    if flt.until is not None:
        parts.append(f"before {timestamp(flt.until, 'd')}")
    if flt.text:
        parts.append(f"words “{safe(flt.text, 100)}”")
    return " · ".join(parts) if parts else "all reviews"


def review_line(guild_id: int, row: ReviewSummary) -> str:
    link = thread_link(guild_id, row.thread_id)
    head = f"[#{row.id}]({link})" if link else f"#{row.id}"
    return (
        f"{head} **{safe(row.domain, 60)}** · {STATUS_LABEL.get(row.status, row.status)} · "
        f"bot {risk_text(row.bot_risk_level)} · community {verdict_text(row.community_risk)} · "
        f"{timestamp(row.created_at, 'd')}\n{safe_url(row.url, 120)}"
    )


def history_page_embed(guild_id: int, flt: HistoryFilter, page: HistoryPage, total: int) -> discord.Embed:
    embed = discord.Embed(title="Review history", colour=discord.Colour.blurple())
    if page.rows:
        embed.description = clip("\n".join(review_line(guild_id, row) for row in page.rows), 4000)
    else:
        embed.description = "No reviews match." if total == 0 else "No more reviews this way."
    embed.add_field(name="Filter", value=clip(describe_filter(flt), _FIELD), inline=False)
    noun = "review matches" if total == 1 else "reviews match"
    embed.set_footer(text=f"{total} {noun} · newest first · /history review id:<n> for one in full")
    return embed


# ---------------------------------------------------------------------------------------------
# One review


def _analysis_text(detail: ReviewDetail) -> str:
    check = detail.check
    if check is None:
        return "No stored analysis."
    lines = [f"{risk_text(check.risk_level)} **{check.risk_level.upper()}** ({check.risk_score}/100), "
             f"check #{check.id} {timestamp(check.created_at, 'd')}"]
    report: dict[str, Any] = check.report or {}
    for factor in report.get("factors") or []:
        if not isinstance(factor, dict) or "id" not in factor:
            continue
        emoji = VERDICT_EMOJI.get(str(factor.get("verdict")), "⚪")
        label = FACTOR_LABELS.get(factor["id"], str(factor["id"]))
        evidence = factor.get("evidence") or []
        first = safe(str(evidence[0]), 70) if evidence else ""
        lines.append(f"{emoji} {safe(label, 40)}" + (f" — {first}" if first else ""))
    return "\n".join(lines)


def _factor_label(factor_id: str) -> str:
    known = FACTORS_BY_ID.get(factor_id)
    return known.label if known else factor_id


def _votes_text(detail: ReviewDetail) -> str:
    if not detail.tallies:
        return "No votes."
    lines = []
    for tally in detail.tallies:
        answer = f" → {ANSWER_EMOJI.get(tally.answer, '')} {tally.answer}" if tally.answer else ""
        lines.append(
            f"**{_factor_label(tally.factor)}**: {CHOICE_EMOJI[Choice.GOOD]} {tally.good} · "
            f"{CHOICE_EMOJI[Choice.UNSURE]} {tally.unsure} · {CHOICE_EMOJI[Choice.BAD]} {tally.bad}{answer}"
        )
    return "\n".join(lines)


def _voters_text(detail: ReviewDetail) -> str:
    by_factor: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for vote in detail.votes:
        by_factor[vote.factor][vote.choice].append(vote.member_id)
    lines = []
    for factor_id, choices in by_factor.items():
        parts = []
        for choice in Choice:
            members = choices.get(choice.value) or []
            if members:
                shown = ", ".join(_user(m) for m in members[:8])
                more = f" +{len(members) - 8}" if len(members) > 8 else ""
                parts.append(f"{CHOICE_EMOJI[choice]} {shown}{more}")
        lines.append(f"**{_factor_label(factor_id)}**: " + " · ".join(parts))
    return "\n".join(lines) or "No votes."


def _timeline_text(detail: ReviewDetail) -> str:
    review = detail.review
    logged = {entry.action for entry in detail.timeline}
    entries: list[tuple[float, str]] = []
    if "opened" not in logged:
        entries.append((review.created_at, f"opened by {_user(review.requester_id)}"))
    for entry in detail.timeline:
        label = ACTION_LABEL.get(entry.action, entry.action.replace("_", " "))
        by = f" by {_user(entry.actor_id)}" if entry.actor_id else ""
        if entry.actor_id and "moderator" in label:
            label, by = label.replace(" by a moderator", ""), f" by moderator {_user(entry.actor_id)}"
        if entry.action == "opened":
            by = f" by {_user(entry.actor_id)}" if entry.actor_id else ""
        detail_text = f" — {safe(entry.detail, 120)}" if entry.detail and entry.action != "opened" else ""
        entries.append((entry.created_at, f"{label}{by}{detail_text}"))
    if review.closed_at is not None and "closed" not in logged:
        entries.append((review.closed_at, f"closed ({review.close_reason or 'closed'})"))
    entries.sort(key=lambda e: e[0])
    lines = [f"{timestamp(at, 'f')} {text}" for at, text in entries]
    # Newest kept when the field would overflow: the latest actions matter most.
    while len("\n".join(lines)) > _FIELD and len(lines) > 1:
        lines.pop(1)
    return "\n".join(lines)


def review_detail_embed(guild_id: int, detail: ReviewDetail, *, show_voters: bool) -> discord.Embed:
    review = detail.review
    colour = RISK_COLOUR.get(review.community_risk or review.bot_risk_level or "", discord.Colour.light_grey())
    embed = discord.Embed(title=clip(f"Review #{review.id} — {safe(review.domain, 200)}", 256), colour=colour)
    lines = [safe_url(review.url, 300)]
    if review.target:
        lines.append(f"Target: {safe_url(review.target, 200)}")  # a URL, or a domain as typed
    if review.keyword:
        lines.append(f"Keyword: {safe(review.keyword, 100)}")
    if review.note:
        lines.append(f"Note: {safe(review.note, 300)}")
    lines.append(f"Requested by {_user(review.requester_id)} · {STATUS_LABEL.get(review.status, review.status)}")
    link = thread_link(guild_id, review.thread_id)
    if link:
        lines.append(f"[Open the review thread]({link})")
    if review.broken:
        lines.append(f"⚠️ {safe(review.broken, 200)}")
    embed.description = clip("\n".join(lines), 4000)
    embed.add_field(name="Bot analysis", value=clip(_analysis_text(detail), _FIELD), inline=False)
    embed.add_field(name="Votes per factor", value=clip(_votes_text(detail), _FIELD), inline=False)
    if show_voters:
        embed.add_field(name="Who voted what (moderators only)", value=clip(_voters_text(detail), _FIELD), inline=False)
    verdict = f"Community: **{verdict_text(review.community_risk)}** · bot: **{risk_text(review.bot_risk_level)}**"
    if review.closed_at is not None:
        verdict += f"\nClosed {timestamp(review.closed_at)} ({review.close_reason or 'closed'})"
    else:
        verdict += f"\nVoting ends {timestamp(review.deadline_at)}"
    embed.add_field(name="Verdict", value=clip(verdict, _FIELD), inline=False)
    embed.add_field(name="Timeline", value=clip(_timeline_text(detail), _FIELD), inline=False)
    return embed


# ---------------------------------------------------------------------------------------------
# Domains and reviewers


def dossier_embed(guild_id: int, dossier: DomainDossier) -> discord.Embed:
    embed = discord.Embed(title=clip(f"Dossier: {safe(dossier.domain, 200)}", 256), colour=discord.Colour.blurple())
    if dossier.check_count == 0 and dossier.review_count == 0:
        embed.description = "This server has never checked or reviewed this domain."
        return embed
    embed.description = (
        f"{dossier.check_count} check(s) and {dossier.review_count} review(s) in this server."
    )
    if dossier.latest_verdict is not None:
        latest = dossier.latest_verdict
        embed.add_field(
            name="Latest verdict",
            value=clip(f"{verdict_text(latest.community_risk)} (bot {risk_text(latest.bot_risk_level)}) — "
                       + review_line(guild_id, latest), _FIELD),
            inline=False,
        )
    if dossier.compared:
        rate = dossier.agreement_rate or 0.0
        lines = [f"The bot matched the community in **{dossier.agreed} of {dossier.compared}** closed reviews "
                 f"({rate:.0%})."]
        for item in dossier.comparisons[:8]:
            mark = "✅" if item.agrees else "❌"
            lines.append(f"{mark} #{item.review_id}: bot {risk_text(item.bot_risk_level)} · "
                         f"community {verdict_text(item.community_risk)}")
        if dossier.no_consensus:
            lines.append(f"{dossier.no_consensus} review(s) ended without consensus.")
        embed.add_field(name="Bot vs community", value=clip("\n".join(lines), _FIELD), inline=False)
    elif dossier.no_consensus:
        embed.add_field(name="Bot vs community",
                        value=f"{dossier.no_consensus} review(s) ended without consensus.", inline=False)
    if dossier.reviews:
        embed.add_field(name="Reviews", value=_lines_within(review_line(guild_id, r) for r in dossier.reviews),
                        inline=False)
    if dossier.checks:
        checks = (f"check #{c.id} · {risk_text(c.risk_level)} ({c.risk_score}/100) · {_user(c.member_id)} · "
                  f"{timestamp(c.created_at, 'd')}" for c in dossier.checks)
        embed.add_field(name="Checks", value=_lines_within(checks), inline=False)
    return embed


def _lines_within(lines: Any, limit: int = _FIELD) -> str:
    out: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) + 1 > limit - 20:
            out.append("…")
            break
        out.append(line)
        size += len(line) + 1
    return "\n".join(out) or "—"


def _rate(stats: ReviewerStats) -> str:
    rate = stats.agreement_rate
    return "n/a" if rate is None else f"{rate:.0%} ({stats.votes_agreed}/{stats.votes_scored})"


def member_stats_embed(stats: ReviewerStats) -> discord.Embed:
    embed = discord.Embed(title="Reviewer stats", colour=discord.Colour.blurple(),
                          description=f"{_user(stats.member_id)} in this server")
    embed.add_field(name="Reviews requested", value=str(stats.reviews_requested))
    embed.add_field(name="Votes cast", value=f"{stats.votes_cast} in {stats.reviews_voted} review(s)")
    embed.add_field(name="Agreement with final verdicts", value=_rate(stats))
    return embed


def leaderboard_embed(rows: Sequence[ReviewerStats]) -> discord.Embed:
    embed = discord.Embed(title="Top reviewers", colour=discord.Colour.blurple())
    if not rows:
        embed.description = "Nobody has voted in a review yet."
        return embed
    embed.description = "\n".join(
        f"**{rank}.** {_user(s.member_id)} · {s.votes_cast} votes in {s.reviews_voted} review(s) · "
        f"{s.reviews_requested} requested · agreement {_rate(s)}"
        for rank, s in enumerate(rows, start=1)
    )
    embed.set_footer(text="Agreement: votes matching the community's final answer, on closed reviews")
    return embed
