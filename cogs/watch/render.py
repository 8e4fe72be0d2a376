"""Embeds of the link watch, built from the service's typed results; every web or member text escaped."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.storage.watches import StoredObservation, Watch
from bot.watch import rules
from bot.watch.service import WatchAlert, WatchTimeline
from cogs.ui.text import clip, safe, safe_url, timestamp

# Changes that cost the link its value are red; the rest (a link back, a recovery) are green or amber.
_BAD = frozenset({
    rules.LINK_LOST, rules.UNREACHABLE, rules.NOINDEX, rules.HTTP_ERROR, rules.ROBOTS_DISALLOWED,
    rules.CANONICAL_MOVED, rules.REDIRECTED,
})
_GOOD = frozenset({rules.LINK_BACK, rules.REACHABLE, rules.INDEXABLE, rules.HTTP_OK, rules.ROBOTS_ALLOWED,
                   rules.CANONICAL_BACK})
MAX_EMBEDS_PER_MESSAGE = 10
MAX_EMBED_CHARS_PER_MESSAGE = 6000  # Discord's limit over all embeds of one message


def _colour(kinds: Sequence[str]) -> discord.Colour:
    if any(k in _BAD for k in kinds):
        return discord.Colour.red()
    if all(k in _GOOD for k in kinds):
        return discord.Colour.green()
    return discord.Colour.orange()


def _show(value: str) -> str:
    """A before/after value: an address stays a (safe) link, anything else is escaped text."""
    return safe_url(value, 200) if value.startswith(("http://", "https://")) else safe(value, 200)


def alert_embed(alert: WatchAlert) -> discord.Embed:
    watch = alert.watch
    kinds = [c.kind for c in alert.changes]
    embed = discord.Embed(
        title=clip(f"🔔 Watch #{watch.id}: {watch.domain}", 256),
        colour=_colour(kinds),
    )
    lines = [f"**Page:** {safe_url(watch.source_url)}", f"**Target:** {_show(watch.target)}", ""]
    for change in alert.changes:
        lines.append(f"**{change.title}:** {_show(change.before)} → {_show(change.after)}")
        if change.evidence:
            lines.append(f"-# {safe(change.evidence, 300)}")
    embed.description = clip("\n".join(lines), 3000)  # several alerts must fit one message's 6,000
    # Named, never a mention: an alert must not ping the member who added the watch.
    embed.add_field(name="Added by", value=safe(watch.created_by_name, 100) or "a member", inline=True)
    if watch.review_id is not None:
        embed.add_field(name="From review", value=f"#{watch.review_id}", inline=True)
    embed.set_footer(text="Link watch · /watch list · /history domain shows the timeline")
    return embed


def added_embed(alert: WatchAlert, interval_hours: float) -> discord.Embed:
    watch, obs = alert.watch, alert.observation
    state = _state(obs)
    embed = discord.Embed(title=clip(f"👀 Watching #{watch.id}: {watch.domain}", 256), colour=discord.Colour.blurple())
    embed.description = "\n".join([
        f"**Page:** {safe_url(watch.source_url)}",
        f"**Target:** {_show(watch.target)}",
        f"**Now:** {state}",
        f"Re-checked about every {interval_hours:g} h; changes are posted in the watch channel.",
    ])
    embed.add_field(name="Added by", value=safe(watch.created_by_name, 100) or "a member", inline=True)
    embed.add_field(name="Next check", value=timestamp(watch.next_due_at), inline=True)
    return embed


def check_embed(alert: WatchAlert) -> discord.Embed:
    if alert.changes:
        return alert_embed(alert)
    watch = alert.watch
    embed = discord.Embed(title=clip(f"Watch #{watch.id}: {watch.domain}", 256), colour=discord.Colour.light_grey())
    embed.description = "\n".join([
        f"**Page:** {safe_url(watch.source_url)}",
        f"**Now:** {_state(alert.observation)}",
        "Nothing changed since the last check." if alert.observation.ok else
        "The page could not be fetched; the watch reports it unreachable after two failures in a row.",
    ])
    return embed


def _state(obs: rules.Observation | None) -> str:
    if obs is None:
        return "not checked yet"
    if not obs.ok:
        return f"could not fetch the page ({safe(obs.error_message or obs.error or 'error', 120)})"
    if not obs.found:
        return f"no link to the target (HTTP {obs.http_status})"
    anchor = safe(obs.anchor or "", 60) or "no text"
    extra = ", noindex" if obs.noindex else ""
    return f"link found: {obs.placement}, {obs.rel}, anchor “{anchor}”{extra}"


def list_embed(rows: Sequence[tuple[Watch, StoredObservation | None]], *, limit: int = 20) -> discord.Embed:
    embed = discord.Embed(title="Watched links", colour=discord.Colour.blurple())
    if not rows:
        embed.description = "No links are watched in this server. Add one with /watch add."
        return embed
    lines = []
    for watch, latest in rows[:limit]:
        lines.append(
            f"**#{watch.id}** {safe_url(watch.source_url, 120)} → {_show(watch.target)}\n"
            f"-# {_state(latest.observation if latest else None)} · by {safe(watch.created_by_name, 60)} · "
            f"next {timestamp(watch.next_due_at)}"
        )
    if len(rows) > limit:
        lines.append(f"… and {len(rows) - limit} more (`python -m bot watch list` shows every one)")
    embed.description = clip("\n".join(lines), 4000)
    return embed


def _timeline_line(stored: StoredObservation) -> str:
    obs = stored.observation
    what = ", ".join(rules.TITLES.get(k, k) for k in stored.changes)
    return f"{timestamp(obs.at, 'd')} {_state(obs)}" + (f" — **{what}**" if what else "")


def timeline_embed(timelines: Sequence[WatchTimeline], domain: str) -> discord.Embed | None:
    """A domain's watched links and what each re-check saw (for /history domain)."""
    if not timelines:
        return None
    embed = discord.Embed(title=clip(f"Link watch: {domain}", 256), colour=discord.Colour.blurple())
    for timeline in timelines[:5]:
        watch = timeline.watch
        lines = [_timeline_line(s) for s in timeline.observations[-8:]]
        embed.add_field(
            name=safe(f"#{watch.id} {watch.source_url}", 256, keep_links=False),
            value=clip("\n".join(lines) or "not checked yet", 1024),
            inline=False,
        )
    return embed


def batches(embeds: Sequence[discord.Embed]) -> list[list[discord.Embed]]:
    """Embeds grouped into as few messages as Discord allows (10 embeds, 6,000 characters each)."""
    out: list[list[discord.Embed]] = []
    size = 0
    for embed in embeds:
        length = len(embed)
        if not out or len(out[-1]) >= MAX_EMBEDS_PER_MESSAGE or size + length > MAX_EMBED_CHARS_PER_MESSAGE:
            out.append([])
            size = 0
        out[-1].append(embed)
        size += length
    return out
