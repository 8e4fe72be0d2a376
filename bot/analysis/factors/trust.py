"""Trust signals of the source site.

Start at 100 and subtract: plain HTTP −15; a spam-prone TLD −20; link-selling footprints ("write
for us", "buy links", "DA 50+"...) in the page text or its links −30 for the first, −10 for each
further one (at most −50); no about, contact or author signal at all −20, otherwise −7 for each
one missing; domain shape: two or more hyphens −10, digits −5, a first label over 25 characters
−10, two or more commercial words glued in ("best-cheap-seo-links") −10.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

from bot.analysis import signals as sig
from bot.analysis.factors.common import Inputs, factor
from bot.analysis.lexicon import (
    ABOUT_ANCHOR,
    ABOUT_HREF,
    COMMERCIAL_DOMAIN_WORDS,
    CONTACT_ANCHOR,
    CONTACT_HREF,
    LINK_METRICS,
    LINK_SELLING_HREF,
    LINK_SELLING_HREF_GATES,
    LINK_SELLING_PHRASES,
    SPAM_TLDS,
)
from bot.analysis.report import Factor
from bot.analysis.urls import brand_of, host_of

ID = "trust"
_SCHEME_AND_HOST = re.compile(r"^[^\n]*?//[^/\n]*", re.M)


def _phrases_in(text: str, phrases: tuple[str, ...]) -> list[str]:
    """Phrases found in text; a phrase is searched only when all its words occur in the text."""
    # Only the phrases' own words matter: look the page's tokens up in that small set rather than
    # building a set of every token on the page.
    vocabulary = _words_of(phrases).intersection(text.split())
    if not vocabulary:
        return []
    return [p for p in phrases if vocabulary.issuperset(p.split()) and p in text]


@lru_cache(maxsize=16)
def _words_of(phrases: tuple[str, ...]) -> frozenset[str]:
    return frozenset(w for p in phrases for w in p.split())


def _link_metric(text: str) -> str | None:
    for pattern in LINK_METRICS:
        for m in pattern.finditer(text):
            if m.start() == 0 or not text[m.start() - 1].isalnum():
                return m.group()
    return None


def footprints(inp: Inputs) -> list[str]:
    found = [f"'{p}' in page text" for p in _phrases_in(inp.page_text_lower, LINK_SELLING_PHRASES)]
    metric = _link_metric(inp.page_text) or _link_metric(inp.facts.title)
    if metric:
        found.append(f"'{metric}' (link metrics for sale)")
    internal = "\n".join(s.link.href.lower() for s in inp.scan.links if s.link.internal)
    m2 = LINK_SELLING_HREF.search(internal) if any(map(internal.__contains__, LINK_SELLING_HREF_GATES)) else None
    if m2:
        line_start = internal.rfind("\n", 0, m2.start()) + 1
        line_end = internal.find("\n", m2.end())
        href = internal[line_start : line_end if line_end != -1 else None]
        found.append(f"link to {href} ('{m2.group()}')")
    return list(dict.fromkeys(found))


def _identity_signals(inp: Inputs) -> tuple[bool, bool, bool]:
    internal = [s.link for s in inp.scan.links if s.link.internal]
    # Link hrefs are absolute: dropping "scheme://host" from each line leaves the paths (an empty
    # line for a bare host, which no pattern below matches, just like "/").
    path_blob = _SCHEME_AND_HOST.sub("", "\n".join([link.href for link in internal]))
    anchor_blob = "\n".join([link.anchor_text for link in internal]).lower()
    about = bool(ABOUT_HREF.search(path_blob) or ABOUT_ANCHOR.search(anchor_blob))
    contact = bool(CONTACT_HREF.search(path_blob) or CONTACT_ANCHOR.search(anchor_blob))
    if not contact:
        contact = any(h.lower().startswith("mailto:") for h in inp.scan.other_hrefs)
    author = bool(inp.facts.author_signals) or any("author" in s.link.rel for s in inp.scan.links)
    return about, contact, author


def trust(inp: Inputs, signals: set[str]) -> Factor:
    evidence: list[str] = []
    score = 100.0
    try:
        scheme = urlsplit(inp.final_url).scheme.lower()
    except ValueError:
        scheme = ""
    if scheme == "https":
        evidence.append("served over HTTPS")
    else:
        evidence.append("served over plain HTTP")
        score -= 15
    host = host_of(inp.final_url).lower()
    tld = host.rsplit(".", 1)[-1] if "." in host else ""
    if tld in SPAM_TLDS:
        evidence.append(f"spam-prone TLD .{tld}")
        score -= 20

    prints = footprints(inp)
    if prints:
        signals.add(sig.LINK_SELLING)
        evidence.append("link-selling footprints: " + "; ".join(prints[:5]))
        score -= min(50, 30 + 10 * (len(prints) - 1))

    about, contact, author = _identity_signals(inp)
    present = [n for n, ok in (("about", about), ("contact", contact), ("author", author)) if ok]
    missing = [n for n, ok in (("about", about), ("contact", contact), ("author", author)) if not ok]
    if not present:
        evidence.append("no about page, contact or author signal found")
        score -= 20
    else:
        evidence.append(f"found: {', '.join(present)}" + (f"; missing: {', '.join(missing)}" if missing else ""))
        if author and inp.facts.author_signals:
            evidence.append(f"author signal: {inp.facts.author_signals[0]}")
        score -= 7 * len(missing)

    label = brand_of(inp.page_site)
    shape: list[str] = []
    if label.count("-") >= 2:
        shape.append(f"{label.count('-')} hyphens")
        score -= 10
    if any(c.isdigit() for c in label):
        shape.append("digits")
        score -= 5
    if len(label) > 25:
        shape.append(f"{len(label)}-character name")
        score -= 10
    words = [w for w in COMMERCIAL_DOMAIN_WORDS if w in label.replace("-", " ").split() or w in label]
    if len(words) >= 2:
        shape.append(f"keyword-stuffed ({', '.join(words[:4])})")
        score -= 10
    if shape:
        evidence.append(f"domain {inp.page_site}: " + ", ".join(shape))
    return factor(ID, score, evidence)
