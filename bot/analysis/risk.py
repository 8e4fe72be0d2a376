"""The overall risk of a link opportunity: the one place where factors become a level and a score.

Score (0-100, 100 = highest risk):

1. Base: the weighted mean of (100 − factor score) over the *known* factors (unknown ones don't
   count). Weights say how much each factor matters for a backlink: placement 3, anchor_text 2.5,
   indexability 2.5, rel 2, outbound_links 2, link_type 2, trust 1.5, content_quality 1.5,
   relevance 1.5, traffic 1.
2. Each factor with a "bad" verdict adds 12 points, and any bad factor makes the risk at least
   medium: one clear problem should not be averaged away by nine fine factors.
3. Hard rules raise the score to a floor, whatever the average says:
   - high (≥ 70): target link hidden; the page discloses payment but the link is dofollow (Google
     link-spam policy); the article links into several spam niches (a bad neighbourhood); an
     exact-match anchor on a site with several link-selling footprints, or on a keyword-stuffed
     page; a link farm or directory with selling footprints; page noindex; robots.txt blocks
     Googlebot; the page answers with an HTTP error; target link not found; spam-niche outbound
     links in the content; an exact-match anchor in a sitewide region (footer, sidebar,
     navigation, header).
   - medium (≥ 40): a link seller or a link farm alone (50); the target is on the same site (not a
     backlink); spam-niche links elsewhere on the page; link-selling footprints; an exact-match
     anchor anywhere; an affiliate disclosure with a followed target link; keyword stuffing.
   - no floor, a flag only: a target link with an empty anchor.
4. Level: low below 35, medium below 65, high from 65.

Every rule that fired, and every bad factor, becomes a flag naming its reason.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.analysis import signals as sig
from bot.analysis.report import Factor, Risk, RiskLevel

WEIGHTS: dict[str, float] = {
    "placement": 3.0,
    "anchor_text": 2.5,
    "indexability": 2.5,
    "rel": 2.0,
    "outbound_links": 2.0,
    "link_type": 2.0,
    "trust": 1.5,
    "content_quality": 1.5,
    "relevance": 1.5,
    "traffic": 1.0,
}
BAD_PENALTY = 12
LOW_BELOW = 35
HIGH_FROM = 65

# (signals that must all be raised, floor, flag); checked in this order, so the flags read most
# serious first. The combined rules are where two facts that are each only suspicious together
# make the verdict a careful SEO gives: a money anchor bought from a link seller is a paid link.
HARD_RULES: tuple[tuple[tuple[str, ...], int, str], ...] = (
    ((sig.PAID_UNDISCLOSED,), 80, "Google link-spam policy: paid link without rel=sponsored"),
    ((sig.TARGET_HIDDEN,), 80, "target link hidden"),
    ((sig.BAD_NEIGHBOURHOOD,), 80, "bad neighbourhood: the article links into several spam niches"),
    ((sig.EXACT_MATCH, sig.LINK_SELLER), 75, "exact-match anchor on a site that sells links"),
    ((sig.LINK_FARM, sig.LINK_SELLING), 75, "link farm or directory that sells its listings"),
    ((sig.EXACT_MATCH, sig.KEYWORD_STUFFING), 75, "exact-match anchor on a keyword-stuffed page"),
    ((sig.NOINDEX,), 75, "page is noindex"),
    ((sig.ERROR_STATUS,), 75, "page answers with an HTTP error"),
    ((sig.ROBOTS_BLOCKED,), 70, "robots.txt blocks Googlebot from the page"),
    ((sig.TARGET_MISSING,), 70, "target link not found on the page"),
    ((sig.SPAM_NICHE_CONTENT,), 75, "spam-niche outbound links in the content"),
    ((sig.SITEWIDE_EXACT,), 70, "exact-match anchor in a sitewide region (footer/sidebar/navigation)"),
    ((sig.LINK_SELLER,), 50, "the site sells links: several link-selling footprints"),
    ((sig.LINK_FARM,), 50, "link farm or directory: dozens of links to distinct sites"),
    ((sig.NOT_BACKLINK,), 40, "internal link: not a backlink"),
    ((sig.SPAM_NICHE_PAGE,), 40, "spam-niche outbound links on the page"),
    ((sig.LINK_SELLING,), 40, "link-selling footprints on the page"),
    ((sig.EXACT_MATCH,), 40, "exact-match anchor"),
    ((sig.AFFILIATE_DOFOLLOW,), 40, "affiliate link without rel=sponsored"),
    ((sig.KEYWORD_STUFFING,), 40, "keyword stuffing"),
    ((sig.EMPTY_ANCHOR,), 0, "empty anchor"),
)
# Flags for bad factors, unless a signal above already explains them.
BAD_FACTOR_FLAGS: dict[str, tuple[frozenset[str], str]] = {
    "relevance": (frozenset(), "page barely relevant to the keyword/target"),
    "content_quality": (frozenset({sig.KEYWORD_STUFFING}), "thin or low-quality content"),
    "placement": (frozenset({sig.TARGET_HIDDEN}), "target link in footer, sidebar or comments"),
    "anchor_text": (frozenset({sig.EXACT_MATCH, sig.EMPTY_ANCHOR}), "anchor text problem"),
    "rel": (frozenset({sig.PAID_UNDISCLOSED, sig.AFFILIATE_DOFOLLOW}), "rel attribute problem"),
    "outbound_links": (
        frozenset({sig.SPAM_NICHE_CONTENT, sig.SPAM_NICHE_PAGE, sig.LINK_FARM}),
        "link-farm outbound link pattern",
    ),
    "indexability": (frozenset({sig.NOINDEX, sig.ERROR_STATUS, sig.ROBOTS_BLOCKED}), "page may not be indexed"),
    "trust": (frozenset({sig.LINK_SELLER, sig.BAD_NEIGHBOURHOOD}), "weak trust signals"),
    "traffic": (frozenset(), "little or no measurable traffic"),
    "link_type": (frozenset({sig.TARGET_MISSING, sig.NOT_BACKLINK}), "not a backlink"),
}


def level_for(score: int) -> RiskLevel:
    if score >= HIGH_FROM:
        return "high"
    if score >= LOW_BELOW:
        return "medium"
    return "low"


def assess(factors: Iterable[Factor], signals: Iterable[str]) -> Risk:
    factors = list(factors)
    raised = set(signals)
    known = [f for f in factors if f.known and f.id in WEIGHTS]
    total_weight = sum(WEIGHTS[f.id] for f in known)
    base = sum(WEIGHTS[f.id] * (100 - f.score) for f in known) / total_weight if total_weight else 50.0
    bad = [f for f in known if f.verdict == "bad"]
    score = base + BAD_PENALTY * len(bad)
    if bad:
        score = max(score, LOW_BELOW)
    flags: list[str] = []
    for needed, floor, flag in HARD_RULES:
        if raised.issuperset(needed):
            score = max(score, floor)
            flags.append(flag)
    for f in bad:
        explained_by, flag = BAD_FACTOR_FLAGS.get(f.id, (frozenset(), f"{f.id} is bad"))
        if not explained_by & raised:
            flags.append(flag)
    final = int(round(min(100.0, max(0.0, score))))
    return Risk(level=level_for(final), score=final, flags=tuple(dict.fromkeys(flags)))
