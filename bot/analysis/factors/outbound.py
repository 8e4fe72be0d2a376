"""Outbound links: how many sites the page links out to, and whether it links into spam niches.

Start at 100. Spam-niche links (matched in each external link's host + path and anchor, target
links excluded) in the main content −70, elsewhere −50. Link-farm ratios: external links in the
content per 100 words over 2.5 −15, over 5 −35; distinct external domains in the content over 12
−15, over 25 −35; over 150 external links on the whole page −10.
"""

from __future__ import annotations

from bisect import bisect_right

from bot.analysis import signals as sig
from bot.analysis.factors.common import MAX_EVIDENCE_ITEMS, Inputs, factor, quote, short_url
from bot.analysis.lexicon import SPAM_NICHE_GATES, SPAM_NICHES
from bot.analysis.links import MAX_LINKS, ScannedLink
from bot.analysis.report import Factor

ID = "outbound_links"


def spam_niche_links(links: list[ScannedLink]) -> list[tuple[ScannedLink, str, str]]:
    """(link, niche, matched text) per spam-niche link; each niche regex runs once over all links."""
    if not links:
        return []
    parts: list[str] = []
    starts: list[int] = []
    pos = 0
    for s in links:
        where = s.link.href.split("//", 1)[-1]
        chunk = f"{where[:400]} {s.link.anchor_text[:200]}".lower() + "\n"
        starts.append(pos)
        parts.append(chunk)
        pos += len(chunk)
    blob = "".join(parts)
    found: dict[int, tuple[str, str]] = {}
    for niche, pattern in SPAM_NICHES.items():
        if not any(g in blob for g in SPAM_NICHE_GATES[niche]):
            continue
        for m in pattern.finditer(blob):
            i = bisect_right(starts, m.start()) - 1
            found.setdefault(i, (niche, m.group()))
    return [(links[i], niche, word) for i, (niche, word) in sorted(found.items())]


def outbound_links(inp: Inputs, signals: set[str]) -> Factor:
    links = inp.scan.links
    external = [s for s in links if not s.link.internal]
    in_content = [s for s in external if s.link.placement == "content"]
    domains = {s.site for s in external}
    content_domains = {s.site for s in in_content}
    wc = inp.main_figures.word_count
    evidence = [
        f"{len(external)} external links to {len(domains)} sites on the page; "
        f"{len(in_content)} in the main content to {len(content_domains)} sites"
    ]
    if inp.scan.capped:
        evidence.append(f"only the first {MAX_LINKS:,} of {inp.scan.total_found:,} links were analysed")
    score = 100.0
    target_ids = {id(s) for s in inp.targets}
    spam = spam_niche_links([s for s in external if id(s) not in target_ids])
    if spam:
        in_body = [x for x in spam if x[0].link.placement == "content"]
        signals.add(sig.SPAM_NICHE_CONTENT if in_body else sig.SPAM_NICHE_PAGE)
        niches = sorted({niche for _, niche, _ in spam})
        evidence.append(f"spam-niche outbound links ({', '.join(niches)}): {len(spam)}, {len(in_body)} in the content")
        for s, niche, word in (in_body or spam)[:MAX_EVIDENCE_ITEMS]:
            evidence.append(f"{niche} ('{word}'): {short_url(s.link.href, 70)} {quote(s.link.anchor_text, 40)} in {s.link.placement}")
        score -= 70 if in_body else 50
    per100 = len(in_content) / wc * 100 if wc else 0.0
    if wc:
        evidence.append(f"{per100:.1f} external links per 100 words of content")
    if per100 > 5:
        evidence.append("link-farm ratio: over 5 external links per 100 words")
        score -= 35
    elif per100 > 2.5:
        score -= 15
    if len(content_domains) > 25:
        evidence.append(f"link-farm ratio: {len(content_domains)} distinct external sites in the content")
        score -= 35
    elif len(content_domains) > 12:
        score -= 15
    if len(external) > 150:
        evidence.append(f"link-heavy page: {len(external)} external links")
        score -= 10
    return factor(ID, score, evidence)
