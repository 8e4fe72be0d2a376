"""The audit's messages: the progress line and the summary embed, built from the service's values."""

from __future__ import annotations

from typing import Any

import discord

from bot.audit.rows import AuditRow
from bot.audit.service import RISKIEST_SHOWN, AuditProgress, AuditResult
from bot.storage.bulk_audits import StoredAudit
from cogs.ui.text import clip, safe, safe_url

BAR_WIDTH = 20
RISK_COLOURS = {"high": discord.Colour.red(), "medium": discord.Colour.orange(), "low": discord.Colour.green()}


def bar(done: int, total: int) -> str:
    filled = round(BAR_WIDTH * done / total) if total else BAR_WIDTH
    return "█" * filled + "░" * (BAR_WIDTH - filled)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def _title(audit: StoredAudit) -> str:
    return f"Audit #{audit.id} of **{safe(audit.filename, 80)}** for **{safe(audit.target, 120)}**"


def progress_text(progress: AuditProgress) -> str:
    done, total = progress.done, progress.total
    percent = 100 * done // total if total else 100
    left = f" · about {_duration(progress.eta_seconds)} left" if progress.eta_seconds is not None else ""
    return f"🔎 {_title(progress.audit)}\n`{bar(done, total)}` {done}/{total} pages ({percent}%){left}"


def ended_text(result: AuditResult) -> str:
    done = result.summary.get("pages", 0)
    word = {"done": "finished", "cancelled": "cancelled", "failed": "stopped by an error"}[result.status]
    return f"🔎 {_title(result.audit)}\n`{bar(done, result.audit.total)}` {done}/{result.audit.total} pages: {word}."


def _row_line(row: AuditRow) -> str:
    reasons = "; ".join((*row.flags, *row.notes)) or "no flag"
    return f"**{row.risk_level} {row.risk_score}** {safe_url(row.source_url, 120)}\n└ {safe(reasons, 200)}"


def summary_embed(result: AuditResult) -> discord.Embed:
    s: dict[str, Any] = result.summary
    by_risk = s.get("by_risk", {})
    colour = RISK_COLOURS["high"] if by_risk.get("high") else RISK_COLOURS["low"]
    status = {"done": "", "cancelled": " (cancelled: these are the pages done before)",
              "failed": " (stopped by an error: these are the pages done before)"}[result.status]
    embed = discord.Embed(title=clip(f"Audit #{result.audit.id}: {result.audit.target}", 256), colour=colour)
    embed.description = (
        f"{s.get('pages', 0)} of {result.audit.total} pages audited{status}: {s.get('analysed', 0)} analysed, "
        f"{s.get('failed', 0)} not (see the CSV's outcome and error).\n"
        f"Risk: 🟥 {by_risk.get('high', 0)} high · 🟧 {by_risk.get('medium', 0)} medium · "
        f"🟩 {by_risk.get('low', 0)} low\n"
        f"Target link found on {s.get('target_found', 0)} page(s); **{s.get('lost', 0)} lost** since the export."
    )
    anchors = s.get("anchor_classes", {})
    found = sum(anchors.values())
    profile = s.get("profile", {})
    if found:
        mix = ", ".join(f"{safe(k, 30)} {v * 100 // found}%" for k, v in sorted(anchors.items(), key=lambda kv: -kv[1]))
    else:
        mix = "no target links found"
    if not result.audit.keyword:
        mix += "\n(no keyword given: exact-match anchors could not be counted)"
    elif profile.get("over_optimised"):
        mix += (f"\n⚠️ Exact-match anchors are {profile.get('exact_match_share', 0):.0%} of found links, over the "
                f"{profile.get('exact_match_threshold', 0):.0%} threshold: over-optimised (Penguin's footprint).")
    embed.add_field(name="Anchor-text mix", value=clip(mix, 1024), inline=False)
    findings = [f for f in profile.get("findings", []) if not f.startswith(("anchor mix", "over-optimised"))]
    if findings:
        embed.add_field(name="Profile", value=clip("\n".join(f"• {safe(f, 200)}" for f in findings), 1024),
                        inline=False)
    riskiest = result.riskiest[:RISKIEST_SHOWN]
    if riskiest:
        embed.add_field(name="Riskiest pages", value=clip("\n".join(_row_line(r) for r in riskiest), 1024),
                        inline=False)
    embed.set_footer(text="Files: results CSV and JSON, a disavow draft to review, a chart. "
                          "Pick a page below to ask the community for a second opinion.")
    return embed


def pick_options(rows: list[AuditRow]) -> list[discord.SelectOption]:
    return [
        discord.SelectOption(
            label=clip(f"{row.risk_level} {row.risk_score} · {row.source_url.split('://', 1)[-1]}", 100),
            value=str(row.index),
            description=clip("; ".join(row.flags) or "no flag", 100),
        )
        for row in rows
    ]
