"""Indexability: can Google index the page (and so see the link)?

Checks: HTTP status; meta robots and meta googlebot; the X-Robots-Tag header, including
``googlebot:``-prefixed values; robots.txt for Googlebot (as decided by the fetcher); a canonical
pointing at another URL. Score: 100, capped to 5 by noindex, 0 by an error status, 10 by a
robots.txt block, 50 by a canonical elsewhere, 55 by a page-wide nofollow, 60 by a 3xx.
Offline, status, header and robots.txt are skipped and said so.
"""

from __future__ import annotations

import re

from bot.analysis import signals as sig
from bot.analysis.factors.common import Inputs, judged, short_url
from bot.analysis.report import Factor
from bot.analysis.urls import host_of, normalize_url, registrable_domain, resolve_href

ID = "indexability"
# Directives that carry a value after a colon; anything else before a colon names a user agent.
_VALUE_DIRECTIVES = frozenset({"unavailable_after", "max-snippet", "max-image-preview", "max-video-preview"})
_UA_PREFIX = re.compile(r"^\s*([A-Za-z][\w-]*)\s*:\s*(.*)$", re.S)


def directives(content: str) -> set[str]:
    return {d.strip().lower() for d in content.split(",") if d.strip()}


def header_directives(value: str) -> set[str]:
    """X-Robots-Tag value → directives that apply to Googlebot (others' prefixed rules dropped)."""
    m = _UA_PREFIX.match(value)
    if m and m.group(1).lower() not in _VALUE_DIRECTIVES:
        if m.group(1).lower() not in ("googlebot", "googlebot-news"):
            return set()
        value = m.group(2)
    return directives(value)


def page_nofollow(inp: Inputs) -> bool:
    for _, content in inp.facts.robots_meta:
        d = directives(content)
        if "nofollow" in d or "none" in d:
            return True
    return False


def indexability(inp: Inputs, signals: set[str]) -> Factor:
    evidence: list[str] = []
    caps: list[tuple[float, str]] = []
    ctx = inp.context

    if ctx is None or ctx.status is None:
        if ctx is not None:
            evidence.append("HTTP status unknown")
    else:
        status = ctx.status
        if 200 <= status < 300:
            evidence.append(f"HTTP {status}")
        elif 300 <= status < 400:
            caps.append((60, f"HTTP {status}: a redirect, not a page"))
        else:
            signals.add(sig.ERROR_STATUS)
            caps.append((0, f"HTTP {status}: an error page is not indexed"))

    noindex_from: list[str] = []
    nofollow_from: list[str] = []
    for name, content in inp.facts.robots_meta:
        d = directives(content)
        if "noindex" in d or "none" in d:
            noindex_from.append(f'<meta name="{name}" content="{content.strip()}">')
        if "nofollow" in d or "none" in d:
            nofollow_from.append(f"meta {name}")
    if ctx is not None:
        for value in ctx.header_values("x-robots-tag"):
            d = header_directives(value)
            if "noindex" in d or "none" in d:
                noindex_from.append(f"X-Robots-Tag: {value.strip()}")
            if "nofollow" in d or "none" in d:
                nofollow_from.append("X-Robots-Tag")
    if noindex_from:
        signals.add(sig.NOINDEX)
        caps.append((5, "page is noindex: " + "; ".join(noindex_from)))
    elif inp.facts.robots_meta or (ctx is not None and ctx.header_values("x-robots-tag")):
        evidence.append("robots meta/header allow indexing")
    else:
        evidence.append("no robots meta tag" + ("" if ctx is None else " or X-Robots-Tag header"))
    if nofollow_from:
        caps.append((55, f"page-wide nofollow ({', '.join(nofollow_from)}): its links pass no value"))

    if ctx is not None:
        robots = ctx.robots
        if robots is None or robots.allowed is None:
            evidence.append("robots.txt: unknown" + (f" ({robots.reason})" if robots and robots.reason else ""))
        elif robots.allowed:
            evidence.append("robots.txt allows Googlebot" + (f" ({robots.reason})" if robots.reason else ""))
        else:
            signals.add(sig.ROBOTS_BLOCKED)
            caps.append((10, "robots.txt blocks Googlebot" + (f": {robots.reason}" if robots.reason else "")))

    canonical = inp.facts.canonical
    if canonical:
        resolved = resolve_href(inp.final_url, canonical)
        here = normalize_url(inp.final_url)
        there = normalize_url(resolved) if resolved else None
        if there is None:
            evidence.append(f"canonical not a web URL: {short_url(canonical)}")
        elif there != here:
            signals.add(sig.CANONICAL_ELSEWHERE)
            other_site = registrable_domain(host_of(resolved or "")) != inp.page_site
            caps.append(
                (50, f"canonical points elsewhere{' (another site)' if other_site else ''}: {short_url(resolved or canonical)}")
            )
        else:
            evidence.append("canonical points to this page")
    if ctx is None:
        evidence.append("HTTP status, X-Robots-Tag and robots.txt not checked (offline)")
    return judged(ID, 100, [], strength="nothing keeps Google from indexing the page", facts=evidence, caps=caps)
