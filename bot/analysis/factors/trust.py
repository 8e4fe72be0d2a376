"""Trust signals of the source site.

Start at 100 and subtract: plain HTTP −15; a spam-prone TLD −20; link-selling footprints ("write
for us", "buy links", "DA 50+"...) in the page text or its links −30 for the first, −10 for each
further one (at most −50); a link seller (two footprints that speak of money, or three with one
of them) is at most 30, bad; an article linking into two spam niches or more (or three spam
links) is a bad neighbourhood, at most 25; one spam-niche link in the article −20; no about,
contact or author signal at all −20, otherwise −7 for each one missing; domain shape: two or
more hyphens −10, digits −5, a first label over 25 characters −10, two or more commercial words
glued in ("best-cheap-seo-links") −10. The evidence leads with the reason for the verdict.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

from bot.analysis import signals as sig
from bot.analysis.factors.common import Inputs, judged
from bot.analysis.lexicon import (
    ABOUT_ANCHOR,
    ABOUT_HREF,
    COMMERCIAL_DOMAIN_WORDS,
    CONTACT_ANCHOR,
    CONTACT_HREF,
    LINK_METRICS,
    LINK_SALE_PHRASES,
    LINK_SELLING_HREF,
    LINK_SELLING_HREF_GATES,
    LINK_SELLING_PHRASES,
    SPAM_TLDS,
)
from bot.analysis.report import Factor
from bot.analysis.urls import brand_of, host_of

ID = "trust"
_SALE_SET = frozenset(LINK_SALE_PHRASES)
SALE_HREF_WORDS = frozenset({"sponsored-post", "buy-links", "link-insertion"})
SELLER_MIN_FOOTPRINTS = 3
SELLER_CAP = 30
NEIGHBOURHOOD_MIN_LINKS = 3
NEIGHBOURHOOD_CAP = 25
_SCHEME_AND_HOST = re.compile(r"^[^\n]*?//[^/\n]*", re.M)


def _phrases_in(text: str, phrases: tuple[str, ...]) -> list[str]:
    """Phrases found in text as whole words; a phrase is searched only when all its words but the
    last occur in the text as tokens (the last may end a sentence: "Price list:", "write for us!")."""
    # Only the phrases' own words matter: look the page's tokens up in that small set rather than
    # building a set of every token on the page.
    vocabulary = _words_of(phrases).intersection(text.split())
    if not vocabulary:
        return []
    return [p for p, head in _heads_of(phrases) if vocabulary.issuperset(head) and _whole(text, p)]


def _whole(text: str, phrase: str) -> bool:
    at = text.find(phrase)
    while at != -1:
        end = at + len(phrase)
        if end == len(text) or not text[end].isalnum():
            return True
        at = text.find(phrase, at + 1)
    return False


@lru_cache(maxsize=16)
def _words_of(phrases: tuple[str, ...]) -> frozenset[str]:
    return frozenset(w for p in phrases for w in p.split()[:-1] or p.split())


@lru_cache(maxsize=16)
def _heads_of(phrases: tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each phrase with the words that must be tokens of the text (all but the last)."""
    return tuple((p, tuple(p.split()[:-1])) for p in phrases)


def _link_metric(text: str) -> str | None:
    for pattern in LINK_METRICS:
        for m in pattern.finditer(text):
            if m.start() == 0 or not text[m.start() - 1].isalnum():
                return m.group()
    return None


def footprints(inp: Inputs) -> list[tuple[str, bool]]:
    """(footprint, whether it speaks of selling) for each link-selling footprint of the page."""
    # One pass over the page's tokens for both lists: splitting the page text is the costly part.
    found = [(f"'{p}' in page text", p in _SALE_SET) for p in _phrases_in(inp.page_text_lower, LINK_SELLING_PHRASES)]
    metric = _link_metric(inp.page_text) or _link_metric(inp.facts.title)
    if metric:
        found.append((f"'{metric}' (link metrics for sale)", True))
    internal = "\n".join([s.link.href.lower() for s in inp.internal_links])
    m2 = LINK_SELLING_HREF.search(internal) if any(map(internal.__contains__, LINK_SELLING_HREF_GATES)) else None
    if m2:
        line_start = internal.rfind("\n", 0, m2.start()) + 1
        line_end = internal.find("\n", m2.end())
        href = internal[line_start : line_end if line_end != -1 else None]
        found.append((f"link to {href} ('{m2.group()}')", m2.group() in SALE_HREF_WORDS))
    return list(dict.fromkeys(found))


