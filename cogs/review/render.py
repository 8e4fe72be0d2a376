"""What a review looks like in Discord: thread title, summary, factor messages, verdict, notices.

Pure rendering from the domain's values (Review, the analysis Report, the tally, the verdict);
every member or web text goes through `safe`.
"""

from __future__ import annotations

import discord

from bot.analysis.report import Factor, Report
from bot.report_text import FACTOR_LABELS
from bot.review.factors import CHOICE_EMOJI, FACTORS, OVERALL, Choice, ReviewFactor
from bot.review.review import Review
from bot.review.rules import ReviewRules
from bot.review.verdict import NO_CONSENSUS, Verdict
from bot.review.votes import Tally
from cogs.ui.report_embed import RISK_COLOUR, RISK_EMOJI, VERDICT_EMOJI
from cogs.ui.text import clip, safe, safe_url, timestamp

_BAR_CELLS = 6
_ANSWER_TEXT = {"good": "🟢 good", "unsure": "🟡 unsure", "bad": "🔴 bad", NO_CONSENSUS: "⚪ no consensus"}
_RISK_TEXT = {"low": "🟢 low", "medium": "🟡 medium", "high": "🔴 high", NO_CONSENSUS: "⚪ no consensus"}
_STATUS_TEXT = {"opening": "opening", "open": "🗳️ open for votes", "closed": "🔒 closed",
                "deleted": "🗑️ deleted by a moderator"}


def thread_title(domain: str, review_id: int) -> str:
    """`example.com · #42`, always 1–100 characters (Discord's limit for thread names)."""
    suffix = f" · #{review_id}"
    head = " ".join((domain or "review").split())[: 100 - len(suffix)] or "review"
    return head + suffix


def _report_factor(report: Report | None, factor_id: str) -> Factor | None:
    return next((f for f in report.factors if f.id == factor_id), None) if report is not None else None


def tally_bar(good: int, unsure: int, bad: int) -> str:
    total = good + unsure + bad
    if total == 0:
        return "⬜" * _BAR_CELLS
    cells: list[str] = []
    for count, cell in ((good, "🟩"), (unsure, "🟨"), (bad, "🟥")):
        cells += [cell] * round(_BAR_CELLS * count / total)
    cells = (cells + ["⬜"] * _BAR_CELLS)[:_BAR_CELLS]
    return "".join(cells)


def tally_lines(tally: Tally | None) -> str:
    lines = []
    for f in FACTORS:
        good = tally.count(f.id, Choice.GOOD) if tally else 0
        unsure = tally.count(f.id, Choice.UNSURE) if tally else 0
        bad = tally.count(f.id, Choice.BAD) if tally else 0
        lines.append(f"{tally_bar(good, unsure, bad)} **{f.label}** — 🟢 {good} 🟡 {unsure} 🔴 {bad}")
    return "\n".join(lines)


def condensed_analysis(report: Report | None) -> str:
    if report is None:
        return "*The bot's analysis is not available.*"
    level = str(report.risk.level)
    lines = [f"{RISK_EMOJI.get(level, '')} Risk **{level.upper()}** ({report.risk.score}/100)"]
    for factor in report.factors:
        label = FACTOR_LABELS.get(factor.id, factor.id)
        lines.append(f"{VERDICT_EMOJI.get(factor.verdict, '⚪')} {label} {factor.score}")
    return clip(" · ".join(lines[:1]) + "\n" + " · ".join(lines[1:]), 1024)


def summary_embed(
    review: Review,
    report: Report | None,
    tally: Tally | None,
    *,
    verdict: Verdict | None = None,
    rules: ReviewRules | None = None,
) -> discord.Embed:
    level = review.bot_risk_level or (report.risk.level if report is not None else None)
    embed = discord.Embed(
        title=clip(f"Second opinion: {safe(review.domain, 150)} · #{review.id}", 256),
        colour=RISK_COLOUR.get(level or "", discord.Colour.blurple()),
    )
    lines = [
        f"**Asked by** <@{review.requester_id}>",
        f"**Page** {safe_url(review.url, 400)}",
    ]
    if review.target:
        lines.append(f"**Target** {safe_url(review.target, 300)}")  # a URL, or a domain as typed
    if review.keyword:
        lines.append(f"**Keyword** {safe(review.keyword, 100)}")
    if review.note:
        lines.append(f"**Note** {safe(review.note, 1000)}")
    lines.append("")
    lines.append("Vote on each factor below with 🟢 good · 🟡 unsure · 🔴 bad. One vote per factor; a new "
                 "reaction replaces your earlier one, removing it withdraws your vote.")
    if rules is not None and review.status == "open":
        # A reaction that does not count is removed without a word: say here who counts.
        lines.append(who_votes(rules))
    embed.description = clip("\n".join(lines), 4000)
    embed.add_field(name="The bot's analysis", value=condensed_analysis(report), inline=False)
    embed.add_field(name="Community tally", value=clip(tally_lines(tally), 1024), inline=False)
    status = _STATUS_TEXT.get(review.status, review.status)
    if review.status == "open":
        status += f" · closes {timestamp(review.deadline_at, 'R')} ({timestamp(review.deadline_at, 'f')})"
    elif review.status == "closed" and review.closed_at:
        status += f" {timestamp(review.closed_at, 'R')}"
    if verdict is not None:
        status += f" · community risk {_RISK_TEXT.get(verdict.community_risk, verdict.community_risk)}"
    if review.broken:
        status += f"\n⚠️ {safe(review.broken, 200)}"
    embed.add_field(name="Status", value=clip(status, 1024), inline=False)
    embed.set_footer(text=f"Review #{review.id}" + (f" · check #{review.check_id}" if review.check_id else ""))
    return embed


