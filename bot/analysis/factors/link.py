"""Factors about the target link itself: placement, anchor text, rel, and link type."""

from __future__ import annotations

from bot.analysis import signals as sig
from bot.analysis.factors.common import (
    MAX_EVIDENCE_ITEMS,
    Inputs,
    factor,
    primary_target,
    quote,
    short_url,
    unknown,
)
from bot.analysis.factors.indexability import page_nofollow
from bot.analysis.lexicon import (
    AFFILIATE_PHRASES,
    DISCLOSURE_LABELS,
    PAID_DISCLOSURE_PHRASES,
    SELF_DISCLOSURE_PHRASES,
    SITEWIDE_AFFILIATE_PHRASES,
    WEAK_DISCLOSURE_PHRASES,
)
from bot.analysis.report import Factor
from bot.analysis.urls import host_of

PLACEMENT_SCORES = {
    "content": 90,
    "header": 55,
    "navigation": 50,
    "other": 50,
    "sidebar": 25,
    "footer": 20,
    "comments": 15,
}
ANCHOR_SCORES = {
    "branded": 90,
    "descriptive": 85,
    "partial_match": 75,
    "naked_url": 60,
    "generic": 55,
    "image": 50,
    "exact_match": 15,
    "empty": 10,
}
_ANCHOR_WHY = {
    "exact_match": "exact-match anchor: the over-optimised pattern link-spam systems look for",
    "empty": "empty anchor: no text, image or label",
    "generic": "generic anchor: says nothing about the target",
    "naked_url": "naked-URL anchor: natural but carries no topic",
    "image": "image link: its alt text stands in for anchor text, a weaker signal than words on the page",
    "branded": "branded anchor: the most natural kind",
    "partial_match": "partial-match anchor: topical without being exact",
    "descriptive": "descriptive anchor",
}
# Regions that repeat on every page of a site: a keyword link there is a sitewide link.
SITEWIDE_REGIONS = frozenset({"footer", "sidebar", "navigation", "header"})


def _no_target(factor_id: str, inp: Inputs) -> Factor:
    if inp.target is None:
        why = "no target given" if not inp.target_raw else f"target {quote(inp.target_raw)} is not a URL or domain"
        return unknown(factor_id, why)
    return unknown(factor_id, f"no link to {inp.target.raw} on the page (see link_type)")


def _describe(s) -> str:  # type: ignore[no-untyped-def]
    link = s.link
    bits = [f"{short_url(link.href)}", f"anchor {quote(link.anchor_text) if link.anchor_text else '(none)'}", link.placement]
    if link.hidden:
        bits.append(f"hidden ({s.hidden_reason})")
    return " — ".join(bits)


def placement(inp: Inputs, signals: set[str]) -> Factor:
    targets = inp.targets
    if not targets:
        return _no_target("placement", inp)
    best = primary_target(targets)
    assert best is not None
    evidence = [f"{len(targets)} link(s) to the target"]
    evidence += [_describe(s) for s in targets[:MAX_EVIDENCE_ITEMS]]
    if len(targets) > MAX_EVIDENCE_ITEMS:
        evidence.append(f"… and {len(targets) - MAX_EVIDENCE_ITEMS} more")
    if not inp.scan.main_found:
        evidence.append("main content not detected: links outside navigation, header, footer, sidebar and comments count as content")
    if inp.scan.style_rules_capped:
        evidence.append("hidden-link check capped: only part of the page's <style> rules were applied")
    hidden = [s for s in targets if s.link.hidden]
    if hidden:
        signals.add(sig.TARGET_HIDDEN)
        evidence.insert(0, f"target link hidden: {hidden[0].hidden_reason}")
        return factor("placement", 5, evidence)
    where = best.link.placement
    evidence.insert(0, f"best-placed target link is in: {where}")
    return factor("placement", PLACEMENT_SCORES.get(where, 50), evidence)


def _anchor_line(text: str, cls: str) -> str:
    if cls == "image":
        return f"image, alt text {quote(text)}" if text else "image without alt text"
    return f"{quote(text) if text else '(no text)'}: {cls}"


def anchor_text(inp: Inputs, signals: set[str]) -> Factor:
    targets = inp.targets
    if not targets:
        return _no_target("anchor_text", inp)
    worst = min(targets, key=lambda s: ANCHOR_SCORES.get(s.link.anchor_class, 50))
    cls = worst.link.anchor_class
    evidence = [_anchor_line(s.link.anchor_text, s.link.anchor_class) for s in targets[:MAX_EVIDENCE_ITEMS]]
    evidence.insert(0, _ANCHOR_WHY.get(cls, cls))
    if inp.keyword:
        evidence.append(f"compared with keyword {quote(inp.keyword)}")
    else:
        evidence.append("no keyword given: exact and partial match could not be judged")
    # Every target link counts, not only the worst: an icon link beside a sitewide exact-match
    # link must not hide it.
    classes = {s.link.anchor_class for s in targets}
    if "empty" in classes:
        signals.add(sig.EMPTY_ANCHOR)
    if "exact_match" in classes:
        signals.add(sig.EXACT_MATCH)
        if any(s.link.anchor_class == "exact_match" and s.link.placement in SITEWIDE_REGIONS for s in targets):
            signals.add(sig.SITEWIDE_EXACT)
            evidence.append("exact-match anchor in a sitewide region (footer/sidebar/navigation/header)")
    return factor("anchor_text", ANCHOR_SCORES.get(cls, 50), evidence)