def is_link_seller(prints: list[tuple[str, bool]]) -> bool:
    """Several footprints, money among them: one "write for us" is an invitation, a price list
    beside link insertions and sponsored posts is a shop."""
    sales = sum(1 for _, sale in prints if sale)
    return sales >= 2 or (len(prints) >= SELLER_MIN_FOOTPRINTS and sales >= 1)


def _identity_signals(inp: Inputs) -> tuple[bool, bool, bool]:
    internal = [s.link for s in inp.internal_links]
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
    penalties: list[tuple[float, str]] = []
    facts: list[str] = []
    caps: list[tuple[float, str]] = []
    try:
        scheme = urlsplit(inp.final_url).scheme.lower()
    except ValueError:
        scheme = ""
    https = scheme == "https"
    if not https:
        penalties.append((15, "served over plain HTTP"))
    host = host_of(inp.final_url).lower()
    tld = host.rsplit(".", 1)[-1] if "." in host else ""
    if tld in SPAM_TLDS:
        penalties.append((20, f"spam-prone TLD .{tld}"))

    prints = footprints(inp)
    if prints:
        signals.add(sig.LINK_SELLING)
        listed = "; ".join(text for text, _ in prints[:5])
        if is_link_seller(prints):
            signals.add(sig.LINK_SELLER)
            caps.append((SELLER_CAP, f"the site sells links: {len(prints)} link-selling footprints ({listed})"))
        else:
            penalties.append((min(50, 30 + 10 * (len(prints) - 1)), f"link-selling footprints: {listed}"))

    spam_in_content = [x for x in inp.spam_links if x[0].link.placement == "content"]
    if spam_in_content:
        niches = sorted({niche for _, niche, _ in spam_in_content})
        if len(niches) >= 2 or len(spam_in_content) >= NEIGHBOURHOOD_MIN_LINKS:
            signals.add(sig.BAD_NEIGHBOURHOOD)
            caps.append(
                (NEIGHBOURHOOD_CAP, f"bad neighbourhood: the article links out to {', '.join(niches)} ({len(spam_in_content)} links)")
            )
        else:
            penalties.append((20, f"the article links to a {niches[0]} site"))

    about, contact, author = _identity_signals(inp)
    present = [n for n, ok in (("about", about), ("contact", contact), ("author", author)) if ok]
    missing = [n for n, ok in (("about", about), ("contact", contact), ("author", author)) if not ok]
    if not present:
        penalties.append((20, "no about page, contact or author signal found"))
    else:
        if missing:
            penalties.append((7 * len(missing), f"missing: {', '.join(missing)} (found: {', '.join(present)})"))
        if author and inp.facts.author_signals:
            facts.append(f"author signal: {inp.facts.author_signals[0]}")

    label = brand_of(inp.page_site)
    shape: list[str] = []
    shape_points = 0
    if label.count("-") >= 2:
        shape.append(f"{label.count('-')} hyphens")
        shape_points += 10
    if any(c.isdigit() for c in label):
        shape.append("digits")
        shape_points += 5
    if len(label) > 25:
        shape.append(f"{len(label)}-character name")
        shape_points += 10
    words = [w for w in COMMERCIAL_DOMAIN_WORDS if w in label.replace("-", " ").split() or w in label]
    if len(words) >= 2:
        shape.append(f"keyword-stuffed ({', '.join(words[:4])})")
        shape_points += 10
    if shape:
        penalties.append((shape_points, f"domain {inp.page_site}: " + ", ".join(shape)))

    good = [
        "no sign of selling links" if not prints else "",
        "no spam-niche links in the article" if not spam_in_content else "",
        "served over HTTPS" if https else "",
        f"{', '.join(present)} found" if present else "",
    ]
    strength = "trustworthy: " + "; ".join(x for x in good if x)
    return judged(ID, 100, penalties, strength=strength, facts=facts, caps=caps)