def who_votes(rules: ReviewRules) -> str:
    """Who may vote, in one line (their other reactions are removed without a word)."""
    def amount(value: float, unit: str) -> str:
        number = f"{value:g}"
        return f"{number} {unit}" + ("" if number == "1" else "s")

    requester = "may" if rules.requester_may_vote else "may not"
    return (f"*Votes count from members who joined at least {amount(rules.min_member_age_hours, 'hour')} ago, "
            f"with an account at least {amount(rules.min_account_age_days, 'day')} old; the requester "
            f"{requester} vote. A factor needs {rules.min_votes} votes for an answer.*")


def factor_message(factor: ReviewFactor, report: Report | None) -> str:
    """A factor's vote message: the question, then the bot's own verdict and evidence for it."""
    lines = [f"**{factor.label}** — {factor.question}"]
    if factor.id == OVERALL:
        level = str(report.risk.level) if report is not None else "unknown"
        score = report.risk.score if report is not None else "?"
        lines.append(f"Bot: {RISK_EMOJI.get(level, '⚪')} risk **{level}** ({score}/100)")
        for flag in (report.flags if report is not None else ())[:5]:
            lines.append(f"• {safe(flag, 180)}")
    else:
        found = _report_factor(report, factor.analysis_factor or factor.id)
        if found is None:
            lines.append("Bot: ⚪ no analysis for this factor")
        else:
            verdict = str(found.verdict)
            lines.append(f"Bot: {VERDICT_EMOJI.get(verdict, '⚪')} **{verdict}** ({found.score}/100)")
            for item in found.evidence[:3]:
                lines.append(f"• {safe(item, 200)}")
    lines.append(" · ".join(f"{CHOICE_EMOJI[c]} {c.value}" for c in Choice))
    return clip("\n".join(lines), 2000)


def verdict_embed(review: Review, verdict: Verdict, *, closed_by: int | None, reason: str) -> discord.Embed:
    risk = verdict.community_risk
    embed = discord.Embed(
        title=clip(f"Community verdict: {safe(review.domain, 150)} · #{review.id}", 256),
        colour=RISK_COLOUR.get(risk, discord.Colour.light_grey()),
    )
    rows = []
    for outcome in verdict.factors:
        label = next((f.label for f in FACTORS if f.id == outcome.factor), outcome.factor)
        answer = _ANSWER_TEXT.get(outcome.answer, outcome.answer)
        if outcome.reason:
            answer += f" ({safe(outcome.reason, 80)})"
        bot = f" · bot: {VERDICT_EMOJI.get(outcome.bot or '', '⚪')} {outcome.bot}" if outcome.bot else ""
        rows.append(f"**{label}**: {answer} — 🟢 {outcome.good} 🟡 {outcome.unsure} 🔴 {outcome.bad}{bot}")
    embed.description = clip("\n".join(rows), 4000)
    embed.add_field(name="Community risk", value=_RISK_TEXT.get(risk, risk), inline=True)
    bot_risk = verdict.bot_risk or "unknown"
    embed.add_field(name="The bot's risk", value=_RISK_TEXT.get(bot_risk, bot_risk), inline=True)
    if verdict.disagreements:
        lines = []
        for d in verdict.disagreements:
            label = "Combined risk" if d.factor == "combined_risk" else next(
                (f.label for f in FACTORS if f.id == d.factor), d.factor)
            strength = "**strongly** " if d.strong else ""
            lines.append(f"• {label}: the community {strength}disagrees — community {d.community}, bot {d.bot}")
        embed.add_field(name="Where the community and the bot disagree", value=clip("\n".join(lines), 1024),
                        inline=False)
    by = f"<@{closed_by}>" if closed_by else "the deadline"
    embed.set_footer(text=f"Quorum: {verdict.min_votes} votes per factor · closed ({reason})")
    embed.add_field(name="Closed by", value=by, inline=False)
    return embed


def requester_notice(review: Review, verdict: Verdict) -> str:
    risk = _RISK_TEXT.get(verdict.community_risk, verdict.community_risk)
    where = f" — details in <#{review.thread_id}>" if review.thread_id else ""
    return clip(
        f"<@{review.requester_id}>, the community's second opinion on {safe_url(review.url, 300)} is in: "
        f"risk {risk}{where}.",
        2000,
    )


def community_note_text(review: Review) -> str | None:
    if not review.verdict_json:
        return None
    verdict = Verdict.from_json(review.verdict_json)
    risk = _RISK_TEXT.get(verdict.community_risk, verdict.community_risk)
    votes = sum(o.total for o in verdict.factors)
    when = timestamp(review.closed_at) if review.closed_at else ""
    where = f" — <#{review.thread_id}>" if review.thread_id else ""
    return f"Last community verdict on **{safe(review.domain, 100)}**: risk {risk} ({votes} votes) {when}{where}"