def paid_disclosure(inp: Inputs) -> str | None:
    """The disclosure phrase and where it was found, when the page says it was paid for."""
    text = inp.main.text
    strong_only = [("start of the article", text[:300]), ("end of the article", text[-300:])]
    anywhere = [("title", inp.facts.title), *(("disclosure block", d) for d in inp.facts.disclosures)]
    low_main = inp.main_text_lower
    for label in DISCLOSURE_LABELS:
        at = low_main.find(label)
        while at != -1 and len(anywhere) < 20:
            anywhere.append(("disclosure in the article", low_main[at : at + 300]))
            at = low_main.find(label, at + len(label))
    for where, chunk in anywhere + strong_only:
        low = " ".join(chunk.lower().split()) + " "
        phrases = PAID_DISCLOSURE_PHRASES if (where, chunk) in strong_only else PAID_DISCLOSURE_PHRASES + WEAK_DISCLOSURE_PHRASES
        for phrase in phrases:
            if phrase in low:
                return f"'{phrase.strip()}' in {where}"
    low = " ".join(inp.main_words_lower)  # the main text's tokens, split once per page
    for phrase in SELF_DISCLOSURE_PHRASES:
        if phrase in low:
            return f"'{phrase}' in the article"
    return None


def affiliate_disclosure(inp: Inputs) -> str | None:
    """The affiliate wording and where it was found, when the article or a disclosure note says
    the page's links earn it a commission (or the article holds an affiliate box: "Available from
    Amazon")."""
    low = " ".join(inp.main_words_lower)
    for phrase in AFFILIATE_PHRASES:
        if phrase in low:
            return f"'{phrase}' in the article"
    for note in inp.facts.disclosures:
        low = " ".join(note.lower().split())
        for phrase in AFFILIATE_PHRASES:
            if phrase in low and phrase not in SITEWIDE_AFFILIATE_PHRASES:
                return f"'{phrase}' in a disclosure note"
    return None


def rel(inp: Inputs, signals: set[str]) -> Factor:
    targets = inp.targets
    if not targets:
        return _no_target("rel", inp)
    disclosure = paid_disclosure(inp)
    evidence = [f"rel={' '.join(s.link.rel) or '(none)'} on {short_url(s.link.href, 60)}" for s in targets[:MAX_EVIDENCE_ITEMS]]
    dofollow = [s for s in targets if s.link.dofollow]
    sponsored = [s for s in targets if "sponsored" in s.link.rel]
    if disclosure:
        evidence.insert(0, f"page discloses payment: {disclosure}")
        if dofollow:
            signals.add(sig.PAID_UNDISCLOSED)
            evidence.insert(0, "Google link-spam policy: paid link without rel=sponsored (or nofollow)")
            return factor("rel", 10, evidence)
        evidence.insert(0, "paid link correctly qualified: honest, passes little value")
        return factor("rel", 55 if sponsored else 50, evidence)
    if page_nofollow(inp):
        evidence.insert(0, "meta robots nofollow: search engines follow no link on this page")
        return factor("rel", 45, evidence)
    affiliate = affiliate_disclosure(inp)
    if affiliate:
        if dofollow:
            signals.add(sig.AFFILIATE_DOFOLLOW)
            evidence.insert(0, f"affiliate disclosure ({affiliate})")
            evidence.insert(0, "affiliate link without rel=sponsored: Google asks that affiliate links carry it")
            return factor("rel", 35, evidence)
        evidence.insert(0, f"affiliate link correctly qualified ({affiliate}): honest, passes little value")
        return factor("rel", 55 if sponsored else 50, evidence)
    if dofollow:
        evidence.insert(0, "dofollow: passes link value")
        return factor("rel", 90, evidence)
    tokens = sorted({t for s in targets for t in s.link.rel if t in ("nofollow", "ugc", "sponsored")})
    evidence.insert(0, f"{'/'.join(tokens)}: a hint to pass little or no value; no harm")
    return factor("rel", 50, evidence)


def link_type(inp: Inputs, signals: set[str]) -> Factor:
    if inp.target is None:
        return _no_target("link_type", inp)
    source_site = inp.page_site
    if not inp.targets:
        signals.add(sig.TARGET_MISSING)
        n = len(inp.scan.links)
        return factor(
            "link_type",
            0,
            [f"target not found: no link to {inp.target.raw} among the {n} links on the page"],
        )
    target_host = host_of(inp.targets[0].link.href)
    if inp.target.site == source_site:
        signals.add(sig.NOT_BACKLINK)
        return factor(
            "link_type",
            20,
            [f"internal link: {target_host} and the page are both on {source_site} — not a backlink at all"],
        )
    return factor("link_type", 100, [f"backlink: {source_site} links to {inp.target.site}"])
