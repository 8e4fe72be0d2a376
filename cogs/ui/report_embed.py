"""Embeds for a /checklink report, built from the analysis Report."""

from __future__ import annotations

import discord

from bot.analysis.report import Link, Report
from bot.report_text import FACTOR_LABELS
from cogs.ui.text import clip, safe, safe_url, timestamp

VERDICT_EMOJI = {"good": "🟢", "caution": "🟡", "bad": "🔴", "unknown": "⚪"}
RISK_COLOUR = {"low": discord.Colour.green(), "medium": discord.Colour.orange(), "high": discord.Colour.red()}
RISK_EMOJI = {"low": "🟢", "medium": "🟡", "high": "🔴"}
LINKS_PER_PAGE = 10


def _link_line(link: Link) -> str:
    rel = safe(" ".join(link.rel), 100) or "dofollow"  # rel comes from the page: escaped
    anchor = safe(link.anchor_text or "", 80) or "*(no text)*"
    hidden = " · **hidden**" if link.hidden else ""
    return f"“{anchor}” → {safe_url(link.href, 120)} · {rel} · {link.placement}{hidden}"


def report_embed(
    report: Report,
    *,
    check_id: int | None = None,
    domain_note: str | None = None,
    community_note: str | None = None,
) -> discord.Embed:
    level = report.risk.level
    embed = discord.Embed(
        title=clip(safe(report.title or report.final_url or report.url, 250), 256),
        url=report.final_url or report.url,
        colour=RISK_COLOUR.get(level, discord.Colour.light_grey()),
    )
    lines: list[str] = []
    targets = report.target_links
    if targets:
        lines.append("**Link found:** " + _link_line(targets[0]))
        if len(targets) > 1:
            lines.append(f"*(+{len(targets) - 1} more links to the target on this page)*")
    else:
        link_type = next((f for f in report.factors if f.id == "link_type"), None)
        if link_type and link_type.verdict == "unknown":
            lines.append("*No target given: the page was judged as a link source in general.*")
        else:
            lines.append("**No link to your target was found on this page.**")
    lines.append("")
    for factor in report.factors:
        emoji = VERDICT_EMOJI.get(factor.verdict, "⚪")
        label = FACTOR_LABELS.get(factor.id, factor.id)
        evidence = safe(factor.evidence[0], 150) if factor.evidence else ""
        score = "" if factor.verdict == "unknown" else f" {factor.score}"
        lines.append(f"{emoji} **{label}**{score} — {evidence}")
    embed.description = clip("\n".join(lines), 4000)
    flags = report.flags
    risk_value = f"{RISK_EMOJI.get(level, '')} **{level.upper()}** ({report.risk.score}/100)"
    if flags:
        risk_value += "\n" + "\n".join(f"• {safe(flag, 180)}" for flag in flags[:5])
    embed.add_field(name="Overall risk", value=clip(risk_value, 1024), inline=False)
    if domain_note:
        embed.add_field(name="This server's history", value=clip(domain_note, 1024), inline=False)
    if community_note:
        embed.add_field(name="Community verdict", value=clip(community_note, 1024), inline=False)
    word_count = report.content.word_count
    footer = f"{word_count} words · {len(report.links)} links · status {report.status or 'n/a'}"
    if check_id is not None:
        footer = f"Check #{check_id} · " + footer
    embed.set_footer(text=footer)
    return embed


def domain_history_note(count: int, last_risk: str, last_at: float, domain: str) -> str:
    times = "once" if count == 1 else f"{count} times"
    return (
        f"This server checked **{safe(domain, 100)}** {times} before; "
        f"last risk {RISK_EMOJI.get(last_risk, '')} {last_risk}, {timestamp(last_at)}."
    )


def links_page_embed(report: Report, page: int) -> tuple[discord.Embed, int]:
    """One page of every link on the page, with region and rel. Returns the embed and the page count."""
    links = report.links
    pages = max(1, -(-len(links) // LINKS_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    start = page * LINKS_PER_PAGE
    chunk = links[start : start + LINKS_PER_PAGE]
    embed = discord.Embed(
        title=clip(f"Links on {safe(report.title or report.url, 200)}", 256),
        colour=discord.Colour.blurple(),
    )
    if not chunk:
        embed.description = "This page has no links."
    else:
        rows = []
        for number, link in enumerate(chunk, start=start + 1):
            kind = "internal" if link.internal else "external"
            rows.append(f"`{number:>3}` {_link_line(link)} · {kind}")
        embed.description = clip("\n".join(rows), 4000)
    embed.set_footer(text=f"Page {page + 1}/{pages} · {len(links)} links")
    return embed, pages
